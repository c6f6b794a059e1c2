import { expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import {
  clearedSessionCookie,
  hasCsrfHeader,
  readSessionCookie,
  SESSION_COOKIE,
  SessionSealer,
  sessionCookie,
} from "./session.ts";

const key = () => new Uint8Array(randomBytes(32));

test("a sealed session opens to its key id and expiry", () => {
  let now = 1_000_000;
  const sealer = new SessionSealer(key(), { ttlMs: 60_000, now: () => now });
  const { token, session } = sealer.seal("AbCdEf123456");
  expect(session).toEqual({ keyId: "AbCdEf123456", expiresAt: new Date(1_060_000) });
  expect(sealer.open(token)).toEqual(session);
  now = 1_059_999;
  expect(sealer.open(token)?.keyId).toBe("AbCdEf123456");
});

test("an expired session does not open", () => {
  let now = 0;
  const sealer = new SessionSealer(key(), { ttlMs: 1000, now: () => now });
  const { token } = sealer.seal("AbCdEf123456");
  now = 1000;
  expect(sealer.open(token)).toBeUndefined();
});

test("a session never outlives its key's own expiry", () => {
  const sealer = new SessionSealer(key(), { ttlMs: 60_000, now: () => 0 });
  expect(sealer.seal("AbCdEf123456", new Date(5000)).session.expiresAt).toEqual(new Date(5000));
});

test("a tampered, truncated or foreign token does not open", () => {
  const secret = key();
  const sealer = new SessionSealer(secret);
  const { token } = sealer.seal("AbCdEf123456");
  const [version, iv, body] = token.split(".") as [string, string, string];
  // Flip one character of the ciphertext (keeping it valid base64url).
  const flipped = `${body.slice(0, 5)}${body[5] === "A" ? "B" : "A"}${body.slice(6)}`;
  expect(sealer.open(`${version}.${iv}.${flipped}`)).toBeUndefined();
  expect(sealer.open(`${version}.${iv}.${body.slice(0, -2)}`)).toBeUndefined();
  expect(sealer.open(`v2.${iv}.${body}`)).toBeUndefined();
  expect(sealer.open(`${token}.extra`)).toBeUndefined();
  expect(sealer.open("")).toBeUndefined();
  expect(sealer.open("x".repeat(600))).toBeUndefined();
  // Another master key (another hub) cannot open it; the same key (another instance) can.
  expect(new SessionSealer(key()).open(token)).toBeUndefined();
  expect(new SessionSealer(secret).open(token)?.keyId).toBe("AbCdEf123456");
});

test("refresh is wanted past half the lifetime", () => {
  let now = 0;
  const sealer = new SessionSealer(key(), { ttlMs: 1000, now: () => now });
  const { session } = sealer.seal("AbCdEf123456");
  now = 400;
  expect(sealer.wantsRefresh(session)).toBe(false);
  now = 600;
  expect(sealer.wantsRefresh(session)).toBe(true);
});

test("the cookie is HttpOnly, SameSite=Strict, Path=/, Secure only on https", () => {
  const session = { keyId: "AbCdEf123456", expiresAt: new Date(3_600_000) };
  const plain = sessionCookie("v1.a.b", session, false, 0);
  expect(plain).toBe(`${SESSION_COOKIE}=v1.a.b; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict`);
  expect(sessionCookie("v1.a.b", session, true, 0)).toEndWith("; Secure");
  expect(clearedSessionCookie(false)).toBe(
    `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`,
  );
});

test("the cookie and the CSRF header are read from request headers", () => {
  const headers = new Headers({ cookie: `a=1; ${SESSION_COOKIE}=v1.x.y; b=2`, "x-alkhub-csrf": "1" });
  expect(readSessionCookie(headers)).toBe("v1.x.y");
  expect(readSessionCookie(new Headers({ cookie: "a=1" }))).toBeUndefined();
  expect(hasCsrfHeader(headers)).toBe(true);
  expect(hasCsrfHeader(new Headers({ "x-alkhub-csrf": "yes" }))).toBe(false);
});
