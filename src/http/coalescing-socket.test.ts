import { describe, expect, test } from "bun:test";
import type { ServerWebSocket } from "bun";
import { CoalescingSocket } from "./coalescing-socket.ts";

/** Records what reaches the runtime's socket: each write (a corked run is one write) and each close. */
class RawSocket {
  writes: string[][] = [];
  closes: Array<[number, string]> = [];
  /** What `send` answers: bytes (> 0), -1 (buffered), 0 (dropped). */
  sendResult = 1;
  #corked: string[] | undefined;

  send(text: string): number {
    if (this.sendResult === 0) return 0;
    if (this.#corked) this.#corked.push(text);
    else this.writes.push([text]);
    return this.sendResult;
  }

  cork(run: () => void): void {
    this.#corked = [];
    try {
      run();
    } finally {
      if (this.#corked.length > 0) this.writes.push(this.#corked);
      this.#corked = undefined;
    }
  }

  ping(): void {}

  close(code: number, reason: string): void {
    this.closes.push([code, reason]);
  }
}

const endOfTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function open(batch = false) {
  const raw = new RawSocket();
  const socket = new CoalescingSocket(raw as unknown as ServerWebSocket<unknown>, batch);
  let dropped = 0;
  socket.onDropped = () => dropped++;
  return { raw, socket, dropped: () => dropped };
}

describe("CoalescingSocket", () => {
  test("the first frame of a turn is written at once, the rest together when the turn ends, in order", async () => {
    const { raw, socket } = open();
    expect(socket.send("a")).toBe(1);
    expect(socket.send("b")).toBe(-1);
    expect(socket.send("c")).toBe(-1);
    expect(raw.writes).toEqual([["a"]]);
    await endOfTurn();
    expect(raw.writes).toEqual([["a"], ["b", "c"]]);
    // A new turn: its first frame goes at once again.
    expect(socket.send("d")).toBe(1);
    expect(raw.writes).toEqual([["a"], ["b", "c"], ["d"]]);
  });

  test("to a client that agreed alkhub.v1.batch, the turn's queued frames go as one message, one per line", async () => {
    const { raw, socket } = open(true);
    socket.send('{"n":1}');
    socket.send('{"n":2}');
    socket.send('{"n":3}');
    await endOfTurn();
    expect(raw.writes).toEqual([['{"n":1}'], ['{"n":2}\n{"n":3}']]);
  });

  test("a lone frame per turn is never held back", async () => {
    const { raw, socket } = open();
    for (const text of ["a", "b", "c"]) {
      socket.send(text);
      expect(raw.writes.at(-1)).toEqual([text]);
      await endOfTurn();
    }
    expect(raw.writes).toEqual([["a"], ["b"], ["c"]]);
  });

  test("sockets written to in the same turn are each flushed at its end", async () => {
    const one = open();
    const two = open();
    for (const text of ["1", "2", "3"]) {
      one.socket.send(`one-${text}`);
      two.socket.send(`two-${text}`);
    }
    await endOfTurn();
    expect(one.raw.writes).toEqual([["one-1"], ["one-2", "one-3"]]);
    expect(two.raw.writes).toEqual([["two-1"], ["two-2", "two-3"]]);
  });

  test("a first frame the runtime drops is reported by send itself", () => {
    const { raw, socket, dropped } = open();
    raw.sendResult = 0;
    expect(socket.send("a")).toBe(0);
    expect(dropped()).toBe(0);
  });

  test("a queued frame the runtime drops calls onDropped once, and the rest of the turn is not written", async () => {
    const { raw, socket, dropped } = open();
    socket.send("a");
    socket.send("b");
    socket.send("c");
    raw.sendResult = 0;
    await endOfTurn();
    expect(dropped()).toBe(1);
    expect(raw.writes).toEqual([["a"]]);
  });

  test("close writes the queued frames before closing", () => {
    const { raw, socket } = open();
    socket.send("a");
    socket.send("last words");
    socket.close(4400, "bye");
    expect(raw.writes).toEqual([["a"], ["last words"]]);
    expect(raw.closes).toEqual([[4400, "bye"]]);
  });
});
