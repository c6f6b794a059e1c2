/**
 * `/keys` (scope admin): list, show, create (the key is in the answer, once), change (name, expiry, enabled)
 * and revoke. Revoking or disabling a key reaches every instance (Postgres NOTIFY at commit and the bus): each
 * closes that key's connections (4401), ends its MCP sessions and aborts its calls in flight. Enabling it again
 * is heard the same way.
 */
import {
  createApiKey,
  getApiKey,
  pageApiKeys,
  revocationMessage,
  revokeApiKey,
  updateApiKey,
} from "../auth/index.ts";
import { HubError } from "../protocol/index.ts";
import { auditActor, logAdminWrite } from "./audit.ts";
import type { ApiDeps } from "./deps.ts";
import {
  CreatedKeyView,
  CreateKeyBody,
  KeyIdParams,
  KeyListQuery,
  KeyView,
  keyView,
  UpdateKeyBody,
} from "./keys-views.ts";
import { page, timeIdPage } from "./list.ts";
import { type AnyRoute, defineRoute } from "./route.ts";

const TAG = "keys";

/** The keys routes. */
export function keysRoutes(deps: ApiDeps): AnyRoute[] {
  /** Acts on a cut or restoration here at once and tells the bus (retried in the background). */
  const spread = (keyId: string, notice: string) => {
    deps.revocations().apply(notice);
    void deps.revocations().broadcast(deps.bus(), keyId, deps.log(), notice);
  };
  const noSuchKey = (id: string) => new HubError("OPERATION_NOT_FOUND", `no key with id ${id}`);

  return [
    defineRoute({
      method: "GET",
      path: "/keys",
      summary: "List keys",
      description: "Newest first. Filters: account name, status.",
      tag: TAG,
      scope: "admin",
      query: KeyListQuery,
      response: page(KeyView),
      async handle({ query }) {
        const now = new Date();
        return timeIdPage(
          query,
          (limit, after) =>
            pageApiKeys(deps.store(), {
              account: query.account,
              state: query.status,
              limit,
              after: after && { position: after[0], id: after[1] },
            }),
          (row) => [row.position, row.id],
          (row) => keyView(row, now),
        );
      },
    }),
    defineRoute({
      method: "GET",
      path: "/keys/{id}",
      summary: "Show a key",
      tag: TAG,
      scope: "admin",
      params: KeyIdParams,
      response: KeyView,
      async handle({ params }) {
        const record = await getApiKey(deps.store(), params.id);
        if (!record) throw noSuchKey(params.id);
        return keyView(record);
      },
    }),
    defineRoute({
      method: "POST",
      path: "/keys",
      summary: "Create a key",
      description:
        "The answer carries the key itself (`key`) this once; the hub keeps only its hash. The account is created when missing.",
      tag: TAG,
      scope: "admin",
      body: CreateKeyBody,
      response: CreatedKeyView,
      status: 201,
      async handle({ body, actor }) {
        const expiresAt = body.expiresAt === undefined ? undefined : new Date(body.expiresAt);
        if (expiresAt && expiresAt.getTime() <= Date.now()) {
          throw new HubError("VALIDATION_ERROR", "body.expiresAt: lies in the past");
        }
        const created = await createApiKey(deps.store(), {
          account: body.account ?? "admin",
          name: body.name,
          scopes: body.scopes,
          spokeNames: body.spokeNames,
          operations: body.operations,
          expiresAt,
          actor: auditActor(actor),
        }).catch(rangeAsValidation);
        logAdminWrite(deps.log(), actor, "key.create", created.record.id, {
          account: created.record.accountName,
          scopes: created.record.scopes,
        });
        return { ...keyView(created.record), key: created.key };
      },
    }),
    defineRoute({
      method: "PATCH",
      path: "/keys/{id}",
      summary: "Change a key",
      description:
        "Name, expiry (null: never) and enabled. Disabling a key, or an expiry in the past, cuts its live sessions on every instance like a revocation; enabling it again lets it back in. A revoked key cannot be changed (400).",
      tag: TAG,
      scope: "admin",
      params: KeyIdParams,
      body: UpdateKeyBody,
      response: KeyView,
      async handle({ params, body, actor }) {
        const expiresAt =
          body.expiresAt === undefined
            ? undefined
            : body.expiresAt === null
              ? null
              : new Date(body.expiresAt);
        const updated = await updateApiKey(
          deps.store(),
          params.id,
          { name: body.name, enabled: body.enabled, expiresAt },
          auditActor(actor),
        ).catch(rangeAsValidation);
        if (updated === undefined) throw noSuchKey(params.id);
        if (updated === "revoked") {
          throw new HubError("VALIDATION_ERROR", `key ${params.id} is revoked; a revoked key cannot change`);
        }
        if (updated.notice) spread(params.id, updated.notice);
        logAdminWrite(deps.log(), actor, "key.update", params.id, { ...body, shift: updated.shift });
        return keyView(updated.record);
      },
    }),
    defineRoute({
      method: "DELETE",
      path: "/keys/{id}",
      summary: "Revoke a key",
      description:
        "Revokes the key for good and cuts its live sessions on every instance. Revoking a revoked key answers its view again.",
      tag: TAG,
      scope: "admin",
      params: KeyIdParams,
      response: KeyView,
      async handle({ params, actor }) {
        const store = deps.store();
        const revoked = await revokeApiKey(store, params.id, auditActor(actor));
        const record = await getApiKey(store, params.id);
        if (!record) throw noSuchKey(params.id);
        // This instance acts at once; Postgres NOTIFY (sent on commit) and the bus reach the others. The bus
        // publish is retried in the background: a Redis restart must not leave another instance serving the key.
        if (revoked) spread(params.id, revocationMessage(params.id));
        logAdminWrite(deps.log(), actor, "key.revoke", params.id, {
          outcome: revoked ? "ok" : "already-revoked",
        });
        return keyView(record);
      },
    }),
  ];
}

/** `createApiKey`/`updateApiKey` throw `RangeError` for input they refuse: the caller's mistake, a 400. */
function rangeAsValidation(error: unknown): never {
  if (error instanceof RangeError) throw new HubError("VALIDATION_ERROR", error.message);
  throw error;
}
