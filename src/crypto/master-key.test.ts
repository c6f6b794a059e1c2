import { afterAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../errors.ts";
import { createLogger } from "../log/index.ts";
import { fromBase64 } from "./base64.ts";
import { generateMasterKey, readMasterKeyFile } from "./master-key.ts";

const dir = await mkdtemp(join(tmpdir(), "alkhub-master-key-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

async function keyFile(name: string, content: string, mode = 0o600): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  await chmod(path, mode);
  return path;
}

async function rejection(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a rejection");
}

describe("readMasterKeyFile", () => {
  test("reads a generated key with a trailing newline, without warning at 0600", async () => {
    const text = generateMasterKey();
    const lines: string[] = [];
    const key = await readMasterKeyFile(
      await keyFile("ok.key", `${text}\n`),
      createLogger({ sink: (l) => lines.push(l) }),
    );
    expect(key).toEqual(fromBase64(text) as Uint8Array);
    expect(key.byteLength).toBe(32);
    expect(lines).toEqual([]);
  });

  test("warns when group or others can read it, without the key", async () => {
    const text = generateMasterKey();
    const lines: string[] = [];
    const path = await keyFile("open.key", text, 0o644);
    await readMasterKeyFile(path, createLogger({ sink: (l) => lines.push(l) }));
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain("readable by group or others");
    expect(lines[0]).toContain("0644");
    expect(lines[0]).not.toContain(text);
  });

  test("wrong length names the file and the length, not the content", async () => {
    const content = Buffer.from(randomBytes(31)).toString("base64");
    const path = await keyFile("short.key", content);
    const error = await rejection(readMasterKeyFile(path));
    expect(error.message).toBe(`master key file ${path} must hold 32 bytes in base64; it holds 31`);
    expect(error.file).toBe(path);
  });

  test("not base64, empty, missing", async () => {
    const garbage = "this is not a key!";
    const bad = await rejection(readMasterKeyFile(await keyFile("bad.key", garbage)));
    expect(bad.message).toContain("it is not valid base64");
    expect(bad.message).not.toContain(garbage);
    const empty = await rejection(readMasterKeyFile(await keyFile("empty.key", "\n")));
    expect(empty.message).toContain("it is empty");
    const missing = join(dir, "nope.key");
    expect((await rejection(readMasterKeyFile(missing))).message).toBe(
      `master key file ${missing} not found`,
    );
  });

  test("generateMasterKey gives distinct 32-byte keys", () => {
    const a = generateMasterKey();
    expect(fromBase64(a)?.byteLength).toBe(32);
    expect(a).not.toBe(generateMasterKey());
  });
});
