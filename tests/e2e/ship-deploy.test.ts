// alkhub-test: once
/**
 * The deployment examples under deploy/: the systemd unit passes `systemd-analyze verify` (with ExecStart
 * pointed at the built binary) and scores as well sandboxed offline; the nginx and Caddy examples upgrade
 * WebSockets on /ws and pass /mcp event streams on unbuffered.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireBinary } from "../support/binary.ts";

const ROOT = join(import.meta.dir, "..", "..");
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");
/** systemd-analyze's exposure score: 0 is fully locked down, 10 is unprotected; "OK" ends below 4. */
const MAX_EXPOSURE = 2.5;

async function run(cmd: string[]) {
  const proc = Bun.spawn(cmd, { env: { LC_ALL: "C", SYSTEMD_COLORS: "0" }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, exitCode };
}

describe("deploy/alkhub.service", () => {
  const unit = read("deploy/alkhub.service");
  let dir: string;
  let unitPath: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "alkhub-unit-"));
    unitPath = join(dir, "alkhub.service");
    writeFileSync(unitPath, unit.replaceAll("/usr/local/bin/alkhub ", `${requireBinary()} `));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("systemd-analyze verify reports nothing (no unknown keys, no bad values)", async () => {
    const result = await run(["systemd-analyze", "verify", unitPath]);
    expect({ exitCode: result.exitCode, stderr: result.stderr.trim() }).toEqual({ exitCode: 0, stderr: "" });
  });

  test(`its offline security exposure is at most ${MAX_EXPOSURE}`, async () => {
    const result = await run(["systemd-analyze", "security", "--offline=yes", "--no-pager", unitPath]);
    const score = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(result.stdout)?.[1]);
    expect(score).toBeLessThanOrEqual(MAX_EXPOSURE);
  });

  test("runs as a dynamic user with the master key as a credential and state in /var/lib/alkhub", () => {
    const directives = new Set(unit.split("\n").map((l) => l.trim()));
    for (const line of [
      "DynamicUser=yes",
      "LoadCredential=hub_master_key:/etc/alkhub/master.key",
      "StateDirectory=alkhub",
      "ProtectSystem=strict",
      "ProtectHome=yes",
      "NoNewPrivileges=yes",
      "PrivateTmp=yes",
      "SystemCallFilter=@system-service",
      "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
    ])
      expect(directives).toContain(line);
    expect(unit).toMatch(
      /^ExecStart=\S+ serve .*--master-key-file \$\{CREDENTIALS_DIRECTORY\}\/hub_master_key/m,
    );
    // Bun's JIT needs writable+executable memory.
    expect(unit).not.toMatch(/^MemoryDenyWriteExecute=yes/m);
  });
});

describe("reverse proxy examples", () => {
  test("nginx: HTTP/1.1 upstream, Connection upgrade map for /ws, unbuffered long-lived /mcp", () => {
    const conf = read("deploy/nginx.conf");
    expect(conf).toMatch(/map \$http_upgrade \$connection_upgrade \{[^}]*default\s+upgrade;/);
    expect(conf).toMatch(/proxy_http_version 1\.1;/);
    const block = (path: string) => new RegExp(`location ${path} \\{([^}]*)\\}`).exec(conf)?.[1] ?? "";
    const ws = block("= /ws");
    expect(ws).toContain("proxy_set_header Upgrade    $http_upgrade;");
    expect(ws).toContain("proxy_set_header Connection $connection_upgrade;");
    const mcp = block("/mcp");
    expect(mcp).toContain("proxy_buffering off;");
    expect(mcp).toMatch(/proxy_read_timeout \d+h;/);
  });

  test("Caddy: /ws and /mcp proxied to the hub, /mcp flushed at once", () => {
    const caddy = read("deploy/Caddyfile");
    expect(caddy).toMatch(/handle \/ws \{\s*reverse_proxy 127\.0\.0\.1:3000/);
    expect(caddy).toMatch(/handle \/mcp\* \{\s*reverse_proxy 127\.0\.0\.1:3000 \{[^}]*flush_interval -1/);
  });
});
