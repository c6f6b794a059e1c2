/** An in-process hub for integration tests, on a real port, in the current test mode. */
import { type Hub, startHub } from "../../src/hub.ts";
import { type HubFiles, type HubFilesOptions, writeHubFiles } from "./hub-files.ts";

export interface TestHub {
  hub: Hub;
  url: string;
  files: HubFiles;
  /** Log lines the hub wrote (JSON strings). */
  logs: string[];
  /** Stops the hub and removes its files and database. */
  stop(): Promise<void>;
}

export async function startTestHub(options: HubFilesOptions & { files?: HubFiles } = {}): Promise<TestHub> {
  const files = options.files ?? (await writeHubFiles(options));
  const logs: string[] = [];
  const hub = await startHub({
    configPath: files.configPath,
    masterKeyPath: files.keyPath,
    logSink: (line) => logs.push(line),
  });
  return {
    hub,
    url: hub.url,
    files,
    logs,
    async stop() {
      await hub.stop();
      if (!options.files) await files.cleanup();
    },
  };
}
