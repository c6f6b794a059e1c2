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
- **MCP.** Answering each session POST with an SSE stream costs about a third of the throughput in the SDK's
  transport (JSON answers reach about 10.5k calls/s in the same harness); stateless requests are answered in
  JSON but build a server per request (9.0k–10.5k calls/s between runs). Closing it: JSON answers for requests
  that need no stream, and a pooled server for stateless requests.
- **Audit on vs off.** Measured under sustained load (warm-up, then continuous windows; no pause lets the
  database catch up), on Postgres and on the embedded store. The relay hands each finished call to a
  preallocated ring (no object per call); the writer encodes batches off the hot path and COPYs them into
  PGlite on the store's worker thread, or INSERTs them on Postgres. Each row's note splits CPU per call between
  the hub process and the database (Postgres backends of that hub's database; the store's worker thread inside
  the hub for PGlite). On these two shared cores the database's CPU is taken from the relay either way; the
  hub-side cost of the audit is the difference of the two hub CPU figures. Not yet profiled with
  \`bun --cpu-prof\` on a quiet machine (this section is to be rewritten from that run).
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
  transaction), which brought 15,000 spokes from 21 s to about 8.5 s. Memory per spoke is Elysia's
  per-connection context (the upgrade's whole request context stays referenced by its handlers) plus the
  catalog's objects for ten operations. Closing it: handling /ws sockets on a lean per-socket state object.
- **Cold start and binary size.** Bytecode and an embedded sourcemap; PGlite's assets are embedded
  gzip-compressed and inflated only when the embedded store opens.
`;
