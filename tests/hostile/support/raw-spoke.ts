/**
 * A spoke on the raw wire (tests/support/ws-client.ts), the way an attacker would write one: it registers any
 * spec it likes and answers every call it is sent with `output: null`, so a call that passes the hub's input
 * check comes back at once.
 */
import { WsTestClient } from "../../support/ws-client.ts";

/** A raw spoke connection; `registration` is the hub's answer to its `hub.register`. */
export interface RawSpoke {
  client: WsTestClient;
  registration: { type: string; payload: Record<string, unknown> };
  close(): void;
}

/** Connects with `key`, sends `hub.register` with `input`, and starts answering calls. */
export async function connectRawSpoke(
  wsUrl: string,
  key: string,
  input: Record<string, unknown>,
  timeoutMs = 10_000,
): Promise<RawSpoke> {
  const client = await WsTestClient.connect(wsUrl, { token: key });
  let answered = 0;
  const answer = setInterval(() => {
    for (; answered < client.frames.length; answered++) {
      const frame = client.frames[answered]!;
      if (frame.type === "call.requested") {
        const requestId = frame.payload.requestId as string;
        client.send("call.responded", requestId, { requestId, output: null });
      }
    }
  }, 5);
  const registration = await client.call("hub.register", input, { timeoutMs });
  return {
    client,
    registration,
    close() {
      clearInterval(answer);
      client.close();
    },
  };
}

/** A `hub.register` input for spoke `name` with one query operation `op` taking `inputSchema`. */
export function oneOperation(name: string, inputSchema: unknown, op = "op"): Record<string, unknown> {
  return { name, operations: [{ name: op, type: "query", description: "hostile", inputSchema }] };
}
