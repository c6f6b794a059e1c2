/**
 * `/secrets` (scope admin): client secrets by address (account, client, name) — list, set, delete, and rotate
 * every secret onto the current data key. The same functions as `alkhub secrets`; no answer, log line or audit
 * row ever carries a value.
 */
import { Type } from "@sinclair/typebox";
import type { KeyRing } from "../crypto/index.ts";
import { HubError } from "../protocol/index.ts";
import {
  type ClientSecretInfo,
  DEFAULT_ROTATE_BATCH_SIZE,
  deleteClientSecret,
  listClientSecrets,
  MAX_ROTATE_BATCH_SIZE,
  MAX_SECRET_VALUE_BYTES,
  rotateClientSecrets,
  setClientSecret,
} from "../secrets/index.ts";
import { auditActor, logAdminWrite } from "./audit.ts";
import { AccountName, SecretName } from "./clients-routes.ts";
import { decodeCursor } from "./cursor.ts";
import type { ApiDeps } from "./deps.ts";
import { DEFAULT_PAGE_LIMIT, listQuery, page, strictObject, toPage } from "./list.ts";
import { type AnyRoute, defineRoute } from "./route.ts";
import { inputErrorAsValidation, Nullable, Timestamp } from "./schemas.ts";

const TAG = "secrets";

/** A secret as the API shows it: where it is and which data key seals it. Never the value. */
export const SecretView = Type.Object(
  {
    account: Type.String(),
    client: Type.String(),
    name: Type.String(),
    version: Type.Integer({ description: "Data key version that seals it." }),
    createdAt: Timestamp(),
    updatedAt: Timestamp("When the value was last set (rotation keeps it)."),
    lastUsedAt: Nullable(Timestamp("When an upstream dial last opened it (to within a minute).")),
  },
  { $id: "SecretView" },
);

const SecretParams = strictObject({
  account: AccountName(),
  client: SecretName("Client name."),
  name: SecretName("Secret name."),
});

const SetSecretBody = strictObject({
  value: Type.String({
    minLength: 1,
    description: `The secret (at most ${MAX_SECRET_VALUE_BYTES} bytes of UTF-8); sealed at once, never shown again.`,
  }),
});

const RotateBody = strictObject({
  batchSize: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_ROTATE_BATCH_SIZE,
      description: `Rows read per batch (default ${DEFAULT_ROTATE_BATCH_SIZE}).`,
    }),
  ),
});

const Leftover = Type.Object({
  account: Type.String(),
  client: Type.String(),
  name: Type.String(),
  keyVersion: Type.Integer(),
});

const RotateResult = Type.Object({
  rotated: Type.Integer({ description: "Re-sealed with the current key by this run." }),
  skipped: Type.Integer({ description: "Changed by someone else meanwhile (a rerun picks them up)." }),
  alreadyCurrent: Type.Integer(),
  missingKey: Type.Array(Leftover, { description: "On a data key absent from encryptionKeys: untouched." }),
  unreadable: Type.Array(Leftover, { description: "Did not open (altered or moved): untouched." }),
});

const SECRET_FIELDS = {
  account: "params.account",
  client: "params.client",
  name: "params.name",
  value: "body.value",
};

function secretView(info: ClientSecretInfo) {
  return {
    account: info.account,
    client: info.client,
    name: info.name,
    version: info.keyVersion,
    createdAt: info.createdAt.toISOString(),
    updatedAt: info.updatedAt.toISOString(),
    lastUsedAt: info.lastUsedAt?.toISOString() ?? null,
  };
}

/** The secrets routes. */
export function secretsRoutes(deps: ApiDeps): AnyRoute[] {
  const ring = (): KeyRing => {
    const keyRing = deps.keyRing();
    if (!keyRing) {
      throw new HubError("UNAVAILABLE", 'client secrets are disabled: the config has no "encryptionKeys"');
    }
    return keyRing;
  };
  const find = async (address: { account: string; client: string; name: string }) => {
    const rows = await listClientSecrets(deps.store(), { account: address.account, client: address.client });
    return rows.find((row) => row.name === address.name);
  };

  return [
    defineRoute({
      method: "GET",
      path: "/secrets",
      summary: "List client secrets",
      description: "Ordered by account, client and name (not newest first). Never a value.",
      tag: TAG,
      scope: "admin",
      query: listQuery({
        account: Type.Optional(AccountName()),
        client: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: "Client name." })),
      }),
      response: page(SecretView),
      async handle({ query }) {
        const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
        const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, 3);
        const rows = await listClientSecrets(
          deps.store(),
          { account: query.account, client: query.client },
          { limit: limit + 1, after: cursor as [string, string, string] | undefined },
        );
        return toPage(rows, limit, (row) => [row.account, row.client, row.name], secretView);
      },
    }),
    defineRoute({
      method: "PUT",
      path: "/secrets/{account}/{client}/{name}",
      summary: "Set a client secret",
      description:
        "Creates or replaces the secret; the account and client are created when missing. The answer never carries the value.",
      tag: TAG,
      scope: "admin",
      params: SecretParams,
      body: SetSecretBody,
      response: SecretView,
      async handle({ params, body, actor }) {
        const stored = await setClientSecret(deps.store(), ring(), {
          ...params,
          value: body.value,
          actor: auditActor(actor),
        }).catch(inputErrorAsValidation(SECRET_FIELDS));
        logAdminWrite(deps.log(), actor, "secret.set", `${params.client}/${params.name}`, {
          account: params.account,
          keyVersion: stored.keyVersion,
          created: stored.created,
        });
        return secretView(stored);
      },
    }),
    defineRoute({
      method: "DELETE",
      path: "/secrets/{account}/{client}/{name}",
      summary: "Delete a client secret",
      description: "The client and account stay. Answers the secret as it was.",
      tag: TAG,
      scope: "admin",
      params: SecretParams,
      response: SecretView,
      async handle({ params, actor }) {
        const before = await find(params);
        const deleted = await deleteClientSecret(deps.store(), { ...params, actor: auditActor(actor) }).catch(
          inputErrorAsValidation(SECRET_FIELDS),
        );
        if (!deleted || !before) {
          throw new HubError(
            "OPERATION_NOT_FOUND",
            `no secret ${params.name} of client ${params.client} in account ${params.account}`,
          );
        }
        logAdminWrite(deps.log(), actor, "secret.delete", `${params.client}/${params.name}`, {
          account: params.account,
        });
        return secretView(before);
      },
    }),
    defineRoute({
      method: "POST",
      path: "/secrets/rotate",
      summary: "Rotate client secrets onto the current data key",
      description:
        "Re-seals every secret on an older data key, row by row; safe to repeat. Secrets on a key missing from encryptionKeys are listed and left.",
      tag: TAG,
      scope: "admin",
      body: RotateBody,
      response: RotateResult,
      async handle({ body, actor }) {
        const result = await rotateClientSecrets(deps.store(), ring(), {
          batchSize: body.batchSize,
          log: deps.log(),
          actor: auditActor(actor),
        });
        logAdminWrite(deps.log(), actor, "secret.rotate", "*", {
          rotated: result.rotated,
          skipped: result.skipped,
          missingKey: result.missingKey.length,
          unreadable: result.unreadable.length,
        });
        return result;
      },
    }),
  ];
}
