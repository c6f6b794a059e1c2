import { describe, expect, test } from "bun:test";
import { errorData, isWorkerReply, toError } from "./embedded-messages.ts";

/** What a Postgres error from PGlite carries (PGlite's DatabaseError: an Error with the protocol fields). */
function databaseError(): Error {
  return Object.assign(new Error('duplicate key value violates unique constraint "accounts_name_unique"'), {
    name: "error",
    code: "23505",
    severity: "ERROR",
    detail: "Key (name)=(acme) already exists.",
    table: "accounts",
    constraint: "accounts_name_unique",
    length: 209,
    position: undefined,
  });
}

describe("embedded store messages", () => {
  test("a database error crosses the thread boundary with its SQLSTATE and fields", () => {
    const crossed = toError(structuredClone(errorData(databaseError())));
    expect(crossed).toBeInstanceOf(Error);
    expect(crossed.message).toBe('duplicate key value violates unique constraint "accounts_name_unique"');
    expect(crossed.name).toBe("error");
    expect(crossed).toMatchObject({
      code: "23505",
      severity: "ERROR",
      detail: "Key (name)=(acme) already exists.",
      table: "accounts",
      constraint: "accounts_name_unique",
    });
  });

  test("only string fields cross; a thrown non-Error becomes its text", () => {
    const data = errorData(databaseError());
    expect(Object.keys(data).sort()).toEqual(
      ["code", "constraint", "detail", "message", "name", "severity", "table"].sort(),
    );
    expect(errorData("plain text")).toEqual({ message: "plain text" });
    expect(toError({ message: "x" }).name).toBe("Error");
  });

  test("replies are told from anything else", () => {
    expect(isWorkerReply({ id: 1, ok: true })).toBe(true);
    expect(isWorkerReply({ id: 1, ok: true, result: { rows: [], fields: [] } })).toBe(true);
    expect(isWorkerReply({ id: 2, ok: false, error: { message: "x" } })).toBe(true);
    expect(isWorkerReply({ id: 2, ok: false })).toBe(false);
    expect(isWorkerReply({ id: "1", ok: true })).toBe(false);
    expect(isWorkerReply({ hello: "not a reply" })).toBe(false);
    expect(isWorkerReply(null)).toBe(false);
  });
});
