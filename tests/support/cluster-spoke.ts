/**
 * A spoke in a process of its own for the cluster suites: `bun tests/support/cluster-spoke.ts`, with the hub (or
 * balancer) URL, key and spoke name in ALKHUB_TEST_WS_URL, ALKHUB_TEST_KEY and ALKHUB_TEST_SPOKE. It serves
 * `sleep.ms` ({ ms, n } → { n } after ms milliseconds) and prints one line per event on stdout:
 * `registered <count>` on each registration, `draining` when the hub drains, `started <count>` when a call
 * begins and `served <count>` after it answered.
 */
import { Type } from "@sinclair/typebox";
import { connectSpoke } from "../../src/sdk/index.ts";

const url = process.env.ALKHUB_TEST_WS_URL;
const token = process.env.ALKHUB_TEST_KEY;
const name = process.env.ALKHUB_TEST_SPOKE;
if (!url || !token || !name) {
  console.error("cluster-spoke: ALKHUB_TEST_WS_URL, ALKHUB_TEST_KEY and ALKHUB_TEST_SPOKE are required");
  process.exit(2);
}
let registrations = 0;
let started = 0;
let served = 0;
const spoke = await connectSpoke({
  url,
  token,
  name,
  reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
  operations: {
    "sleep.ms": {
      type: "mutation",
      description: "Answers { n } after ms milliseconds",
      input: Type.Object({ ms: Type.Integer({ minimum: 0 }), n: Type.Integer() }),
      handler: async ({ ms, n }: { ms: number; n: number }) => {
        console.log(`started ${++started}`);
        await Bun.sleep(ms);
        console.log(`served ${++served}`);
        return { n };
      },
    },
  },
});
console.log(`registered ${++registrations}`);
spoke.onStatus((status) => {
  if (status.type === "registered") console.log(`registered ${++registrations}`);
  if (status.type === "draining") console.log("draining");
});
