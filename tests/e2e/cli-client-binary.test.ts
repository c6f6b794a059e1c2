// alkhub-test: once
/**
 * The compiled binary as an admin client of a running compiled hub (embedded store, empty environment): through
 * the local admin socket a key is created, listed as JSON and revoked, and the hub refuses it on the next request;
 * nothing says to stop the hub. Run once: the binary is the same in both modes.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { lstatSync } from "node:fs";
import { join } from "node:path";
import { runBinary, type ServingHub, serveBinary } from "../support/binary.ts";
import { eventually } from "../support/eventually.ts";
import { type HubFiles, writeHubFiles } from "../support/hub-files.ts";

let files: HubFiles;
let hub: ServingHub | undefined;

beforeAll(async () => {
  files = await writeHubFiles({ mode: "embedded" });
  hub = await serveBinary(files.configPath, files.keyPath);
  await eventually(async () => expect((await hub?.health())?.code).toBe(200), { timeoutMs: 60_000 });
}, 90_000);

afterAll(async () => {
  await hub?.stop();
  await files?.cleanup();
}, 30_000);

test("keys create, list and revoke through the compiled hub's admin socket", async () => {
  const where = ["--config", files.configPath, "--master-key-file", files.keyPath];
  expect(lstatSync(join(files.dir, "data", "admin.sock")).mode & 0o777).toBe(0o600);
  const created = await runBinary([
    "keys",
    "create",
    "--name",
    "bin",
    "--scopes",
    "read",
    "--json",
    ...where,
  ]);
  expect(created.stderr).toBe("");
  expect(created.exitCode).toBe(0);
  const key = JSON.parse(created.stdout) as { id: string; key: string };
  const probe = async () =>
    (await fetch(`${hub?.url}/api/v1/spokes`, { headers: { authorization: `Bearer ${key.key}` } })).status;
  expect(await probe()).toBe(200);

  const listed = await runBinary(["keys", "list", "--json", ...where]);
  expect(listed.exitCode).toBe(0);
  expect((JSON.parse(listed.stdout) as Array<{ id: string }>).map((k) => k.id)).toContain(key.id);

  const revoked = await runBinary(["keys", "revoke", key.id, ...where]);
  expect(revoked.exitCode).toBe(0);
  expect(await probe()).toBe(401);
  for (const text of [created, listed, revoked].flatMap((r) => [r.stdout, r.stderr])) {
    expect(text).not.toMatch(/stop the hub/i);
  }
}, 120_000);

test("the hub removes its socket when it stops", async () => {
  await hub?.stop();
  hub = undefined;
  expect(() => lstatSync(join(files.dir, "data", "admin.sock"))).toThrow();
}, 60_000);
