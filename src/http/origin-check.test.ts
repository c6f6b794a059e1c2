import { expect, test } from "bun:test";
import { checkOriginAndHost, originPolicy } from "./origin-check.ts";

const headers = (host: string, origin?: string) => new Headers(origin ? { host, origin } : { host });
const own = () => ["myhost", "10.1.2.3", "[fe80::1]"];

test("beyond loopback without allowedHosts or publicUrl only loopback and the machine's own names pass", () => {
  const policy = originPolicy({ host: "0.0.0.0", allowedOrigins: [], allowedHosts: [] }, own);
  expect(checkOriginAndHost(headers("attacker.example", "http://attacker.example"), policy)).toContain(
    "attacker.example",
  );
  expect(checkOriginAndHost(headers("localhost:3000"), policy)).toBeUndefined();
  expect(checkOriginAndHost(headers("10.1.2.3:3000"), policy)).toBeUndefined();
  expect(checkOriginAndHost(headers("[fe80::1]:3000"), policy)).toBeUndefined();
  expect(checkOriginAndHost(headers("myhost"), policy)).toBeUndefined();
});

test("publicUrl adds its host; allowedHosts replaces the list", () => {
  const withUrl = originPolicy(
    { host: "0.0.0.0", publicUrl: "https://hub.example.com", allowedOrigins: [], allowedHosts: [] },
    own,
  );
  expect(checkOriginAndHost(headers("hub.example.com"), withUrl)).toBeUndefined();
  expect(checkOriginAndHost(headers("other.example.com"), withUrl)).toBeDefined();
  const listed = originPolicy({ host: "0.0.0.0", allowedOrigins: [], allowedHosts: ["a.example"] }, own);
  expect(checkOriginAndHost(headers("a.example"), listed)).toBeUndefined();
  expect(checkOriginAndHost(headers("localhost"), listed)).toBeDefined();
});
