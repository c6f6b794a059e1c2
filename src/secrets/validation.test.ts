import { describe, expect, test } from "bun:test";
import { EXIT_CODES } from "../errors.ts";
import {
  checkAccount,
  checkName,
  checkValue,
  MAX_SECRET_VALUE_BYTES,
  SecretInputError,
} from "./validation.ts";

function failure(run: () => unknown): SecretInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof SecretInputError) return error;
    throw error;
  }
  throw new Error("expected a SecretInputError");
}

describe("names", () => {
  test("accepts letters, digits, '.', '_', '-' up to 128 characters, starting with a letter or digit", () => {
    for (const name of ["a", "Z9", "github", "api.token_v2-old", "0", `a${"b".repeat(127)}`]) {
      expect(checkName("name", name)).toBe(name);
      expect(checkName("client", name)).toBe(name);
    }
  });

  test("rejects bad names with an error naming the field and the name", () => {
    for (const bad of ["", ".hidden", "-x", "_x", "a/b", "a b", "ä", "a:b", `a${"b".repeat(128)}`, "x\n"]) {
      const error = failure(() => checkName("client", bad));
      expect(error.field).toBe("client");
      expect(error.exitCode).toBe(EXIT_CODES.USAGE);
      expect(error.message).toStartWith(
        `client: ${JSON.stringify(bad.slice(0, 140))} is not a valid client name`,
      );
    }
    expect(failure(() => checkName("name", "a/b")).message).toStartWith(
      'name: "a/b" is not a valid secret name',
    );
  });

  test("accounts must not be blank, too long or hold control characters", () => {
    expect(checkAccount("acme corp")).toBe("acme corp");
    for (const bad of ["", "  ", "a".repeat(129), "a\u0000b", "tab\there"]) {
      expect(failure(() => checkAccount(bad)).field).toBe("account");
    }
  });
});

describe("values", () => {
  test("refuses an empty value and an oversized one without quoting it", () => {
    expect(checkValue("s3cr3t")).toBe("s3cr3t");
    expect(failure(() => checkValue("")).field).toBe("value");
    const big = "Q".repeat(MAX_SECRET_VALUE_BYTES + 1);
    const error = failure(() => checkValue(big));
    expect(error.field).toBe("value");
    expect(error.message).toContain(`${MAX_SECRET_VALUE_BYTES + 1} bytes`);
    expect(error.message).not.toContain("QQQ");
  });

  test("measures the limit in UTF-8 bytes, not characters", () => {
    const multibyte = "é".repeat(MAX_SECRET_VALUE_BYTES / 2);
    expect(checkValue(multibyte)).toBe(multibyte);
    expect(failure(() => checkValue(`${multibyte}é`)).field).toBe("value");
  });
});
