import { describe, expect, test } from "bun:test";
import { identity, spec, testIndex } from "../../tests/support/catalog-fixtures.ts";
import { canCallOperation, canSeeOperation, canSeeSpoke } from "./visibility.ts";

const index = testIndex([
  { name: "pub", operations: [spec("fs.read"), spec("bash.exec")] },
  { name: "priv", operations: [spec("vault.get")], visibility: "owner", accountId: "acct-a" },
]);
const pub = index.spoke("pub")!;
const priv = index.spoke("priv")!;
const read = index.operation("pub.fs.read")!;
const exec = index.operation("pub.bash.exec")!;
const vault = index.operation("priv.vault.get")!;

describe("canSee", () => {
  test("read or call is needed for public spokes; spoke alone is not enough", () => {
    expect(canSeeSpoke(identity(["read"]), pub)).toBe(true);
    expect(canSeeSpoke(identity(["call"]), pub)).toBe(true);
    expect(canSeeSpoke(identity(["spoke"]), pub)).toBe(false);
    expect(canSeeSpoke(identity([]), pub)).toBe(false);
  });

  test("owner spokes: only keys of the same account, and admins", () => {
    expect(canSeeSpoke(identity(["read"], { accountId: "acct-a" }), priv)).toBe(true);
    expect(canSeeSpoke(identity(["read", "call"], { accountId: "acct-b" }), priv)).toBe(false);
    expect(canSeeSpoke(identity(["admin"], { accountId: "acct-b" }), priv)).toBe(true);
    expect(canSeeSpoke(identity(["spoke"], { accountId: "acct-a" }), priv)).toBe(false);
  });
});

describe("canCall", () => {
  test("needs call, visibility and a matching operations glob", () => {
    const caller = identity(["call"], { operations: ["pub.fs.*"] });
    expect(canCallOperation(caller, pub, read)).toBe(true);
    expect(canCallOperation(caller, pub, exec)).toBe(false);
    expect(canCallOperation(identity(["read"]), pub, read)).toBe(false);
    expect(canCallOperation(identity(["call"], { accountId: "acct-b" }), priv, vault)).toBe(false);
    expect(canCallOperation(identity(["call"], { accountId: "acct-a" }), priv, vault)).toBe(true);
  });

  test("globs: * crosses dots, ? is one character, no glob means nothing", () => {
    expect(canCallOperation(identity(["call"], { operations: ["*"] }), pub, exec)).toBe(true);
    expect(canCallOperation(identity(["call"], { operations: ["pub.*"] }), pub, exec)).toBe(true);
    expect(canCallOperation(identity(["call"], { operations: ["pu?.bash.exec"] }), pub, exec)).toBe(true);
    expect(canCallOperation(identity(["call"], { operations: ["pub.bash"] }), pub, exec)).toBe(false);
    expect(canCallOperation(identity(["call"], { operations: [] }), pub, exec)).toBe(false);
  });

  test("admins may call anything, whatever their globs", () => {
    expect(canCallOperation(identity(["admin"], { operations: [], accountId: "acct-z" }), priv, vault)).toBe(
      true,
    );
  });

  test("an operation whose spoke is not in the index is neither visible nor callable", () => {
    expect(canSeeOperation(identity(["read"]), undefined, read)).toBe(false);
    expect(canCallOperation(identity(["call"]), undefined, read)).toBe(false);
  });
});
