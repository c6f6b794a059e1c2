import { afterEach, describe, expect, test } from "bun:test";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UnavailableError } from "../errors.ts";
import { silentLogger } from "../log/index.ts";
import { isAdminSocketRequest, startAdminSocket } from "./admin-socket.ts";

const dirs: string[] = [];
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "alkhub-sock-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A handler that says whether the request it got was marked as a socket request. */
const echo = async (request: Request) =>
  Response.json({ path: new URL(request.url).pathname, socket: isAdminSocketRequest(request) });

const start = (path: string) =>
  startAdminSocket({ path, handle: echo, maxRequestBodySize: 1024, log: silentLogger });

describe("startAdminSocket", () => {
  test("makes its directory 0700 and the socket 0600, serves /api/ marked as socket requests, removes it at stop", async () => {
    const path = join(scratch(), "run", "admin.sock");
    const socket = await start(path);
    expect(statSync(join(path, "..")).mode & 0o777).toBe(0o700);
    expect(lstatSync(path).mode & 0o777).toBe(0o600);
    // Any Host a client sends (curl says localhost; a short one like "x" must work too).
    for (const origin of ["http://x", "http://localhost"]) {
      const answer = await fetch(`${origin}/api/v1/keys?limit=1`, { unix: path } as RequestInit);
      expect(await answer.json()).toEqual({ path: "/api/v1/keys", socket: true });
    }
    const mcp = await fetch("http://localhost/mcp", { unix: path, method: "POST" } as RequestInit);
    expect(mcp.status).toBe(404);
    expect(isAdminSocketRequest(new Request("http://localhost/api/v1/keys"))).toBe(false);
    await socket.stop();
    expect(existsSync(path)).toBe(false);
  });

  test("takes over a stale socket; refuses a live one and a file that is not a socket", async () => {
    const dir = scratch();
    const path = join(dir, "admin.sock");
    const listener = `Bun.listen({ unix: ${JSON.stringify(path)}, socket: { data() {} } }); process.kill(process.pid, "SIGKILL");`;
    expect(await Bun.spawn([process.execPath, "-e", listener]).exited).not.toBe(0);
    expect(lstatSync(path).isSocket()).toBe(true);
    const first = await start(path);
    try {
      const second = await start(path).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(second).toBeInstanceOf(UnavailableError);
      expect(String(second)).toContain("already serves");
    } finally {
      await first.stop();
    }
    const file = join(dir, "plain");
    writeFileSync(file, "x");
    await expect(start(file)).rejects.toThrow("is not a socket");
    expect(existsSync(file)).toBe(true);
  });

  test("refuses a directory other users may write into", async () => {
    const dir = join(scratch(), "shared");
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    await expect(start(join(dir, "admin.sock"))).rejects.toThrow("writable by other users");
  });
});
