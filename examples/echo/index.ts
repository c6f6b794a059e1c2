/** The echo example spoke: its operations (run it with `bun examples/echo/main.ts`). */
export { abortableDelay, abortError } from "./abortable.ts";
export {
  addOperation,
  countOperation,
  DEFAULT_FAIL_CODE,
  echoOperation,
  echoOperations,
  failOperation,
  MAX_COUNT,
  MAX_COUNT_DELAY_MS,
  MAX_SLEEP_MS,
  SLEEP_PROGRESS_INTERVAL_MS,
  sleepOperation,
} from "./operations.ts";
