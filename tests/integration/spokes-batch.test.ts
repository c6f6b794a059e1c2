/**
 * Batched messages on /ws (protocol.md › Batched messages), over real sockets: a client that offers
 * `alkhub.v1.batch` gets it, may send several frames in one message (one per line) and gets the hub's frames of
 * a turn joined the same way; a client that did not agree it gets one frame a message, and a message of several
 * lines from it is one bad frame, as before.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { BATCH_SUBPROTOCOL, CLOSE_CODES, SUBPROTOCOL } from "../../src/protocol/index.ts";
import { connectSpoke, type Spoke } from "../../src/sdk/index.ts";
import { TEST_MODE } from "../support/services.ts";
import { makeKey, type TestKey } from "../support/spoke-kit.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";
import { WsTestClient, wsUrl } from "../support/ws-client.ts";

const callFrame = (requestId: string, operation: string, input: unknown) =>
  JSON.stringify({ type: "call.requested", id: requestId, payload: { requestId, operation, input } });

describe(`/ws batched messages (${TEST_MODE})`, () => {
  let testHub: TestHub;
  let key: TestKey;
  let url: string;
  let spoke: Spoke;
  /** Calls of batchy.echo whose input was `{ late: true }`. */
  let lateCalls = 0;

  beforeAll(async () => {
    testHub = await startTestHub();
    key = await makeKey(testHub.hub, { scopes: ["spoke", "call", "read"], spokeNames: ["batchy"] });
    url = wsUrl(testHub.url);
    spoke = await connectSpoke({
      url,
      token: key.key,
      name: "batchy",
      operations: {
        echo: {
          type: "query",
          description: "echoes its input",
          input: Type.Record(Type.String(), Type.Unknown()),
          handler: (input) => {
            if (input.late === true) lateCalls++;
            return input;
          },
        },
      },
    });
  }, 60_000);

  /** A client that offers `alkhub.v1.batch` before `alkhub.v1`, as the SDK does. */
  const connectBatching = () =>
    WsTestClient.connect(url, { token: key.key, protocols: [BATCH_SUBPROTOCOL, SUBPROTOCOL] });

  afterAll(async () => {
    await spoke?.close();
    await testHub?.stop();
  });

  test("a client that offers alkhub.v1.batch gets it; one that offers only alkhub.v1 gets that", async () => {
    const batching = await connectBatching();
    expect(batching.protocol).toBe(BATCH_SUBPROTOCOL);
    batching.close();
    const plain = await WsTestClient.connect(url, { token: key.key, protocols: [SUBPROTOCOL] });
    expect(plain.protocol).toBe(SUBPROTOCOL);
    plain.close();
  });

  test("every frame of a batched message is handled, a bad one among them refused alone", async () => {
    const client = await connectBatching();
    client.sendText(
      [
        callFrame("b1", "batchy.echo", { n: 1 }),
        '{"type":"call.requested","id":"b2","payload":{"requestId":"b2"}}',
        callFrame("b3", "batchy.echo", { n: 3 }),
        "",
      ].join("\n"),
    );
    const first = await client.waitFor((frame) => frame.id === "b1" && frame.type === "call.responded");
    expect(first.payload).toMatchObject({ output: { n: 1 } });
    const third = await client.waitFor((frame) => frame.id === "b3" && frame.type === "call.responded");
    expect(third.payload).toMatchObject({ output: { n: 3 } });
    const refused = await client.waitFor((frame) => frame.type === "protocol.error");
    expect(refused.payload).toMatchObject({ ref: "b2" });
    expect(String((refused.payload as { message: string }).message)).toContain("operation");
    expect(client.open).toBe(true);
    client.close();
  });

  test("the hub joins a turn's frames to a batching client into fewer messages", async () => {
    const client = await connectBatching();
    const count = 40;
    client.sendText(
      Array.from({ length: count }, (_, i) => callFrame(`m${i}`, "batchy.echo", { i })).join("\n"),
    );
    for (let i = 0; i < count; i++) {
      const reply = await client.waitFor((frame) => frame.id === `m${i}` && frame.type === "call.responded");
      expect(reply.payload).toMatchObject({ output: { i } });
    }
    expect(client.frames.length).toBe(count);
    expect(client.messages).toBeLessThan(count);
    client.close();
  });

  test("from a client that did not agree batching, a message of several lines is one bad frame", async () => {
    const client = await WsTestClient.connect(url, { token: key.key, protocols: [SUBPROTOCOL] });
    client.sendText([callFrame("p1", "batchy.echo", {}), callFrame("p2", "batchy.echo", {})].join("\n"));
    const refused = await client.waitFor((frame) => frame.type === "protocol.error");
    expect(refused.payload).toBeDefined();
    expect(client.framesFor("p1").filter((frame) => frame.type === "call.responded")).toEqual([]);
    // A single frame still works on the same connection.
    client.sendText(callFrame("p3", "batchy.echo", { ok: true }));
    const reply = await client.waitFor((frame) => frame.id === "p3" && frame.type === "call.responded");
    expect(reply.payload).toMatchObject({ output: { ok: true } });
    client.close();
  });

  test("a batch of bad frames closes the connection with 4400 once the budget is spent; the rest is not read", async () => {
    const client = await connectBatching();
    const bad = Array.from({ length: 100 }, (_, i) => `{"type":"call.nonsense","id":"x${i}"}`);
    client.sendText([...bad, callFrame("late", "batchy.echo", { late: true })].join("\n"));
    expect((await client.waitClosed()).code).toBe(CLOSE_CODES.PROTOCOL_VIOLATION);
    // A call made afterwards reaches the spoke after anything the hub relayed from that message would have.
    const after = await WsTestClient.connect(url, { token: key.key });
    expect(await after.output("batchy.echo", { sentinel: true })).toEqual({ sentinel: true });
    after.close();
    expect(lateCalls).toBe(0);
  });
});
