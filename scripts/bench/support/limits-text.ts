/**
 * The "what limits each figure" section of docs/benchmarks.md: what the profiles and the measurements behind
 * the figures showed, kept beside the generator so the analysis travels with the numbers.
 */
export const LIMITS_SECTION = `## What limits each figure

Everything runs on one 2-core machine: the hub, the raw relay, the load generator and the spoke processes,
Postgres and Redis share the same two cores, so every figure is a whole-box figure.

- **Relay throughput and CPU per call.** Socket writes dominate both relays' profiles. The hub adds per call:
  frame validation, the Ajv input check, a deadline timer, the pending-call entry and its sink, metrics cells,
  and an audit record — and the audit's Postgres inserts (audit is on by default in these rows). With the audit
  off, the same load harness gives about 74k calls/s at 64 in flight against about 67k for the raw relay, at
  about 12 µs of hub CPU per call: most of the gap in the table is Postgres inserting one row per call on the
  shared cores. What would close the rest: Postgres on its own host (the production layout), a timer wheel
  instead of a timer per call, and skipping the schema check of reply frames the fast path reads anyway.
- **Latency at 1 in flight.** p50 is within 1.2× of raw; p99 moves between 1.3× and 2.9× from run to run,
  depending on how four processes land on two cores.
- **Cross-instance calls.** Five processes and Redis on two cores; each call is two Redis publishes plus the
  relay work on both instances (acks are batched and only sent for calls still unanswered after
  \`remoteAckMs / 4\`). The p50 at 1 in flight is the Redis round trip plus two relays.
- **MCP.** Requests that need no stream are answered in JSON now, with and without a session (the rows' notes
  say \`answered as application/json\`): 9.0k–15.4k calls/s with sessions and 10.8k–11.7k stateless over three runs on 2026-12-06 (this box swings that much between runs), from
  7.7k / 9.0k on 2026-11-26 — on a box whose raw figures are about a third lower. Not profiled again since; the
  earlier profile put the rest in the SDK's per-request transport and server objects.
- **One MCP tool call at 1 in flight** (hub 1.4–2.0× the same tool served by the SDK directly, between runs): the hub's path is two hops (HTTP into the hub, then the spoke's WebSocket) where the direct
  server has one; not profiled yet.
- **Bridge.** Four processes (caller, hub, bridge, the stdio server) on two cores, every one of them busy: the
  throughput is CPU-bound, and the hub hop alone (a plain SDK spoke instead of the bridge) reached 0.29–0.54× of
  the direct figure on this box (profiled 2026-12-05, docs/upstreams.md). The p50 overhead (about +115 µs) is within
  the target.
- **Audit on vs off.** Measured under sustained load (warm-up, then continuous windows; no pause lets the
  database catch up), on Postgres and on the embedded store. The relay hands each finished call to a
  preallocated ring (no object per call); the writer encodes batches off the hot path and COPYs them into
  PGlite on the store's worker thread, or INSERTs them on Postgres. Each row's note splits CPU per call between
  the hub process and the database (Postgres backends of that hub's database; the store's worker thread inside
  the hub for PGlite). On these two shared cores the database's CPU is taken from the relay either way; the
  hub-side cost of the audit is the difference of the two hub CPU figures. On 2026-12-06 (quiet box) that
  difference was 6–7 µs per call on Postgres (23–25 against 17–18 µs, plus 9 µs in the Postgres backends) and
  11–14 µs embedded (28–34 against 17–20 µs, plus 8–10 µs on the store's worker thread), over two runs: the audit's own work on the relay's
  thread — encoding rows and handing batches over — is what keeps on ÷ off at 0.64–0.70× / 0.72–0.80×, not a wait on
  the database. Not yet profiled with \`bun --cpu-prof\`.
- **Embedded store on its own thread (issue #11, measured 2026-12-06).** PGlite runs in a worker thread; the
  audit's COPY batches run there too. \`scripts/bench/audit-on-off.ts --stores embedded --rounds 2\` (64 calls in
  flight, per-key limits lifted), main's build (in-thread store, a017a72) and this one back to back, three
  times, on the shared 2-core box while other sessions built and tested (load average 20, then about 8):
  calls/s were a tenth to a fifth of a quiet run and swung 2–5× between windows, so read them as a trend only.
  Audit on ÷ off, before → after: 0.53× → 0.54×, 0.55× → 0.61×, 0.57× → 0.72× (last run: on 6,478 → 7,865
  calls/s, off 11,272 → 10,952). \`/health\` fetched every 50 ms during the audited load, p99 / max, before →
  after: 525 / 1,612 ms → 143 / 204 ms; 498 / 1,131 ms → 113 / 175 ms; 324 / 536 ms → 129 / 301 ms (the
  audit-off hub, the box's own floor: p99 75–173 ms either way). Hub CPU per audited call on the hub's thread:
  92 → 72, 65 → 84, 65 → 61 µs (noise), plus 13–17 µs on the store's worker thread. To be rerun on a quiet
  machine.
- **Spokes held.** Registrations are written with group commit (those arriving during a write share the next
  transaction), which brought 15,000 spokes from 21 s to about 8.5 s on 2026-11-26. On 2026-12-06 runs took
  9.6–12.8 s (the build before that day's changes: 13.2 s in the same conditions), and memory per spoke was
  12.8–18.4 KB. Profiled on 2026-12-07 (\`scripts/bench/spokes-heap.ts\`: the hub in-process, live objects after a
  full GC, 3,000 → 6,000 spokes): an open socket costs 1.7 KB (Bun's socket and the session; no compression),
  and a registered spoke's live JS heap was 5.2 KB — its operations \`Map\` 880 B, a copy of each spec and its
  description 1.1 KB, the operation entries 640 B, their published names 485 B. Spec copies are now shared
  between spokes that register the same specs, a spoke's operations sit in one array, and registration builds
  them once: 2.9 KB. RSS hardly follows (15,000 spokes, back to back on the loaded box: 14.2–20.2 KB before,
  14.7–17.8 KB after): it is set by the garbage of the registration burst, not by what a spoke keeps. After a
  full GC and 10 s RSS was still 14–15 KB a spoke, of which the JS heap's capacity was 10–11 KB, over three
  times what is live (blocks the burst's garbage left partly filled; JSC does not compact), and about 1.5 KB
  memory the allocator returns only after its purge delay; read 1 s after the last registration, as the bench
  does, the figure swings with the timing of the last collection. Closing it: less garbage per registration (the Drizzle multi-row upsert
  and its RETURNING rows, a child logger per log line, schema text serialised three times), and fewer
  long-lived cells per spoke (one published-name string per operation). Until 2026-12-06 this bench ran into the
  per-key limits instead (64 connections a key); the fleet's key now gets ceilings above the fleet, as an
  operator of such a fleet would set.
- **Reconnect storm.** The slowest \`/health\` answer of a round is set by what runs on the event loop when the
  fleet's registrations land: the schema compiler's warm-up now runs before the listener opens, and a written
  batch of registrations is answered 16 at a time with the loop in between (docs/reliability.md).
- **Cold start and binary size.** Bytecode and an embedded sourcemap; PGlite's assets are embedded
  zstd-compressed (1.2 MB smaller than gzip, and faster to inflate) and inflated only when the embedded store
  opens. Cold start with Postgres + Redis was 93 ms on 2026-11-26 and 158–254 ms between runs on 2026-12-06:
  about 0.1 s of it was Ajv compiling its draft 2020-12 meta-schema at startup. Since 2026-12-07 the
  meta-schema validators are generated at build time (Ajv's standalone code, scripts/gen-meta-schemas.ts), and
  the startup step that compiled it takes 11–18 ms instead of 170–260 ms (both on a box at load 10, where hub
  CPU per start went from about 600 to 430–480 ms). Most of what remains is loading the bundle: in profiles of
  it, the MCP SDK's zod schemas are a quarter and @redis/client an eighth. Of the binary's 129.3 MB (target
  130 MB), 107.4 MB is the Bun runtime, 10.3 MB the bytecode (it saves about 140 ms of CPU per start) and
  3.2 MB the sourcemap.
`;
