/** `/accounts` (scope admin): list, show (by id or name) and create accounts. */
import { Type } from "@sinclair/typebox";
import { type AccountRecord, createAccount, getAccount, pageAccounts } from "../accounts/index.ts";
import { HubError } from "../protocol/index.ts";
import { MAX_ACCOUNT_NAME_LENGTH } from "../secrets/index.ts";
import { auditActor, logAdminWrite } from "./audit.ts";
import type { ApiDeps } from "./deps.ts";
import { listQuery, page, strictObject, timeIdPage } from "./list.ts";
import { type AnyRoute, defineRoute } from "./route.ts";
import { inputErrorAsValidation, RowId, Timestamp } from "./schemas.ts";

const TAG = "accounts";

/** An account as the API shows it. */
export const AccountView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    createdAt: Timestamp(),
    keys: Type.Integer({ description: "Keys of the account that are not revoked." }),
  },
  { $id: "AccountView" },
);

const AccountParams = strictObject({ id: RowId("Account id, or its name.") });

const CreateAccountBody = strictObject({
  name: Type.String({
    minLength: 1,
    maxLength: MAX_ACCOUNT_NAME_LENGTH,
    description: "No control characters.",
  }),
});

function accountView(record: AccountRecord) {
  return { id: record.id, name: record.name, createdAt: record.createdAt.toISOString(), keys: record.keys };
}

/** The accounts routes. */
export function accountsRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "GET",
      path: "/accounts",
      summary: "List accounts",
      description: "Newest first.",
      tag: TAG,
      scope: "admin",
      query: listQuery({}),
      response: page(AccountView),
      async handle({ query }) {
        return timeIdPage(
          query,
          (limit, after) =>
            pageAccounts(deps.store(), {
              limit,
              after: after && { position: after[0], id: after[1] },
            }),
          (row) => [row.position, row.id],
          accountView,
        );
      },
    }),
    defineRoute({
      method: "GET",
      path: "/accounts/{id}",
      summary: "Show an account",
      description: "By id, or by name when no account has that id.",
      tag: TAG,
      scope: "admin",
      params: AccountParams,
      response: AccountView,
      async handle({ params }) {
        const record = await getAccount(deps.store(), params.id);
        if (!record) throw new HubError("OPERATION_NOT_FOUND", `no account with id or name ${params.id}`);
        return accountView(record);
      },
    }),
    defineRoute({
      method: "POST",
      path: "/accounts",
      summary: "Create an account",
      description: "409 NAME_TAKEN when an account of that name exists.",
      tag: TAG,
      scope: "admin",
      body: CreateAccountBody,
      response: AccountView,
      status: 201,
      async handle({ body, actor }) {
        const created = await createAccount(deps.store(), body.name, auditActor(actor)).catch(
          inputErrorAsValidation({ account: "body.name" }),
        );
        if (created === "exists") throw new HubError("NAME_TAKEN", `an account named ${body.name} exists`);
        logAdminWrite(deps.log(), actor, "account.create", created.id, { name: created.name });
        return accountView(created);
      },
    }),
  ];
}
