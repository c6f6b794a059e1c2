import { withDeadline } from "../deadline.ts";
import type { Logger } from "../log/index.ts";
import { settleInSlices } from "../loop-slices.ts";
import { type Database, isStoreUnavailable, storeErrorReason } from "../store/index.ts";
import { type SpokeRow, saveRegistration, saveRegistrations } from "./persistence.ts";
import type { SpokeRegistration } from "./types.ts";

/** Most registrations written in one transaction. */
const MAX_BATCH = 200;
/**
 * Registrations of a written batch answered before the event loop gets a turn: each answer runs its spoke's
 * catalog update, change event and reply (a fraction of a millisecond), and a whole batch at once held the loop
 * long enough to delay `/health` past 100 ms during a reconnect storm.
 */
const ANSWER_SLICE = 16;
/**
 * How long one registration write may take before its registrations fail with `UnavailableError` (a
 * blackholed database must not hold every later registration behind it), in milliseconds.
 */
export const REGISTRATION_WRITE_TIMEOUT_MS = 5000;

interface Pending {
  reg: SpokeRegistration;
  keepOperations: boolean;
  resolve: (row: SpokeRow) => void;
  reject: (error: unknown) => void;
}

/**
 * Writes spoke registrations that arrive together (thousands of spokes reconnecting after a restart) in shared
 * transactions (group commit: whatever queued up while the previous write ran goes in the next one), each one
`saveRegistrations`: one multi-row upsert of the spoke rows, one delete and one insert of their operation sets.
 * A batch that fails is retried one registration at a time, so one bad registration fails only itself — unless
 * the database is unreachable (or silent past `REGISTRATION_WRITE_TIMEOUT_MS`): then the whole batch fails at
 * once with that error.
 * Registrations of one name never share a batch: the catalog serialises each name.
 */
export class RegistrationWriter {
  readonly #db: Database;
  readonly #log: Logger;
  #pending: Pending[] = [];
  #flushing = false;

  constructor(db: Database, log: Logger) {
    this.#db = db;
    this.#log = log;
  }

  save(reg: SpokeRegistration, keepOperations: boolean): Promise<SpokeRow> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ reg, keepOperations, resolve, reject });
      // Group commit: the first registration is written at once; those arriving while a write is under way
      // share the next transaction.
      if (!this.#flushing) {
        this.#flushing = true;
        void this.#flush();
      }
    });
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, MAX_BATCH);
      try {
        const rows = await this.#saveBatch(batch);
        await settleInSlices(batch, ANSWER_SLICE, (item, i) => item.resolve(rows[i]!));
      } catch (error) {
        if (isStoreUnavailable(error)) {
          await settleInSlices(batch, ANSWER_SLICE, (item) => item.reject(error));
          continue;
        }
        this.#log.debug("batched registration write failed; writing one by one", {
          error: storeErrorReason(error),
        });
        for (const item of batch) {
          await withDeadline(
            saveRegistration(this.#db, item.reg, new Date(), { keepOperations: item.keepOperations }),
            REGISTRATION_WRITE_TIMEOUT_MS,
            "the registration write",
          ).then(item.resolve, item.reject);
        }
      }
    }
    this.#flushing = false;
  }

  #saveBatch(batch: Pending[]): Promise<SpokeRow[]> {
    return withDeadline(
      saveRegistrations(this.#db, batch, new Date()),
      REGISTRATION_WRITE_TIMEOUT_MS,
      "the registration write",
    );
  }
}
