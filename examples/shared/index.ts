/** Helpers shared by the example spokes: argument parsing, the key file, the process loop, a test context. */
export {
  EXIT_UNAVAILABLE,
  EXIT_USAGE,
  ExampleUsageError,
  type ExtraOption,
  parsePositiveIntegerOption,
  parseSpokeArgs,
  type SpokeArgs,
} from "./cli.ts";
export { type FakeCallContext, fakeCallContext } from "./fake-context.ts";
export { type KeyFileResult, readKeyFile } from "./key-file.ts";
export { describeStatus, type RunSpokeOptions, runSpoke } from "./run.ts";
