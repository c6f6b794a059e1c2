// alkhub-test: once
/**
 * Seeded fuzzer over config files: a valid config mutated at random (values replaced with random JSON, keys
 * dropped or added, the text cut or spliced with bytes, encrypted values forged, nesting made deep). Loading it
 * in process must either succeed or throw an error that says what is wrong; the compiled binary's
 * `alkhub config check` must exit 0 or 78 with a message on stderr, never crash. The seed is printed on failure
 * (ALKHUB_FUZZ_SEED replays it).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { loadConfig } from "../../src/config/index.ts";
import { runBinary } from "../support/binary.ts";
import { type HubFiles, writeHubFiles } from "../support/hub-files.ts";
import { fuzz, fuzzSeed, type Rng } from "./support/index.ts";

let files: HubFiles;
let valid: Record<string, unknown>;

beforeAll(async () => {
  files = await writeHubFiles({ mode: "embedded", encrypt: true });
  valid = JSON.parse(await Bun.file(files.configPath).text()) as Record<string, unknown>;
  valid.validation = { maxDepth: 64 };
  valid.registration = { perKeyPerMinute: 60 };
  valid.health = { eventLoop: { intervalMs: 50 } };
}, 60_000);

afterAll(async () => {
  await files?.cleanup();
});

/** Every JSON path (as key lists) of `value`'s objects. */
function paths(value: unknown, at: string[] = [], out: string[][] = []): string[][] {
  out.push(at);
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) paths(child, [...at, key], out);
  }
  return out;
}

function mutate(rng: Rng, config: Record<string, unknown>): string {
  const copy = structuredClone(config);
  const all = paths(copy).filter((p) => p.length > 0);
  for (let n = rng.int(1, 3); n > 0; n--) {
    const path = rng.pick(all);
    const parent = path
      .slice(0, -1)
      .reduce<unknown>((at, key) => (at as Record<string, unknown>)?.[key], copy) as
      | Record<string, unknown>
      | undefined;
    if (typeof parent !== "object" || parent === null) continue;
    const key = path.at(-1)!;
    switch (rng.int(0, 6)) {
      case 0:
        delete parent[key];
        break;
      case 1:
        parent[key] = rng.json(3);
        break;
      case 2:
        parent[rng.string(rng.int(1, 10))] = rng.json(2);
        break;
      case 3:
        parent[key] = `enc:v1:${rng.string(rng.int(0, 60), "ABCDEFabcdef0123456789+/=:")}`;
        break;
      case 4: {
        let deep: unknown = 1;
        for (let i = rng.int(10, 5000); i > 0; i--) deep = { a: deep };
        parent[key] = deep;
        break;
      }
      case 5:
        parent[key] = rng.pick([-1, 0, 1e308, 2 ** 53 + 1, 0.5, "", "x".repeat(10_000), [], {}]);
        break;
      default:
        parent[key] = rng.pick([null, true, "0.0.0.0", "debug", 65536]);
    }
  }
  let text = JSON.stringify(copy, null, rng.chance(0.5) ? 2 : undefined);
  if (rng.chance(0.15)) text = text.slice(0, rng.int(0, text.length));
  if (rng.chance(0.1)) {
    const at = rng.int(0, text.length);
    text = text.slice(0, at) + rng.string(rng.int(1, 8)) + text.slice(at);
  }
  if (rng.chance(0.05)) text = `\ufeff${text}`;
  return text;
}

test("mutated configs load or fail with a message; none throws anything but a config error", async () => {
  const seed = fuzzSeed();
  const masterKey = files.masterKey;
  await fuzz(
    "config load",
    40,
    async (rng) => {
      const text = mutate(rng, valid);
      writeFileSync(files.configPath, text);
      try {
        await loadConfig({ path: files.configPath, masterKey });
      } catch (error) {
        expect(error).toBeInstanceOf(Error);
        const message = (error as Error).message;
        expect(message.length).toBeGreaterThan(0);
        // A crash of the loader itself, not a verdict on the file.
        expect(message).not.toMatch(
          /Maximum call stack|undefined is not|cannot read prop|is not a function/i,
        );
      }
    },
    seed,
  );
}, 120_000);

test("alkhub config check on mutated configs exits 0 or 78 with a message, never crashes", async () => {
  const seed = fuzzSeed();
  await fuzz(
    "config check",
    10,
    async (rng) => {
      writeFileSync(files.configPath, mutate(rng, valid));
      const result = await runBinary([
        "config",
        "check",
        "--config",
        files.configPath,
        "--master-key-file",
        files.keyPath,
      ]);
      expect([0, 78]).toContain(result.exitCode);
      if (result.exitCode === 78) expect(result.stderr.trim().length).toBeGreaterThan(0);
      else expect(result.stdout).toContain("ok:");
      expect(result.stderr).not.toMatch(/panic|Segmentation|Maximum call stack|^\s+at /m);
    },
    seed,
  );
}, 180_000);
