import { createApiKey } from "../auth/index.ts";
import type { Store } from "../store/index.ts";
import type { CommandIo } from "./command.ts";

/** Name of the account that `init` creates for the operator. */
export const FIRST_ACCOUNT_NAME = "admin";

/**
 * Mints the first admin key of a new hub and prints it once: it is stored only as a hash, so this is the only
 * time anyone sees it.
 */
export async function printFirstAdminKey(store: Store, io: CommandIo): Promise<void> {
  const { key, record } = await createApiKey(store, {
    account: FIRST_ACCOUNT_NAME,
    name: "first admin key",
    scopes: ["admin"],
  });
  io.out(
    [
      "",
      `First admin API key (id ${record.id}) — shown only this once, store it now:`,
      "",
      `  ${key}`,
      "",
      "Use it as 'Authorization: Bearer <key>' on /mcp, /ws and /api/v1, and create narrower keys with",
      "'alkhub keys create' (it reaches a running hub through its admin socket).",
      "",
    ].join("\n"),
  );
}
