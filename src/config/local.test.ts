import { afterAll, describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KeyRing, readMasterKeyFile } from "../crypto/index.ts";
import { ConfigError } from "../errors.ts";
import { loadConfig } from "./load.ts";
import { writeLocalConfig } from "./local.ts";

const root = await mkdtemp(join(tmpdir(), "alkhub-local-"));
afterAll(() => rm(root, { recursive: true, force: true }));

describe("writeLocalConfig", () => {
  test("writes a loadable embedded config and a 0600 master key", async () => {
    const dir = join(root, "fresh", "nested");
    const { configPath, keyPath } = await writeLocalConfig({ dir });
    expect(configPath).toBe(join(dir, "alkhub.json"));
    expect(keyPath).toBe(join(dir, "alkhub.key"));
    expect((await stat(configPath)).mode & 0o777).toBe(0o600);
    expect((await stat(keyPath)).mode & 0o777).toBe(0o600);

    const raw = JSON.parse(await readFile(configPath, "utf8"));
    expect(raw.server).toEqual({ host: "127.0.0.1", port: 3000 });
    expect(raw.embedded).toEqual({ dataDir: "./data" });
    expect(raw.encryptionKeys).toStartWith("enc:v1:");

    const config = await loadConfig({ path: configPath, masterKey: await readMasterKeyFile(keyPath) });
    expect(config.embedded.dataDir).toBe(join(dir, "data"));
    expect(KeyRing.parse(config.encryptionKeys ?? "").currentVersion).toBe(1);
  });

  test("refuses to overwrite without force, and replaces both files with it", async () => {
    const dir = join(root, "existing");
    const first = await writeLocalConfig({ dir });
    const oldKey = await readFile(first.keyPath, "utf8");
    await expect(writeLocalConfig({ dir })).rejects.toThrow(ConfigError);
    await expect(writeLocalConfig({ dir })).rejects.toThrow(
      `${first.configPath} already exists; pass --force`,
    );
    expect(await readFile(first.keyPath, "utf8")).toBe(oldKey);

    const second = await writeLocalConfig({ dir, force: true });
    expect(await readFile(second.keyPath, "utf8")).not.toBe(oldKey);
    await loadConfig({ path: second.configPath, masterKey: await readMasterKeyFile(second.keyPath) });
  });

  test("an existing master key alone also blocks a new setup", async () => {
    const dir = join(root, "key-only");
    await writeLocalConfig({ dir });
    await rm(join(dir, "alkhub.json"));
    await expect(writeLocalConfig({ dir })).rejects.toThrow(`${join(dir, "alkhub.key")} already exists`);
  });
});
