import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { ChildStdioTransport } from "./child-stdio-transport.ts";

const CHILD = join(import.meta.dir, "../../tests/fixtures/stdio/line-child.ts");
const WAIT_MS = 15_000;

/** A transport over the test child, with everything it reports kept. */
function open(...args: string[]) {
  const messages: JSONRPCMessage[] = [];
  const errors: Error[] = [];
  let closes = 0;
  const transport = new ChildStdioTransport({
    command: process.execPath,
    args: [CHILD, ...args],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    onStderr: () => {},
  });
  transport.onmessage = (message) => messages.push(message);
  transport.onerror = (error) => errors.push(error);
  transport.onclose = () => closes++;
  return { transport, messages, errors, closes: () => closes };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

const request = (id: number): JSONRPCMessage => ({ jsonrpc: "2.0", id, method: "m", params: { id } });
const chunkSizes = (messages: JSONRPCMessage[]) =>
  messages.flatMap((m) =>
    "method" in m && m.method === "chunk" ? [(m.params as { lines: number }).lines] : [],
  );

describe("ChildStdioTransport", () => {
  test("messages sent in one turn reach the child in at most two writes, and every answer comes back in order", async () => {
    const { transport, messages } = open();
    await transport.start();
    expect(transport.pid).toBeGreaterThan(0);
    for (let id = 1; id <= 10; id++) await transport.send(request(id));
    await until(() => messages.filter((m) => "result" in m).length === 10, "ten answers");
    const answered = messages.flatMap((m) => ("result" in m ? [m.id] : []));
    expect(answered).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The first message of the turn goes at once, the other nine together when the turn ends.
    const chunks = chunkSizes(messages);
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(10);
    expect(chunks.length).toBeLessThanOrEqual(2);
    await transport.close();
  });

  test("a line cut across reads, a CRLF line and bad lines: the good ones are delivered, the bad ones reported", async () => {
    const said = [
      '{"jsonrpc":"2.0","method":"a"}\r\nnot json\n{"x":1}\n{"jsonrpc":"2.0",',
      '"method":"b"}\n',
    ];
    const { transport, messages, errors } = open("say", JSON.stringify(said));
    await transport.start();
    await until(() => messages.length === 2, "both notifications");
    expect(messages).toEqual([
      { jsonrpc: "2.0", method: "a" },
      { jsonrpc: "2.0", method: "b" },
    ]);
    expect(errors.map((error) => error.message)).toEqual([
      expect.stringContaining("not JSON"),
      expect.stringContaining("not a JSON-RPC 2.0 message"),
    ]);
    await transport.close();
  });

  test("the child's exit closes the transport once; sending then fails", async () => {
    const { transport, closes } = open();
    await transport.start();
    const pid = transport.pid as number;
    process.kill(pid, "SIGKILL");
    await until(() => closes() === 1, "the close");
    expect(transport.pid).toBeUndefined();
    await expect(transport.send(request(1))).rejects.toThrow("Not connected");
    expect(closes()).toBe(1);
  });

  test(
    "close stops a child that ignores the end of stdin and SIGTERM",
    async () => {
      const { transport, closes } = open("stubborn");
      await transport.start();
      const pid = transport.pid as number;
      await transport.close();
      expect(closes()).toBe(1);
      expect(() => process.kill(pid, 0)).toThrow();
    },
    WAIT_MS,
  );

  test("a command that cannot be started fails start() with the reason", async () => {
    const transport = new ChildStdioTransport({
      command: "/nonexistent/mcp-server",
      args: [],
      env: {},
      onStderr: () => {},
    });
    await expect(transport.start()).rejects.toThrow(/nonexistent|ENOENT|No such file/);
  });
});
