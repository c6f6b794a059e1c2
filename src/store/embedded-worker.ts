/**
 * The embedded store's thread: PGlite runs here, so its query work never delays a frame on the hub's thread
 * (issue #11). It answers the requests of `embedded-messages.ts` one by one in arrival order per transaction;
 * PGlite itself serialises everything (it is single-connection).
 */
import { PGlite, type Transaction, types } from "@electric-sql/pglite";
import {
  errorData,
  type PgliteAssetPaths,
  type QueryResult,
  type WorkerReply,
  type WorkerRequest,
} from "./embedded-messages.ts";

declare const self: Worker;

/**
 * Types kept as the text Postgres sent, as drizzle's PGlite driver asks (it maps them itself): timestamps,
 * dates, intervals and their arrays, numeric arrays.
 */
const keepText = (value: string) => value;
const PARSERS = Object.fromEntries(
  [types.TIMESTAMP, types.TIMESTAMPTZ, types.INTERVAL, types.DATE, 1231, 1115, 1185, 1187, 1182].map((t) => [
    t,
    keepText,
  ]),
);

let pg: PGlite | undefined;
/** Open transactions by id, each with the function that ends it. */
const transactions = new Map<number, { tx: Transaction; end: (commit: boolean) => Promise<void> }>();
let nextTx = 1;

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  handle(request).then(
    (reply) => self.postMessage({ id: request.id, ok: true, ...reply } satisfies WorkerReply),
    (error: unknown) => {
      const data = errorData(error);
      // Posted from a fresh task: posted straight from this rejection handler, the reply to a refused
      // statement never reached the hub's thread under `bun test` (Bun 1.4.5; seen with a unique violation).
      setTimeout(() => self.postMessage({ id: request.id, ok: false, error: data } satisfies WorkerReply), 0);
    },
  );
};

async function handle(request: WorkerRequest): Promise<{ result?: QueryResult; tx?: number }> {
  switch (request.op) {
    case "open":
      pg = await open(request.dataDir, request.assets);
      return {};
    case "query": {
      const target = request.tx === 0 ? database() : transaction(request.tx).tx;
      const results = await target.query(request.sql, request.params, {
        rowMode: request.rowMode,
        parsers: PARSERS,
      });
      return {
        result: {
          rows: results.rows,
          fields: results.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
          affectedRows: results.affectedRows,
        },
      };
    }
    case "begin":
      return { tx: await begin() };
    case "end": {
      const open = transaction(request.tx);
      transactions.delete(request.tx);
      await open.end(request.commit);
      return {};
    }
    case "copy":
      await database().query(request.statement, [], { blob: new Blob(request.chunks as string[]) });
      return {};
    case "close":
      await pg?.close();
      pg = undefined;
      return {};
  }
}

async function open(dataDir: string, assets: PgliteAssetPaths): Promise<PGlite> {
  // The assets are passed explicitly: PGlite's own lookup fails inside `bun build --compile` (PITFALLS.md §4).
  // They are embedded gzip-compressed (10 MB off the binary); inflating them costs tens of milliseconds.
  const db = await PGlite.create({
    dataDir,
    pgliteWasmModule: await WebAssembly.compile(await inflate(assets.wasm)),
    initdbWasmModule: await WebAssembly.compile(await inflate(assets.initdb)),
    fsBundle: new Blob([await inflate(assets.data)]),
  });
  await db.query("select 1");
  return db;
}

/** Opens a transaction that stays open until its `end` request arrives; resolves with its id once begun. */
function begin(): Promise<number> {
  const id = nextTx++;
  return new Promise<number>((begun, failed) => {
    let finish: (commit: boolean) => void = () => {};
    const done = database()
      .transaction(async (tx) => {
        const decided = new Promise<boolean>((resolve) => {
          finish = resolve;
        });
        transactions.set(id, {
          tx,
          end: async (commit) => {
            finish(commit);
            await done;
          },
        });
        begun(id);
        // A rollback is asked for by throwing out of the callback (PGlite then rolls back).
        if (!(await decided)) throw new RolledBack();
      })
      .catch((error: unknown) => {
        if (!(error instanceof RolledBack)) throw error;
      });
    done.catch(failed);
  });
}

class RolledBack extends Error {}

function database(): PGlite {
  if (!pg) throw new Error("the embedded store is not open");
  return pg;
}

function transaction(id: number) {
  const open = transactions.get(id);
  if (!open) throw new Error(`no open transaction ${id}`);
  return open;
}

/** The bytes of one embedded, gzip-compressed asset. */
async function inflate(path: string): Promise<Uint8Array<ArrayBuffer>> {
  return Bun.gunzipSync(new Uint8Array(await Bun.file(path).arrayBuffer())) as Uint8Array<ArrayBuffer>;
}
