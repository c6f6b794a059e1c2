/** The API's view of a key (never its hash) and the schemas of the keys routes. */
import { Type } from "@sinclair/typebox";
import { type ApiKeyRecord, apiKeyState, SCOPES } from "../auth/index.ts";
import { listQuery, strictObject } from "./list.ts";
import { Nullable, Timestamp } from "./schemas.ts";

/** One scope name. */
export const ScopeSchema = Type.Union(
  SCOPES.map((scope) => Type.Literal(scope)),
  { description: "admin implies all others" },
);

/** What a key may be used for now: revoked wins over disabled, which wins over expired. */
export const KeyStatus = Type.Union([
  Type.Literal("active"),
  Type.Literal("disabled"),
  Type.Literal("expired"),
  Type.Literal("revoked"),
]);

/** A key as operators see it. */
export const KeyView = Type.Object(
  {
    id: Type.String({ description: "The public 12-character key id." }),
    account: Type.String({ description: "Account name." }),
    name: Type.String(),
    scopes: Type.Array(ScopeSchema),
    spokeNames: Type.Array(Type.String(), { description: "Globs of spoke names the key may register." }),
    operations: Type.Array(Type.String(), { description: "Globs of operations the key may call." }),
    status: KeyStatus,
    enabled: Type.Boolean(),
    createdAt: Timestamp("When the key was made."),
    expiresAt: Nullable(Timestamp("When the key stops working; null: never.")),
    lastUsedAt: Nullable(Timestamp("Last successful use (to within a minute).")),
    revokedAt: Nullable(Timestamp("When the key was revoked.")),
  },
  { $id: "KeyView" },
);

/** The answer to `POST /keys`: the view plus the key itself, shown this once. */
export const CreatedKeyView = Type.Composite([
  Type.Omit(KeyView, []),
  Type.Object({
    key: Type.String({ description: "The key (alk_<id>_<secret>); shown only in this answer." }),
  }),
]);

export const KeyIdParams = strictObject({
  id: Type.String({ pattern: "^[A-Za-z0-9]{12}$", description: "Key id." }),
});

export const KeyListQuery = listQuery({
  account: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Account name." })),
  status: Type.Optional(KeyStatus),
});

const Glob = Type.String({ minLength: 1, maxLength: 200, pattern: "^[\\w.*?-]+$" });

export const CreateKeyBody = strictObject({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  scopes: Type.Array(ScopeSchema, { minItems: 1, maxItems: SCOPES.length }),
  account: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Default: admin." })),
  spokeNames: Type.Optional(Type.Array(Glob, { maxItems: 100 })),
  operations: Type.Optional(Type.Array(Glob, { maxItems: 100 })),
  expiresAt: Type.Optional(Type.String({ format: "date-time", description: "ISO 8601; in the future." })),
});

export const UpdateKeyBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    enabled: Type.Optional(Type.Boolean({ description: "false cuts the key's live sessions at once." })),
    expiresAt: Type.Optional(
      Type.Union([Type.String({ format: "date-time" }), Type.Null()], {
        description: "null: never expires.",
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1, description: "At least one of name, enabled, expiresAt." },
);

/** `record` as the API shows it, its status at `now`. */
export function keyView(record: ApiKeyRecord, now = new Date()) {
  return {
    id: record.id,
    account: record.accountName,
    name: record.name,
    scopes: record.scopes,
    spokeNames: record.spokeNames,
    operations: record.operations,
    status: apiKeyState(record, now),
    enabled: record.enabled,
    createdAt: record.createdAt.toISOString(),
    expiresAt: record.expiresAt?.toISOString() ?? null,
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
    revokedAt: record.revokedAt?.toISOString() ?? null,
  };
}
