/** Instance messages survive the round trip, whatever the frame holds; malformed text decodes to undefined. */
import { expect, test } from "bun:test";
import {
  decodeInstanceMessage,
  encodeAck,
  encodeDisconnect,
  encodeForward,
  encodeNotHere,
  encodeReply,
  encodeTakeover,
} from "./instance-messages.ts";

const FRAME =
  '{"type":"call.requested","id":"h1-0","payload":{"requestId":"h1-0","input":"line\\nbreak\\u2028"}}';

test("forwards carry their routing facts: type, hub id, subscription", () => {
  expect(decodeInstanceMessage(encodeForward("i1", "c1", "call.requested", "h1-0", false, FRAME))).toEqual({
    kind: "F",
    from: "i1",
    connectionId: "c1",
    type: "call.requested",
    subscription: false,
    hubId: "h1-0",
    frame: FRAME,
  });
  expect(
    decodeInstanceMessage(encodeForward("i1", "c1", "call.requested", "h1-1", true, FRAME)),
  ).toMatchObject({
    type: "call.requested",
    subscription: true,
    hubId: "h1-1",
  });
  expect(decodeInstanceMessage(encodeForward("i1", "c1", "call.aborted", "h1-2", true, "{}"))).toMatchObject({
    type: "call.aborted",
    hubId: "h1-2",
    frame: "{}",
  });
});

test("replies, acks, refusals and takeovers round-trip", () => {
  expect(decodeInstanceMessage(encodeReply("i2", "c9", FRAME))).toEqual({
    kind: "R",
    from: "i2",
    connectionId: "c9",
    frame: FRAME,
  });
  expect(decodeInstanceMessage(encodeAck("i2", "h1,h2"))).toEqual({ kind: "A", from: "i2", hubId: "h1,h2" });
  expect(decodeInstanceMessage(encodeNotHere("i2", "h3"))).toEqual({ kind: "N", from: "i2", hubId: "h3" });
  expect(decodeInstanceMessage(encodeTakeover("i3", "dev1", "c4"))).toEqual({
    kind: "T",
    from: "i3",
    spokeName: "dev1",
    connectionId: "c4",
  });
  expect(decodeInstanceMessage(encodeDisconnect("i3", "dev1", "c5"))).toEqual({
    kind: "D",
    from: "i3",
    spokeName: "dev1",
    connectionId: "c5",
  });
});

test("malformed messages decode to undefined", () => {
  for (const text of ["", "X\na", "F\ni1\nc1\nq", "F\ni1\nc1\nz\nh1\n{}", "R\ni1", "T\ni1\nname", "D\ni1"]) {
    expect(decodeInstanceMessage(text)).toBeUndefined();
  }
});
