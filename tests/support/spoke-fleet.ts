/**
 * Many SDK spokes in one process, for the storm suites: `bun tests/support/spoke-fleet.ts` with the hub URL and
 * key in ALKHUB_TEST_WS_URL and ALKHUB_TEST_KEY, a name prefix in ALKHUB_TEST_SPOKE and the fleet's size in
 * ALKHUB_TEST_FLEET_SIZE. Each spoke `<prefix>-<i>` serves `echo.ping` and reconnects with the SDK's default
 * (jittered) backoff, as a real fleet would. It prints one line per event on stdout: `registered <name>` on
 * every registration (the first and each after a reconnect), `refused <name> <code>` when the hub refused a
 * registration attempt, and `fleet <size>` once every spoke has registered the first time.
 */
import { Type } from "@sinclair/typebox";
import { connectSpoke, HubError } from "../../src/sdk/index.ts";

const url = process.env.ALKHUB_TEST_WS_URL;
const token = process.env.ALKHUB_TEST_KEY;
const prefix = process.env.ALKHUB_TEST_SPOKE;
const size = Number(process.env.ALKHUB_TEST_FLEET_SIZE ?? 0);
if (!url || !token || !prefix || !(size > 0)) {
  console.error(
    "spoke-fleet: ALKHUB_TEST_WS_URL, ALKHUB_TEST_KEY, ALKHUB_TEST_SPOKE, ALKHUB_TEST_FLEET_SIZE needed",
  );
  process.exit(2);
}
/** How many spokes connect at once the first time (a fleet that starts, not one that reconnects). */
const START_CONCURRENCY = 50;

const operations = {
  "echo.ping": {
    type: "query" as const,
    description: "Answers { pong: n }",
    input: Type.Object({ n: Type.Integer() }),
    handler: async ({ n }: { n: number }) => ({ pong: n }),
  },
};

async function start(name: string): Promise<void> {
  const spoke = await connectSpoke({ url: url!, token: token!, name, operations });
  console.log(`registered ${name}`);
  spoke.onStatus((status) => {
    if (status.type === "registered") console.log(`registered ${name}`);
    if (status.type === "error" && status.error instanceof HubError) {
      console.log(`refused ${name} ${status.error.code}`);
    }
  });
}

const names = Array.from({ length: size }, (_, i) => `${prefix}-${i}`);
for (let i = 0; i < names.length; i += START_CONCURRENCY) {
  await Promise.all(names.slice(i, i + START_CONCURRENCY).map(start));
}
console.log(`fleet ${size}`);
