import { Type } from "@sinclair/typebox";
import { Elysia } from "elysia";
import {
  createApiKey,
  hasScope,
  listApiKeys,
  type Revocations,
  revokeApiKey,
  SCOPES,
} from "../auth/index.ts";
import type { Bus } from "../bus/index.ts";
import type { Logger } from "../log/index.ts";
import { compileChecker, HubError } from "../protocol/index.ts";
import type { Store } from "../store/index.ts";
import { errorResponse, jsonResponse } from "./json-response.ts";
import { actorOf, type RequestAuthenticator, readJsonBody } from "./request-auth.ts";

/** What the admin routes need, resolved per request. */
export interface AdminRouteDeps {
  store: () => Store;
  bus: () => Bus;
  auth: RequestAuthenticator;
  revocations: () => Revocations;
  log: () => Logger;
}

const CreateKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    scopes: Type.Array(Type.Union(SCOPES.map((scope) => Type.Literal(scope))), { minItems: 1 }),
    account: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    spokeNames: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    operations: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** ISO 8601 date-time. */
    expiresAt: Type.Optional(Type.String({ format: "date-time" })),
  },
  { additionalProperties: false },
);

/**
 * `/api/v1/keys` (admin scope): list, create (the key is in the answer, once) and revoke keys. A revocation
 * reaches every instance (Postgres NOTIFY and the bus): each closes that key's connections (4401), ends its MCP
 * sessions and aborts its calls in flight.
 */
export function adminRoutes(deps: AdminRouteDeps) {
  const checkCreate = compileChecker(CreateKeyBody);
  return new Elysia({ name: "admin-routes", prefix: "/api/v1/keys" })
    .resolve(async ({ request }) => {
      const auth = await deps.auth.authenticate(request);
      if (auth.ok && !hasScope(auth.identity, "admin")) {
        return {
          denied: errorResponse(new HubError("ACCESS_DENIED", "managing keys needs a key with scope admin")),
        };
      }
      return {
        denied: auth.ok ? undefined : auth.response,
        actor: auth.ok ? actorOf(auth).keyId : undefined,
        address: deps.auth.address(request),
      };
    })
    .get("/", async ({ denied }) => denied ?? jsonResponse({ keys: await listApiKeys(deps.store()) }))
    .post(
      "/",
      async ({ denied, request, actor, address }) => {
        if (denied) return denied;
        const body = await readJsonBody(request, { maxBytes: 64 * 1024, maxDepth: 16 });
        if (body instanceof HubError) return errorResponse(body);
        const problem = checkCreate.explain(body, "body");
        if (problem !== undefined) return errorResponse(new HubError("VALIDATION_ERROR", problem));
        const input = body as typeof CreateKeyBody.static;
        const created = await createApiKey(deps.store(), {
          account: input.account ?? "admin",
          name: input.name,
          scopes: input.scopes,
          spokeNames: input.spokeNames,
          operations: input.operations,
          expiresAt: input.expiresAt === undefined ? undefined : new Date(input.expiresAt),
          actor: { keyId: actor, address },
        }).catch((error: unknown) => {
          // createApiKey's own input checks (blank names and globs) are the caller's mistake, not ours.
          if (error instanceof RangeError) return new HubError("VALIDATION_ERROR", error.message);
          throw error;
        });
        if (created instanceof HubError) return errorResponse(created);
        return jsonResponse(created, 201);
      },
      { parse: "none" },
    )
    .delete("/:id", async ({ denied, params, actor, address }) => {
      if (denied) return denied;
      if (!(await revokeApiKey(deps.store(), params.id, { keyId: actor, address }))) {
        return errorResponse(new HubError("OPERATION_NOT_FOUND", `no active key with id ${params.id}`));
      }
      // This instance acts at once; Postgres NOTIFY (sent on commit) and the bus reach the others. The bus
      // publish is retried in the background: a Redis restart must not leave another instance serving the key.
      deps.revocations().revoked(params.id);
      void deps.revocations().broadcast(deps.bus(), params.id, deps.log());
      return jsonResponse({ revoked: params.id });
    });
}
