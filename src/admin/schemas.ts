/** Schema pieces the API routes share, and the mapping of local input errors to the caller's 400. */
import { type TSchema, Type } from "@sinclair/typebox";
import { HubError } from "../protocol/index.ts";
import { SecretInputError } from "../secrets/index.ts";

/** An ISO 8601 instant. */
export const Timestamp = (description?: string) => Type.String({ format: "date-time", description });

/** `schema` or null. */
export const Nullable = <T extends TSchema>(schema: T, description?: string) =>
  Type.Union([schema, Type.Null()], { description });

/** A row id (UUID text). */
export const RowId = (description: string) => Type.String({ minLength: 1, maxLength: 64, description });

/**
 * Rethrows a `SecretInputError` (the secrets and accounts functions' refusal of a name or value, whose message
 * starts `<field>: `) as the caller's `VALIDATION_ERROR` naming where the field was in the request:
 * `paths[field]` (`{ client: "params.client", value: "body.value" }`), `body.<field>` by default.
 */
export function inputErrorAsValidation(paths: Record<string, string>) {
  return (error: unknown): never => {
    if (error instanceof SecretInputError) {
      const path = paths[error.field] ?? `body.${error.field}`;
      const rest = error.message.startsWith(`${error.field}: `)
        ? error.message.slice(error.field.length + 2)
        : error.message;
      throw new HubError("VALIDATION_ERROR", `${path}: ${rest}`);
    }
    throw error;
  };
}
