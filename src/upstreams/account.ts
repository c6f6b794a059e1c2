import { eq } from "drizzle-orm";
import { accounts, type Store } from "../store/index.ts";

/** The id of the account named `name`, created when missing (an upstream's spoke row needs its owner). */
export async function ensureAccountId(store: Pick<Store, "db">, name: string): Promise<string> {
  await store.db.insert(accounts).values({ name }).onConflictDoNothing({ target: accounts.name });
  const [account] = await store.db.select({ id: accounts.id }).from(accounts).where(eq(accounts.name, name));
  if (!account) throw new Error(`account ${name} vanished while it was created`);
  return account.id;
}
