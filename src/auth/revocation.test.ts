import { expect, test } from "bun:test";
import { silentLogger } from "../log/index.ts";
import {
  parseAuthMessage,
  parseRevocation,
  Revocations,
  restorationMessage,
  revocationMessage,
} from "./revocation.ts";

/** A store whose `listen` hands the test its relisten callback, to report a loss of `LISTEN` at will. */
function listeningStore() {
  let onRelisten: ((lostAt: number) => void) | undefined;
  return {
    listen: async (
      _channel: string,
      _onPayload: (payload: string) => void,
      relisten?: (at: number) => void,
    ) => {
      onRelisten = relisten;
      return async () => {};
    },
    relisten: (lostAt: number) => onRelisten?.(lostAt),
  };
}

function watched() {
  const revocations = new Revocations();
  const events: string[] = [];
  revocations.onRevoked((keyId) => events.push(`cut ${keyId}`));
  revocations.onRestored((keyId) => events.push(`restored ${keyId}`));
  return { revocations, events };
}

test("messages round-trip; parseRevocation still answers revocations only", () => {
  expect(parseAuthMessage(revocationMessage("k1", 5))).toEqual({ type: "auth.revoked", keyId: "k1", at: 5 });
  expect(parseAuthMessage(restorationMessage("k1", 6))).toEqual({
    type: "auth.restored",
    keyId: "k1",
    at: 6,
  });
  expect(parseRevocation(revocationMessage("k1"))).toBe("k1");
  expect(parseRevocation(restorationMessage("k1"))).toBeUndefined();
  expect(parseAuthMessage('{"type":"auth.revoked"}')).toBeUndefined();
  expect(parseAuthMessage("not json")).toBeUndefined();
  // An older sender's message without a time still counts.
  expect(parseAuthMessage('{"type":"auth.revoked","keyId":"k2"}')).toEqual({
    type: "auth.revoked",
    keyId: "k2",
    at: undefined,
  });
});

test("a disabled key enabled again is forgotten: refused in between, accepted after", () => {
  const { revocations, events } = watched();
  revocations.apply(revocationMessage("k1", 100));
  revocations.apply(revocationMessage("k1", 100)); // the same message from the other channel
  expect(revocations.isRevoked("k1")).toBe(true);
  revocations.apply(restorationMessage("k1", 200));
  expect(revocations.isRevoked("k1")).toBe(false);
  revocations.apply(revocationMessage("k1", 300));
  expect(revocations.isRevoked("k1")).toBe(true);
  expect(events).toEqual(["cut k1", "restored k1", "cut k1"]);
});

test("a late copy of an older message cannot undo a newer one", () => {
  const { revocations, events } = watched();
  revocations.apply(revocationMessage("k1", 100));
  revocations.apply(restorationMessage("k1", 200));
  // The bus delivers the first revocation again after NOTIFY delivered both.
  revocations.apply(revocationMessage("k1", 100));
  expect(revocations.isRevoked("k1")).toBe(false);
  revocations.apply(revocationMessage("k2", 300));
  revocations.apply(restorationMessage("k2", 250));
  expect(revocations.isRevoked("k2")).toBe(true);
  expect(events).toEqual(["cut k1", "restored k1", "cut k2"]);
});

test("when LISTEN comes back, the keys changed meanwhile are acted on, read from a margin before the loss", async () => {
  const { revocations, events } = watched();
  const store = listeningStore();
  const bus = { subscribe: async () => () => {} } as never;
  const asked: Date[] = [];
  const changedSince = async (since: Date) => {
    asked.push(since);
    return [
      { id: "cut-by-cli", state: "revoked" as const, changedAt: new Date(1000) },
      { id: "disabled", state: "disabled" as const, changedAt: new Date(1001) },
      { id: "expired", state: "expired" as const, changedAt: new Date(1002) },
      { id: "enabled-again", state: "active" as const, changedAt: new Date(1003) },
    ];
  };
  await revocations.start(bus, store, silentLogger, changedSince);
  revocations.revoked("enabled-again", 500);
  store.relisten(120_000);
  await new Promise((resolve) => setTimeout(resolve, 0));
  // Read from a minute before the loss: a change written just before it may have been missed too.
  expect(asked.map((since) => since.getTime())).toEqual([60_000]);
  expect(revocations.isRevoked("cut-by-cli")).toBe(true);
  expect(revocations.isRevoked("disabled")).toBe(true);
  expect(revocations.isRevoked("expired")).toBe(true);
  expect(revocations.isRevoked("enabled-again")).toBe(false);
  expect(events).toEqual([
    "cut enabled-again",
    "cut cut-by-cli",
    "cut disabled",
    "cut expired",
    "restored enabled-again",
  ]);
});

test("a catch-up read that fails is tried again from the same point, so no lost window is skipped", async () => {
  const { revocations } = watched();
  const store = listeningStore();
  const asked: number[] = [];
  const changedSince = async (since: Date) => {
    asked.push(since.getTime());
    if (asked.length === 1) throw new Error("connection refused");
    return [{ id: "cut-by-cli", state: "revoked" as const, changedAt: new Date(1000) }];
  };
  await revocations.start({ subscribe: async () => () => {} } as never, store, silentLogger, changedSince);
  try {
    store.relisten(120_000);
    // The retry comes after a couple of seconds; wait for it with room to spare.
    for (let waited = 0; asked.length < 2 && waited < 10_000; waited += 50) await Bun.sleep(50);
    expect(asked).toEqual([60_000, 60_000]);
    expect(revocations.isRevoked("cut-by-cli")).toBe(true);
  } finally {
    await revocations.stop();
  }
});
