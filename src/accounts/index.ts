/** Accounts (tenants): listing, lookup and creation for operators. */
export { type AccountRecord, createAccount, getAccount, pageAccounts } from "./accounts.ts";
