/**
 * `/clients` (scope admin): the services an account's secrets are for. List (by account), create (the account
 * too, when missing) and delete (with its secrets).
 */
import { Type } from "@sinclair/typebox";
import { HubError } from "../protocol/index.ts";
import {
  type ClientRecord,
  createClient,
  deleteClient,
  MAX_ACCOUNT_NAME_LENGTH,
  MAX_CLIENT_DESCRIPTION_LENGTH,
  NAME_PATTERN,
  pageClients,
} from "../secrets/index.ts";
import { auditActor, logAdminWrite } from "./audit.ts";
import type { ApiDeps } from "./deps.ts";
import { listQuery, page, strictObject, timeIdPage } from "./list.ts";
import { type AnyRoute, defineRoute } from "./route.ts";
import { inputErrorAsValidation, Nullable, RowId, Timestamp } from "./schemas.ts";

const TAG = "clients";

/** An account name in a query, params or body. */
export const AccountName = (description = "Account name.") =>
  Type.String({ minLength: 1, maxLength: MAX_ACCOUNT_NAME_LENGTH, description });

/** A client or secret name. */
export const SecretName = (description: string) =>
  Type.String({ minLength: 1, maxLength: 128, pattern: NAME_PATTERN.source, description });

/** A client as the API shows it. */
export const ClientView = Type.Object(
  {
    id: Type.String(),
    account: Type.String({ description: "Account name." }),
    name: Type.String(),
    description: Nullable(Type.String()),
    createdAt: Timestamp(),
    secrets: Type.Integer({ description: "Secrets the client holds." }),
  },
  { $id: "ClientView" },
);

const CreateClientBody = strictObject({
  account: AccountName("Account name; created when missing."),
  name: SecretName("Client name: letters, digits, '.', '_', '-'."),
  description: Type.Optional(Type.String({ maxLength: MAX_CLIENT_DESCRIPTION_LENGTH })),
});

function clientView(record: ClientRecord) {
  return {
    id: record.id,
    account: record.account,
    name: record.name,
    description: record.description,
    createdAt: record.createdAt.toISOString(),
    secrets: record.secrets,
  };
}

/** The clients routes. */
export function clientsRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "GET",
      path: "/clients",
      summary: "List clients",
      description: "Newest first; optionally of one account.",
      tag: TAG,
      scope: "admin",
      query: listQuery({ account: Type.Optional(AccountName()) }),
      response: page(ClientView),
      async handle({ query }) {
        return timeIdPage(
          query,
          (limit, after) =>
            pageClients(deps.store(), {
              account: query.account,
              limit,
              after: after && { position: after[0], id: after[1] },
            }),
          (row) => [row.position, row.id],
          clientView,
        );
      },
    }),
    defineRoute({
      method: "POST",
      path: "/clients",
      summary: "Create a client",
      description:
        "The account is created when missing. 409 NAME_TAKEN when the account has a client of that name.",
      tag: TAG,
      scope: "admin",
      body: CreateClientBody,
      response: ClientView,
      status: 201,
      async handle({ body, actor }) {
        const created = await createClient(deps.store(), { ...body, actor: auditActor(actor) }).catch(
          inputErrorAsValidation({ account: "body.account", client: "body.name" }),
        );
        if (created === "exists") {
          throw new HubError("NAME_TAKEN", `account ${body.account} has a client named ${body.name}`);
        }
        logAdminWrite(deps.log(), actor, "client.create", created.id, {
          account: created.account,
          name: created.name,
        });
        return clientView(created);
      },
    }),
    defineRoute({
      method: "DELETE",
      path: "/clients/{id}",
      summary: "Delete a client and its secrets",
      description: "Answers the client as it was.",
      tag: TAG,
      scope: "admin",
      params: strictObject({ id: RowId("Client id.") }),
      response: ClientView,
      async handle({ params, actor }) {
        const deleted = await deleteClient(deps.store(), params.id, auditActor(actor));
        if (!deleted) throw new HubError("OPERATION_NOT_FOUND", `no client with id ${params.id}`);
        logAdminWrite(deps.log(), actor, "client.delete", params.id, {
          account: deleted.account,
          name: deleted.name,
          secrets: deleted.secrets,
        });
        return clientView(deleted);
      },
    }),
  ];
}
