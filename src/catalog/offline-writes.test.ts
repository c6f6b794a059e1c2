import { expect, test } from "bun:test";
import { silentLogger } from "../log/index.ts";
import { OfflineWrites } from "./offline-writes.ts";

test("offline marks are retried until the store takes them; a newer registration drops its mark", async () => {
  let down = true;
  const writes: string[] = [];
  const written: string[] = [];
  const marks = new OfflineWrites({
    write: async (name, connectionId) => {
      if (down) throw new Error("ECONNREFUSED");
      writes.push(`${name}/${connectionId}`);
    },
    written: (name) => written.push(name),
    log: silentLogger,
    retryMs: 10,
  });
  marks.add("a", "c1", new Date());
  marks.add("b", "c2", new Date());
  marks.add("c", "c3", new Date());
  marks.forget("c");
  await Bun.sleep(50);
  expect(marks.size).toBe(2);
  expect(writes).toEqual([]);
  down = false;
  for (let i = 0; i < 100 && marks.size > 0; i++) await Bun.sleep(10);
  expect(writes).toEqual(["a/c1", "b/c2"]);
  expect(written).toEqual(["a", "b"]);
  marks.stop();
});
