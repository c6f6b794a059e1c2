/**
 * A spoke in a process of its own, for tests that kill or stop it: `bun tests/support/spoke-child.ts`, with the
 * hub URL, key and spoke name in ALKHUB_TEST_WS_URL, ALKHUB_TEST_KEY and ALKHUB_TEST_SPOKE. It prints one line
 * per event on stdout: `registered`, `started <requestId>` when `slow.wait` begins, `aborted <requestId>`.
 */
import { connectSpoke } from "../../src/sdk/index.ts";
import { newHold, spokeOperations } from "./spoke-kit.ts";

const url = process.env.ALKHUB_TEST_WS_URL;
const token = process.env.ALKHUB_TEST_KEY;
const name = process.env.ALKHUB_TEST_SPOKE;
if (!url || !token || !name) {
  console.error("spoke-child: ALKHUB_TEST_WS_URL, ALKHUB_TEST_KEY and ALKHUB_TEST_SPOKE are required");
  process.exit(2);
}
const hold = newHold();
const operations = spokeOperations(hold);
const slow = operations["slow.wait"];
operations["slow.wait"] = {
  ...slow,
  handler: async (input, ctx) => {
    console.log(`started ${ctx.requestId}`);
    ctx.signal.addEventListener("abort", () => console.log(`aborted ${ctx.requestId}`));
    return slow.handler(input, ctx);
  },
};
await connectSpoke({ url, token, name, operations, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
console.log("registered");
