import { expect, test } from "bun:test";
import { silentLogger } from "../log/index.ts";
import type { UpstreamDeps } from "./upstream.ts";
import { UpstreamInputError, Upstreams } from "./upstreams.ts";

// Nothing here starts an upstream, so the parts that would dial or register are never touched.
const deps = { log: silentLogger, standbyPollMs: 1000 } as unknown as UpstreamDeps;

test("add checks the definition against the config schema, names the field, and refuses a taken name", () => {
  const upstreams = new Upstreams(deps, []);
  const status = upstreams.add({
    name: "search",
    url: "https://user:pw@mcp.example.com/mcp?token=abc",
    headers: { Authorization: { secret: "token", prefix: "Bearer " } },
  });
  expect(status).toEqual({
    name: "search",
    url: "https://mcp.example.com/mcp",
    headers: { Authorization: "token" },
    state: "standby",
    connected: false,
    operations: 0,
  });
  expect(() => upstreams.add({ name: "search", url: "http://127.0.0.1:1/mcp" })).toThrow(
    'upstream/name: an upstream named "search" exists',
  );
  expect(() => upstreams.add({ name: "x", url: "ftp://nope" })).toThrow(UpstreamInputError);
  expect(() => upstreams.add({ name: "x", url: "ftp://nope" })).toThrow(/upstream\/url/);
  expect(() => upstreams.add({ name: "hub", url: "http://127.0.0.1:1/mcp" })).toThrow("is reserved");
  expect(upstreams.list().map((u) => u.name)).toEqual(["search"]);
});

test("remove stops and forgets an upstream", async () => {
  const upstreams = new Upstreams(deps, []);
  upstreams.add({ name: "a", url: "http://127.0.0.1:1/mcp" });
  expect(await upstreams.remove("a")).toBe(true);
  expect(await upstreams.remove("a")).toBe(false);
  expect(upstreams.list()).toEqual([]);
});
