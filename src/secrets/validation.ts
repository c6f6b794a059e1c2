import { EXIT_CODES, LocalError } from "../errors.ts";

/** Client and secret names: a letter or digit, then up to 127 letters, digits, `.`, `_` or `-`. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Largest secret value accepted, in bytes of UTF-8 (credentials, not files). */
export const MAX_SECRET_VALUE_BYTES = 65_536;

/** Largest account name accepted, in characters. */
export const MAX_ACCOUNT_NAME_LENGTH = 128;

/**
 * Input to a secrets function was invalid: `field` names which (`account`, `client`, `name`, `value`,
 * `batchSize`). Maps to exit code 64. The message never quotes a secret value.
 */
export class SecretInputError extends LocalError {
  override readonly name = "SecretInputError";
  readonly field: string;

  constructor(field: string, message: string) {
    super(message, EXIT_CODES.USAGE);
    this.field = field;
  }
}

/** Checks a client or secret name against `NAME_PATTERN`; the error names `field` and the bad name. */
export function checkName(field: "client" | "name", value: string): string {
  if (!NAME_PATTERN.test(value)) {
    const what = field === "client" ? "client name" : "secret name";
    throw new SecretInputError(
      field,
      `${field}: ${JSON.stringify(value.slice(0, 140))} is not a valid ${what} (1-128 characters: letters, digits, '.', '_', '-'; starting with a letter or digit)`,
    );
  }
  return value;
}

/** Checks an account name: not blank, at most `MAX_ACCOUNT_NAME_LENGTH` characters, no control characters. */
export function checkAccount(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (value.trim() === "" || value.length > MAX_ACCOUNT_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new SecretInputError(
      "account",
      `account: must be 1-${MAX_ACCOUNT_NAME_LENGTH} characters without control characters and not blank`,
    );
  }
  return value;
}

/** Checks a secret value: not empty, at most `MAX_SECRET_VALUE_BYTES`. Errors give sizes only, never content. */
export function checkValue(value: string): string {
  if (value === "") throw new SecretInputError("value", "value: a secret value must not be empty");
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > MAX_SECRET_VALUE_BYTES) {
    throw new SecretInputError(
      "value",
      `value: ${bytes} bytes is more than the ${MAX_SECRET_VALUE_BYTES} bytes a secret may hold`,
    );
  }
  return value;
}
