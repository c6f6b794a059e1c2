import { afterAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, UsageError } from "../errors.ts";
import { encryptValueInFile, readDecryptedValue } from "./edit.ts";
import { encryptConfigValue } from "./encrypted.ts";
import { parseConfigText } from "./load.ts";

const root = await mkdtemp(join(tmpdir(), "alkhub-edit-"));
afterAll(() => rm(root, { recursive: true, force: true }));
const master = new Uint8Array(randomBytes(32));
let counter = 0;

async function configFile(content: unknown, mode = 0o600): Promise<string> {
  const dir = join(root, `case-${++counter}`);
  await Bun.write(join(dir, ".keep"), "");
  const file = join(dir, "alkhub.json");
  await writeFile(file, JSON.stringify(content));
  await chmod(file, mode);
  return file;
}

describe("encryptValueInFile", () => {
  test("encrypts a whole section in place, keeps the mode, leaves no temp file", async () => {
    const file = await configFile({ postgres: { url: "postgres://u:hunter2@db/x" } }, 0o640);
    expect(await encryptValueInFile({ file, pointer: "/postgres", masterKey: master })).toEqual({
      replaced: false,
    });
    const text = await readFile(file, "utf8");
    expect(text).not.toContain("hunter2");
    expect(JSON.parse(text).postgres).toStartWith("enc:v1:");
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect(await readdir(join(file, ".."))).toEqual([".keep", "alkhub.json"]);
    const config = parseConfigText(text, { file, masterKey: master });
    expect(config.postgres).toEqual({ url: "postgres://u:hunter2@db/x", maxConnections: 10 });
    expect(await readDecryptedValue({ file, pointer: "/postgres", masterKey: master })).toEqual({
      value: { url: "postgres://u:hunter2@db/x" },
      wasEncrypted: true,
    });
  });

  test("stdin text is stored at a new path; a previous encrypted value is replaced", async () => {
    const file = await configFile({ redis: { host: "r" } });
    await encryptValueInFile({ file, pointer: "/redis/password", masterKey: master, plaintext: "pw-1\n" });
    const again = await encryptValueInFile({
      file,
      pointer: "/redis/password",
      masterKey: master,
      plaintext: "pw-2",
    });
    expect(again.replaced).toBe(true);
    const { value } = await readDecryptedValue({ file, pointer: "/redis/password", masterKey: master });
    expect(value).toBe("pw-2");
  });

  test("refuses what cannot or should not be encrypted", async () => {
    const enc = encryptConfigValue(master, "/redis/password", "x");
    const file = await configFile({ redis: { host: "r", port: 6379, password: enc } });
    const before = await readFile(file, "utf8");
    const cases: Array<[string, string | undefined, new (...args: never[]) => Error, string]> = [
      ["/redis/password", undefined, UsageError, "already encrypted"],
      ["/redis/port", undefined, UsageError, "only a string or an object"],
      ["/nothing", undefined, ConfigError, "no value at this path"],
      ["/a/b", "v", ConfigError, "parent of this path is missing"],
      ["redis", undefined, UsageError, "must be a JSON pointer"],
      ["/redis/password", "enc:v1:a:b", UsageError, "already encrypted"],
      ["/redis/password", "{not json hunter2", UsageError, "not a JSON object"],
    ];
    for (const [pointer, plaintext, type, message] of cases) {
      const error = await encryptValueInFile({ file, pointer, masterKey: master, plaintext }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toContain(message);
      expect((error as Error).message).not.toContain("hunter2");
    }
    expect(await readFile(file, "utf8")).toBe(before);
  });

  test("a master key that does not open the file's other values is refused before writing", async () => {
    const file = await configFile({
      encryptionKeys: encryptConfigValue(master, "/encryptionKeys", "v1:x"),
      redis: { url: "redis://r" },
    });
    const other = new Uint8Array(randomBytes(32));
    await expect(encryptValueInFile({ file, pointer: "/redis", masterKey: other })).rejects.toThrow(
      "/encryptionKeys: encrypted value could not be decrypted",
    );
  });
});

describe("readDecryptedValue", () => {
  test("reads inside an encrypted section and reports plaintext values", async () => {
    const section = encryptConfigValue(master, "/postgres", JSON.stringify({ host: "h", password: "pw" }));
    const file = await configFile({ postgres: section, server: { host: "x" } });
    expect(await readDecryptedValue({ file, pointer: "/postgres/password", masterKey: master })).toEqual({
      value: "pw",
      wasEncrypted: true,
    });
    expect(await readDecryptedValue({ file, pointer: "/server/host", masterKey: master })).toEqual({
      value: "x",
      wasEncrypted: false,
    });
    await expect(readDecryptedValue({ file, pointer: "/redis", masterKey: master })).rejects.toThrow(
      "/redis: no value at this path",
    );
  });
});
