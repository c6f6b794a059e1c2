import { eq } from "drizzle-orm";
import type { PgSelect } from "drizzle-orm/pg-core";
import { accounts, clientSecrets, clients } from "../store/index.ts";

/**
 * Joins a select from `client_secrets` (made `$dynamic()`) with the client and the account that own each secret
 * — the one place the three tables meet. The caller picks the columns and adds `where`, `orderBy`, `limit`.
 */
export function withOwners<T extends PgSelect>(query: T) {
  return query
    .innerJoin(clients, eq(clientSecrets.clientId, clients.id))
    .innerJoin(accounts, eq(clients.accountId, accounts.id));
}
