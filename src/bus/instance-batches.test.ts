import { describe, expect, test } from "bun:test";
import { BATCH_SEPARATOR, InstanceOutbox, MAX_BATCH_CHARS, splitBatch } from "./instance-batches.ts";

/** A publish that records what it was given and settles as told. */
function recorder(fail?: (channel: string) => boolean) {
  const published: Array<[string, string]> = [];
  const publish = async (channel: string, text: string) => {
    published.push([channel, text]);
    if (fail?.(channel)) throw new Error(`refused ${channel}`);
  };
  return { published, publish };
}

describe("InstanceOutbox", () => {
  test("messages sent to one channel within a turn go out as one text, in order; each channel on its own", async () => {
    const { published, publish } = recorder();
    const outbox = new InstanceOutbox(publish);
    const sent = [outbox.send("a", "F\n1"), outbox.send("b", "R\n2"), outbox.send("a", "F\n3")];
    expect(published).toEqual([]);
    await Promise.all(sent);
    expect(published).toEqual([
      ["a", `F\n1${BATCH_SEPARATOR}F\n3`],
      ["b", "R\n2"],
    ]);
    expect(splitBatch(published[0]![1])).toEqual(["F\n1", "F\n3"]);
    expect(splitBatch(published[1]![1])).toEqual(["R\n2"]);
  });

  test("a message sent after the flush starts the next batch", async () => {
    const { published, publish } = recorder();
    const outbox = new InstanceOutbox(publish);
    await outbox.send("a", "one");
    await outbox.send("a", "two");
    expect(published).toEqual([
      ["a", "one"],
      ["a", "two"],
    ]);
  });

  test("every sender of a batch hears that it could not be published; other channels are not affected", async () => {
    const { publish } = recorder((channel) => channel === "down");
    const outbox = new InstanceOutbox(publish);
    const refused = [outbox.send("down", "x"), outbox.send("down", "y")];
    const fine = outbox.send("up", "z");
    for (const each of refused) await expect(each).rejects.toThrow("refused down");
    await expect(fine).resolves.toBeUndefined();
  });

  test("a batch that would pass MAX_BATCH_CHARS is published at once and the message starts the next", async () => {
    const { published, publish } = recorder();
    const outbox = new InstanceOutbox(publish);
    const big = "x".repeat(MAX_BATCH_CHARS / 2);
    const sent = [outbox.send("a", big), outbox.send("a", big), outbox.send("a", "small")];
    expect(published.map(([, text]) => text.length)).toEqual([big.length]);
    await Promise.all(sent);
    expect(published.map(([, text]) => splitBatch(text).length)).toEqual([1, 2]);
  });
});
