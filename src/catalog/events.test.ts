import { expect, test } from "bun:test";
import { encodeCatalogChanged, parseCatalogChanged } from "./events.ts";

test("catalog.changed round-trips; anything else is rejected", () => {
  expect(parseCatalogChanged(encodeCatalogChanged("dev1", "i-1"))).toEqual({
    type: "catalog.changed",
    spoke: "dev1",
    instanceId: "i-1",
  });
  for (const bad of [
    "not json",
    "null",
    "[]",
    JSON.stringify({ type: "auth.revoked", spoke: "dev1", instanceId: "i" }),
    JSON.stringify({ type: "catalog.changed", spoke: 1, instanceId: "i" }),
    JSON.stringify({ type: "catalog.changed", spoke: "", instanceId: "i" }),
    JSON.stringify({ type: "catalog.changed", spoke: "x".repeat(129), instanceId: "i" }),
  ]) {
    expect(parseCatalogChanged(bad)).toBeUndefined();
  }
});
