/**
 * The embedded store's thread: PGlite runs here, so its query work (and the call audit's COPY batches) never
 * delays a frame on the hub's thread (issue #11). Each request of `embedded-messages.ts` is answered exactly
 * once; PGlite itself serialises the work (one connection: a query outside a transaction waits while one is
 * open, as it did in-thread).
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
    (answer) => reply({ id: request.id, ok: true, ...answer }),
    (error: unknown) => reply({ id: request.id, ok: false, error: errorData(error) }),
  );
};

function reply(message: WorkerReply): void {
  self.postMessage(message);
}

async function handle(request: WorkerRequest): Promise<{ result?: QueryResult; tx?: number }> {
  switch (request.op) {
    case "open":
      if (pg) throw new Error("the embedded store is already open");
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
      await close();
      return {};
  }
}

async function open(dataDir: string, assets: PgliteAssetPaths): Promise<PGlite> {
  // The assets are passed explicitly: PGlite's own lookup fails inside `bun build --compile` (PITFALLS.md §4).
  // They are embedded zstd-compressed (11 MB off the binary); inflating them costs tens of milliseconds.
  const db = await PGlite.create({
    dataDir,
    pgliteWasmModule: await WebAssembly.compile(await inflate(assets.wasm)),
    initdbWasmModule: await WebAssembly.compile(await inflate(assets.initdb)),
    fsBundle: new Blob([await inflate(assets.data)]),
  });
  await db.query("select 1");
  return db;
}

/** Rolls back what the hub left open (its drain ran out of time), then closes PGlite. */
async function close(): Promise<void> {
  const left = [...transactions.values()];
  transactions.clear();
  await Promise.allSettled(left.map((open) => open.end(false)));
  const db = pg;
  pg = undefined;
  await db?.close();
}

/** Opens a transaction that stays open until its `end` request arrives; resolves with its id once begun. */
function begin(): Promise<number> {
  const id = nextTx++;
  return new Promise<number>((begun, failed) => {
    let decide: (commit: boolean) => void = () => {};
    const decided = new Promise<boolean>((resolve) => {
      decide = resolve;
    });
    const done = database()
      .transaction(async (tx) => {
        transactions.set(id, {
          tx,
          end: async (commit) => {
            decide(commit);
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
    // Before the callback ran (BEGIN failed) this rejects `begin`; after, the `end` that awaits `done` reports it.
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
  if (!open) throw new Error(`no open transaction ${id} in the embedded store`);
  return open;
}

/** The bytes of one embedded, zstd-compressed asset. */
async function inflate(path: string): Promise<Uint8Array<ArrayBuffer>> {
  return Bun.zstdDecompressSync(
    new Uint8Array(await Bun.file(path).arrayBuffer()),
  ) as Uint8Array<ArrayBuffer>;
}
