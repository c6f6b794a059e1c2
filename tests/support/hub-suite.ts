/**
 * The preamble every /ws suite repeated: a test hub started before the suite, the clients and SDK spokes its
 * tests connect collected as they connect, and all of it closed (spokes, clients, hub) after the suite.
 * Call `useHubSuite()` at the top of a `describe`; its hooks run before the suite's own.
 */
import { afterAll, beforeAll } from "bun:test";
import type { Hub } from "../../src/hub.ts";
import type { SpokeOptions } from "../../src/sdk/index.ts";
import type { HubFilesOptions } from "./hub-files.ts";
import { connectTestSpoke, type TestSpoke } from "./spoke-kit.ts";
import { startTestHub, type TestHub } from "./test-hub.ts";
import { WsTestClient, wsUrl } from "./ws-client.ts";

export interface HubSuite {
  /** The running test hub (set before the suite's own `beforeAll`). */
  readonly testHub: TestHub;
  readonly hub: Hub;
  /** The hub's `/ws` URL. */
  readonly url: string;
  /** Opens a raw /ws client with `token`; closed after the suite. */
  connect(token: string): Promise<WsTestClient>;
  /** Connects an SDK spoke with the test operations; closed after the suite. */
  spoke(token: string, name: string, overrides?: Partial<SpokeOptions>): Promise<TestSpoke>;
  /** Closes `spoke` with the others after the suite. */
  adopt(spoke: TestSpoke): TestSpoke;
}

export function useHubSuite(options: HubFilesOptions = {}): HubSuite {
  let testHub: TestHub | undefined;
  const clients: WsTestClient[] = [];
  const spokes: TestSpoke[] = [];
  const started = (): TestHub => {
    if (!testHub) throw new Error("useHubSuite: the hub is not started (used outside the suite's tests?)");
    return testHub;
  };
  const suite: HubSuite = {
    get testHub() {
      return started();
    },
    get hub() {
      return started().hub;
    },
    get url() {
      return wsUrl(started().url);
    },
    async connect(token) {
      const client = await WsTestClient.connect(suite.url, { token });
      clients.push(client);
      return client;
    },
    async spoke(token, name, overrides) {
      return suite.adopt(await connectTestSpoke(suite.url, token, name, overrides));
    },
    adopt(spoke) {
      spokes.push(spoke);
      return spoke;
    },
  };
  beforeAll(async () => {
    testHub = await startTestHub(options);
  }, 60_000);
  afterAll(async () => {
    for (const spoke of spokes) await spoke.spoke.close();
    for (const client of clients) client.close();
    await testHub?.stop();
  });
  return suite;
}
