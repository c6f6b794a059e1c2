import { afterEach, describe, expect, test } from "bun:test";
import { UnavailableError } from "../errors.ts";
import { EmbeddedClient } from "./embedded-client.ts";

const FAKE_WORKER = new URL("./embedded-client.fake-worker.ts", import.meta.url).href;
/** Short, so the bound is reached within a test; generous enough for a busy machine to answer `echo` first. */
const BOUND_MS = 1_500;

const clients: EmbeddedClient[] = [];
function client(requestTimeoutMs = BOUND_MS): EmbeddedClient {
  const made = new EmbeddedClient({ workerUrl: FAKE_WORKER, requestTimeoutMs });
  clients.push(made);
  return made;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
});

async function rejectionOf(work: Promise<unknown>): Promise<Error> {
  return work.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: Error) => error,
  );
}

const log = async (c: EmbeddedClient) => (await c.query("log")).rows as string[];

describe("EmbeddedClient (message protocol, against a fake worker)", () => {
  test("each request gets its own answer, in any number at once", async () => {
    const c = client();
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => c.query("echo", [i, `p${i}`])));
    expect(answers.map((a) => a.rows[0])).toEqual(Array.from({ length: 50 }, (_, i) => [i, `p${i}`]));
    expect(c.pending).toBe(0);
  });

  test("an error reply rejects with the database's fields (SQLSTATE in code)", async () => {
    const error = await rejectionOf(client().query("fail"));
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: "23505", constraint: "accounts_name_unique", table: "accounts" });
  });

  // oven-sh/bun#37189: reached from the continuation of one reply, expect().rejects spins a nested loop that
  // never saw the next reply when replies were handed over inside the worker's message event.
  test("expect().rejects reached from the continuation of a reply settles (the conformance hang)", async () => {
    const c = client();
    await c.query("echo", [1]);
    await expect(c.query("fail")).rejects.toMatchObject({ code: "23505" });
    await expect(c.query("fail")).rejects.toMatchObject({ code: "23505" });
    await expect(c.query("echo", [2])).resolves.toMatchObject({ rows: [[2]] });
  });

  test("a request the worker does not answer fails after the bound; the client goes on", async () => {
    const c = client();
    const error = await rejectionOf(c.query("hang"));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.message).toBe(`the embedded store did not answer a query within ${BOUND_MS} ms`);
    expect((await c.query("echo", ["after"])).rows).toEqual([["after"]]);
  });

  test("a transaction's queries carry its id; it commits when run resolves", async () => {
    const c = client();
    const result = await c.transaction(async (tx) => {
      await tx.query("echo", ["a"]);
      return (await tx.query("echo", ["b"])).rows;
    });
    expect(result).toEqual([["b"]]);
    expect(await log(c)).toEqual(["begin", "query:1:echo", "query:1:echo", "end:1:commit", "query:0:log"]);
  });

  test("a transaction whose run throws is rolled back and rejects with that error", async () => {
    const c = client();
    const error = await rejectionOf(
      c.transaction(async (tx) => {
        await tx.query("fail");
      }),
    );
    expect(error).toMatchObject({ code: "23505" });
    expect(await log(c)).toEqual(["begin", "query:1:fail", "end:1:rollback", "query:0:log"]);
  });

  test("close drains: work already sent finishes, new work is refused, then the worker closes", async () => {
    const c = client();
    const slow = c.query("slow:300");
    const closed = c.close();
    const late = await rejectionOf(c.query("echo"));
    expect(late).toBeInstanceOf(UnavailableError);
    expect(late.message).toBe("the embedded store is closing");
    expect((await slow).rows).toEqual(["slow:300"]);
    await closed;
    expect(await rejectionOf(c.query("echo"))).toMatchObject({ message: "the embedded store is closed" });
    await c.close();
  });

  test("close waits for an open transaction to end, which may still query", async () => {
    const c = client();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let began: () => void = () => {};
    const begun = new Promise<void>((resolve) => {
      began = resolve;
    });
    const transaction = c.transaction(async (tx) => {
      began();
      await held;
      return (await tx.query("echo", ["inside"])).rows;
    });
    await begun;
    let closed = false;
    const closing = c.close().then(() => {
      closed = true;
    });
    await Bun.sleep(50);
    expect(closed).toBe(false);
    release();
    expect(await transaction).toEqual([["inside"]]);
    await closing;
    expect(closed).toBe(true);
  });

  test("a worker that dies fails every pending request with UnavailableError", async () => {
    const c = client(60_000);
    const pending = rejectionOf(c.query("hang"));
    const crash = rejectionOf(c.query("crash"));
    for (const error of [await pending, await crash]) {
      expect(error).toBeInstanceOf(UnavailableError);
      expect(error.message).toContain("the embedded store's worker");
    }
    expect(await rejectionOf(c.query("echo"))).toBeInstanceOf(UnavailableError);
  });

  test("a message that is not a reply fails the client loudly", async () => {
    const c = client(60_000);
    const pending = rejectionOf(c.query("hang"));
    await rejectionOf(c.query("junk"));
    expect(await pending).toMatchObject({
      message: "the embedded store's worker sent a message that is not a reply",
    });
  });
});
