/**
 * A stand-in for `embedded-worker.ts` in `embedded-client.test.ts`: it speaks the same messages without PGlite,
 * and its queries are commands. `echo` answers its params as one row; `fail` answers a unique violation;
 * `hang` never answers; `slow:<ms>` answers after that long; `junk` posts a message that is not a reply;
 * `crash` throws out of the worker; `log` answers every op received so far, in order.
 */
import type { WorkerReply, WorkerRequest } from "./embedded-messages.ts";

declare const self: Worker;
/** A reply without its id (distributed over the union, so each variant keeps its own fields). */
type Answer = WorkerReply extends infer R ? (R extends WorkerReply ? Omit<R, "id"> : never) : never;

const seen: string[] = [];
let nextTx = 1;

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  seen.push(request.op === "query" ? `query:${request.tx}:${request.sql}` : describe(request));
  const answer = (reply: Answer) => self.postMessage({ id: request.id, ...reply });
  switch (request.op) {
    case "begin":
      answer({ ok: true, tx: nextTx++ });
      return;
    case "query":
      query(request.sql, request.params, answer);
      return;
    default:
      answer({ ok: true });
  }
};

function describe(request: WorkerRequest): string {
  return request.op === "end" ? `end:${request.tx}:${request.commit ? "commit" : "rollback"}` : request.op;
}

function query(sql: string, params: unknown[], answer: (reply: Answer) => void): void {
  const ok = (rows: unknown[]) => answer({ ok: true, result: { rows, fields: [] } });
  if (sql.startsWith("slow:")) {
    setTimeout(() => ok([sql]), Number(sql.slice(5)));
    return;
  }
  switch (sql) {
    case "echo":
      ok([params]);
      break;
    case "log":
      ok([...seen]);
      break;
    case "hang":
      break;
    case "junk":
      self.postMessage({ hello: "not a reply" });
      break;
    case "crash":
      throw new Error("the fake worker crashed");
    case "fail":
      answer({
        ok: false,
        error: {
          message: 'duplicate key value violates unique constraint "accounts_name_unique"',
          name: "error",
          code: "23505",
          constraint: "accounts_name_unique",
          table: "accounts",
        },
      });
      break;
    default:
      answer({ ok: false, error: { message: `the fake worker does not know "${sql}"` } });
  }
}
