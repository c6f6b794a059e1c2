/** routeCall: a pure function of the name, the key, the catalog and the links. */
import { expect, test } from "bun:test";
import { identity, spec } from "../../tests/support/catalog-fixtures.ts";
import { FakeLink, fakeCatalog, fakeLinks } from "../../tests/support/relay-fakes.ts";
import { routeCall } from "./route.ts";

const catalog = fakeCatalog([
  { name: "dev1", operations: [spec("echo"), spec("secret")] },
  { name: "private1", operations: [spec("op")], visibility: "owner", accountId: "acct-b" },
  { name: "offline", operations: [spec("op")], live: false },
  { name: "unlinked", operations: [spec("op")] },
]);
const dev1 = new FakeLink("dev1", { maxConcurrency: 2 });
const links = fakeLinks(dev1, new FakeLink("private1"), new FakeLink("offline"));
const caller = identity(["call"], { operations: ["dev1.echo", "private1.*", "offline.*", "unlinked.*"] });

function outcome(name: string, who = caller): string {
  const route = routeCall(name, who, catalog, links);
  return route.ok ? `ok ${route.link.spokeName} ${route.operation.localName}` : route.error.code;
}

test("a callable operation on a linked spoke routes to its link", () => {
  expect(outcome("dev1.echo")).toBe("ok dev1 echo");
});

test("unknown names and spokes the key may not see are both OPERATION_NOT_FOUND (names do not leak)", () => {
  expect(outcome("dev1.nope")).toBe("OPERATION_NOT_FOUND");
  expect(outcome("nope.echo")).toBe("OPERATION_NOT_FOUND");
  expect(outcome("private1.op")).toBe("OPERATION_NOT_FOUND");
});

test("a visible operation outside the key's globs or without scope call is ACCESS_DENIED", () => {
  expect(outcome("dev1.secret")).toBe("ACCESS_DENIED");
  expect(outcome("dev1.echo", identity(["read"]))).toBe("ACCESS_DENIED");
});

test("an offline spoke, or one no link reaches, is SPOKE_UNAVAILABLE", () => {
  expect(outcome("offline.op")).toBe("SPOKE_UNAVAILABLE");
  expect(outcome("unlinked.op")).toBe("SPOKE_UNAVAILABLE");
});

test("a spoke at its maxConcurrency is SPOKE_BUSY", () => {
  dev1.inFlight = 2;
  expect(outcome("dev1.echo")).toBe("SPOKE_BUSY");
  dev1.inFlight = 1;
  expect(outcome("dev1.echo")).toBe("ok dev1 echo");
  dev1.inFlight = 0;
});
