import { CLOSE_CODES } from "../protocol/index.ts";
import type { SpokeSession } from "./session.ts";

/** The longest delay setTimeout accepts. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Closes a connection when its key expires (4401). One timer per connection whose key has an expiry. */
export class KeyExpiry {
  readonly #timers = new Map<SpokeSession, ReturnType<typeof setTimeout>>();

  /** Arms the timer of `session`, if its key expires. */
  watch(session: SpokeSession): void {
    if (session.identity.expiresAt) this.#arm(session);
  }

  /** The connection closed: its timer goes. */
  forget(session: SpokeSession): void {
    clearTimeout(this.#timers.get(session));
    this.#timers.delete(session);
  }

  #arm(session: SpokeSession): void {
    const expiresAt = session.identity.expiresAt?.getTime() ?? 0;
    // setTimeout holds at most ~24.8 days; a key that lives longer is re-checked when the timer fires.
    const delay = Math.min(Math.max(0, expiresAt - Date.now()), MAX_TIMER_MS);
    this.#timers.set(
      session,
      setTimeout(() => {
        if (expiresAt > Date.now()) this.#arm(session);
        else {
          this.#timers.delete(session);
          session.close(CLOSE_CODES.KEY_REVOKED, "API key expired");
        }
      }, delay),
    );
  }
}
