/**
 * The "what limits each figure" section of docs/benchmarks.md: what the profiles and the measurements behind
 * the figures showed, kept beside the generator so the analysis travels with the numbers.
 */
export const LIMITS_SECTION = `## What limits each figure

Everything runs on one 2-core machine: the hub, the raw relay, the load generator and the spoke processes,
Postgres and Redis share the same two cores, so every figure is a whole-box figure.

This run (2026-12-07 night, sixth session, at b3a4f62) is on the same AMD EPYC box as the fifth session's run (at
f8218e8, 23 of 39 targets met), whose figures this paragraph used to give, in a slower moment of the host: the
raw relay did 3.8k calls/s at one call in flight against 6.6k then, and the first embedded start took 3.5 s
against 2.4 s. The hub's code did not change between the two runs (this session changed only the bench's bridge
row and the raw relay's \`hub.register\` answer), so the rows that moved, moved with the host and the ratios with
it: met here and missed there, relay throughput at 64 in flight on one connection (0.74 → 0.91×), the relay p50
at 1 in flight (1.27 → 1.10×) and the p99 at 64 in flight (2.49 → 1.85× on one connection, 2.08 → 1.88× on
eight); missed here and met there, cross-instance at 64 in flight (0.53 → 0.49×), 15,000 registrations (9.0 →
11.7 s), the three cold starts (131 → 165 ms with Postgres and Redis) and the reconnect storm's slowest
\`/health\` answer (22 → 40 ms). The rows with absolute
targets that miss on these boxes (hub.call over /mcp with one session per client, 10.6k calls/s here against
15,000; the cross-instance p50; RSS per spoke; the cold starts) are discussed below;
on the Intel box of the second session the relay, MCP, registration and startup code met the absolute ones:
hub.call over /mcp 20.7k / 22.1k calls/s, cross-instance p50 227 µs, 15,000 registrations in 8.6 s, reconnect
storm 31 ms, cold start 141 ms (reopening an embedded data dir: 531 ms, first embedded start 2.5 s).

- **Relay throughput and CPU per call.** Since 2026-12-07 (second session) a /ws connection's frames that leave
  in the same turn of the event loop are corked into one write (\`http/coalescing-socket.ts\`): \`bun --cpu-prof\`
  of the hub at 64 calls in flight had put about half its sampled time in the native \`send\` — one system call
  per frame, because Bun corks only the socket whose callback is running and a relay writes to the other one.
  Back to back against the build before, on an Intel box where the raw relay took 8 µs per call: 64 in flight
  43.6–44.4k → 58.4–61.8k calls/s, hub CPU per call 14.7–14.8 → 11.7–11.8 µs. What limited the rows after that
  was the call audit: the same build with \`audit.enabled: false\` relayed 0.93× raw at 64 in flight with p99
  1.5× raw on that box, and 0.61–0.68× with it on. On 2026-12-07 (third session) the audit got cheaper on both
  sides of it (Audit on vs off below): on Postgres each batch is a COPY again (the backend's CPU per audited
  call 12 → 5–6 µs), and the hub encodes each row straight from the ring with ids of its own (about 1 µs a row
  instead of 1.2–1.4 µs plus \`Bun.randomUUIDv7\`). This run, on an AMD EPYC box where the raw relay takes
  20–26 µs per call (system calls cost more here; on the Intel box of the day before it took 8), meets every
  relay row, Postgres and embedded alike. The ratios move with the machine: the build before these changes
  measured 0.61–0.66× raw throughput and 1.43–1.56× CPU per call on the Intel box, where the hub's own
  JavaScript weighs more. Earlier (profiled with \`perf\` on 2026-12-07 on an AMD box): a fifth of the hub's
  samples were the allocator handing memory back to the kernel and taking it again (\`madvise\`, page faults,
  TLB shootdowns); the hub runs with purging off (\`MIMALLOC_PURGE_DELAY=-1\`, set by the hub itself:
  src/allocator.ts, docs/operations.md), which took hub CPU per call from 47–58 to 24–33 µs on that box. The raw
  relay keeps Bun's default, as the baseline is defined; run with the same setting it used 20–21 instead of
  21–27 µs per call there, so part of that gain is the runtime's. The cost is memory (see Spokes held).
- **Latency at 1 in flight.** p50 is within 1.2× of raw (0.98× in the afternoon run of 2026-12-07, 1.20× in
  this one); p99 moves between 1.3× and 2.9× from run to run, depending on how four processes land on two
  cores. On this evening's faster host a first full run missed p50 at 1.37×; this session's build and e1fdc8f,
  run back to back (\`relay.ts --in-flight 1 --connections 1\`, twice each), measured 1.32× / 1.32× and
  1.55× / 1.49×: the host, not a change. The raw relay's p50 fell to 93–118 µs there while the hub's stayed at
  136–156 µs.
- **Cross-instance calls.** Five processes and Redis on two cores; each call is two instance messages plus the
  relay work on both instances (acks are batched and only sent for calls still unanswered after
  \`remoteAckMs / 4\`). Since 2026-12-07 the messages to one instance within one turn of the event loop go out
  as one PUBLISH (docs/cluster.md), and with the allocator setting above 64 in flight went from 0.28–0.29× to
  0.50–0.52× raw on the AMD box (back to back against the build before). On the Intel box of the next run the
  absolute figure doubled (33–35k calls/s) but the raw relay tripled: 0.35–0.39×. There the instance holding
  the spoke spends a third of its sampled time writing to the Redis socket (node-redis already corks its writes
  per turn) and the caller's instance an eighth parsing frames. The p50 at 1 in flight is the Redis round trip
  plus two relays.
- **MCP.** Requests that need no stream are answered in JSON, with and without a session (the rows' notes say
  \`answered as application/json\`), on a fast path that builds no SDK server or transport. \`bun --cpu-prof\` of
  the hub under the 50 clients (2026-12-07) put a third of its sampled time in the ReadableStream machinery of
  reading each request body through a stream reader, and 3% in looking up the socket's peer address for every
  request: a body with a declared \`Content-Length\` within the limit is now read natively (\`request.text()\`),
  and the address is looked up only when it is used (a failed authentication, a call without a session). Back
  to back: 11.4k / 12.0k → 17.3k / 18.5k calls/s with sessions / stateless, then 19.8k / 19.9k with the
  coalescing socket. What is left per request: the send to the spoke, the audit row, Elysia's request context,
  the key check (a SHA-256 of the key and a cache lookup).
- **One MCP tool call at 1 in flight** (hub 1.15–1.24× the same tool served by the SDK directly on the AMD box,
  1.43–1.46× on the Intel one: 166–176 µs against 118–121 µs): the hub's path is two hops (HTTP into the hub,
  then the spoke's WebSocket) where the direct server has one, and at one call at a time every hop is a wake-up
  of a process; where system calls are cheap, the hub's own per-request work (Elysia's request context and
  hooks, the key check, the relay, the JSON answer) weighs more. Since 2026-12-07 (third session) each row's
  note gives the CPU per call of the hub, its spoke and the SDK server. On the AMD box, three runs after the one
  above: the SDK server 80–113 µs of CPU per call, the hub 121–208 µs, the spoke 46–56 µs. \`perf\` of the
  compiled hub at 1 in flight: 41% of its samples in the kernel (a quarter in the paravirtualized
  interrupt-enable path of its wake-ups: about 2.5 context switches per call),
  45% in the runtime's native code, 10% in JIT-compiled JavaScript; so at one call at a time the hub's extra
  hop and its wake-ups, not its JavaScript, set the gap. Between hub.call and the direct tool the hub's CPU per
  call swung either way from run to run (182 / 122, 146 / 150, 121 / 149 µs): no cost of hub.call's own.
- **Bridge.** Four processes (caller, hub, bridge, the stdio server) against the direct path's two, on two cores.
  The row's note gives every process's CPU per call from /proc and two reference paths measured in the same
  alternating windows: the same caller through the hub to an SDK spoke (\`scripts/bench/load/sdk-spoke.ts\`), and,
  since the sixth session, the same bridge behind the raw relay in the hub's place. In this run: direct 18,600
  calls/s at 63 µs of CPU a call (client 29 + server 34); the relay alone 22,044 at 61 µs (caller 16, hub 28,
  spoke 16); bridged 9,098 (0.49×) at 160 µs (caller 24, hub 40, bridge 52, server 43), 1.46 cores busy; bridged
  through the raw relay 9,418 (0.51×) at 162 µs. So the hub keeps 0.97× of what the smallest possible relay
  gives the bridged path (0.92× and 0.97× in two runs of \`bun scripts/bench/bridge.ts\`): what the hub adds is not
  what stands between 0.5× and 0.8×. The bridge is an SDK spoke plus an MCP client, so the bridged path does the
  relay's work and the direct path's; even a relay that cost nothing would leave caller, bridge and server at
  119 µs a call against the direct path's 63. And on this box a chain of processes passing messages does not use
  the second core: pinned to one (\`taskset -c 0 bun scripts/bench/bridge.ts\`, two runs back to back with two
  unpinned), the direct path did 24.6k and 25.1k calls/s and the relay 23.7k and 26.9k — as much as on two cores
  (22.2k and 21.0k; relay 22.5k and 21.2k), where each process's CPU per call rose by about 40% — so throughput
  follows the sum of CPU per call along the path, and the bridged path's is the direct one's plus a relay's:
  about 0.5× at best, as measured (0.35–0.36× pinned, 0.42–0.49× on two cores). The 0.8× target is out of reach
  on two cores with any relay between caller and bridge; docs/upstreams.md › Cost has the figures. More in flight
  helps the direct path as much (0.39× at 4 and at 64, 0.41× at 256: \`--concurrency\`). Since 2026-12-07
  (fourth session) the bridge writes the requests of one turn of the event loop to the child in one write
  (\`src/bridge/child-stdio-transport.ts\`) and its replies to the hub share WebSocket messages (the
  \`alkhub.v1.batch\` subprotocol): 0.40× → 0.44× back to back against e1fdc8f. About 15% of the bridge's samples
  are zod (the MCP SDK's client checks each answer against its JSON-RPC schemas, then the result schema) and a
  third the native WebSocket and pipe writes (\`bun --cpu-prof\` of the bridge under this load). The p50 overhead
  (+180 to +250 µs) is within the target.
- **Audit on vs off.** Measured under sustained load (warm-up, then continuous windows; no pause lets the
  database catch up), on Postgres and on the embedded store. The relay hands each finished call to a
  preallocated ring (no object per call); the writer encodes each row once, as COPY text, straight from the
  ring (its ids from a UUIDv7 source that makes one per two string concatenations), and writes each batch with
  one COPY: in the store's worker thread for PGlite, on a connection of its own for Postgres
  (\`src/store/postgres-copy.ts\`). Postgres's own CPU per row, 5,000-row batches (\`scripts/bench/audit-insert.ts\`,
  AMD box, 2026-12-07): COPY 5.3–6.1 µs; an INSERT that splits the same text in SQL 8–12 µs (the fallback that
  skips duplicate ids); the JSON arrays read with \`jsonb_array_elements\` used until that day 10.8–12 µs — an
  INSERT … SELECT writes its rows one by one, COPY a page at a time. COPY had been kept off Postgres because a
  refused COPY hung; the cause is a postgres.js bug (porsager/postgres#1173: the writable of a COPY refused after
  its data was sent never settled), patched in \`patches/\` until a release carries the fix. Back to back
  against the build before (\`audit-on-off.ts --stores postgres\`, same box): backends' CPU per call 12 → 5 µs,
  on ÷ off 0.79× → 0.83× (embedded, with the encoding change alone: 0.73× → 0.82×). In this run: 0.77×
  (Postgres) and 0.76× (embedded), the audit-off hubs swinging 27–40k calls/s between windows. What is left:
  on Postgres the backend's 5–6 µs per call and 2–5 µs of the hub process (encoding about 1 µs, handing 700 KB
  batches to the driver and its socket 1–2 µs, their garbage) on two cores that also run the load and the
  spoke; on PGlite its COPY, 9–14 µs per row in the store's worker thread (WebAssembly), inside the hub process.
  Closing the rest needs the database's work off the relay's cores (Postgres on its own host, as deployed).
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
  transaction), which brought 15,000 spokes from 21 s to about 8.5 s on 2026-11-26. On 2026-12-07 (second
  session) \`bun --cpu-prof\` of a registration storm (\`scripts/bench/spokes-heap.ts\`, the fleet under one key)
  put 40% of the hub's sampled time in the registration meter's per-key schema budget, which added up the bytes
  of every spoke the key held on each registration — quadratic in a key's spokes. It keeps a running total now:
  back to back, 10.46 → 8.10 s for 15,000 spokes and 22.4 → 19.5 KB of RSS per spoke (less garbage in the
  burst); what is left is spread over Drizzle's insert builder, the catalog index and the collector. On 2026-12-06 runs took
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
  does, the figure swings with the timing of the last collection. With the allocator's purging off (Relay
  throughput above) that memory is not returned at all: 5,000 spokes, back to back, 27.3 KB a spoke with Bun's
  default and 38.7 KB with purging off; 21.8–21.9 KB at 15,000 in both full runs of 2026-12-07. The setting
  trades this memory for CPU on every call; an operator who holds many spokes and few calls can set
  \`MIMALLOC_PURGE_DELAY=100\` (docs/operations.md). Closing it: less garbage per registration (the Drizzle multi-row upsert
  and its RETURNING rows, a child logger per log line, schema text serialised three times), and fewer
  long-lived cells per spoke (one published-name string per operation). Until 2026-12-06 this bench ran into the
  per-key limits instead (64 connections a key); the fleet's key now gets ceilings above the fleet, as an
  operator of such a fleet would set.
- **Reconnect storm.** The slowest \`/health\` answer of a round is set by what runs on the event loop when the
  fleet's registrations land: the schema compiler's warm-up now runs before the listener opens, and a written
  batch of registrations is answered 16 at a time with the loop in between (docs/reliability.md). On
  2026-12-07 every startup and registration figure was about twice the day before's for both builds (141 ms for
  the slowest answer, all back in 2.7 s; 15,000 spokes registered in 16.5 s instead of 9.6 s), the box's own
  speed that day, not the build: the build before, measured back to back, started no faster.
- **Cold start and binary size.** Bytecode and an embedded sourcemap; PGlite's assets are embedded
  zstd-compressed (1.2 MB smaller than gzip, and faster to inflate) and inflated only when the embedded store
  opens. Cold start with Postgres + Redis was 93 ms on 2026-11-26 and 158–254 ms between runs on 2026-12-06:
  about 0.1 s of it was Ajv compiling its draft 2020-12 meta-schema at startup. Since 2026-12-07 the
  meta-schema validators are generated at build time (Ajv's standalone code, scripts/gen-meta-schemas.ts), and
  the startup step that compiled it takes 11–18 ms instead of 170–260 ms (both on a box at load 10, where hub
  CPU per start went from about 600 to 430–480 ms). Most of what remains is loading the bundle: in profiles of
  it, the MCP SDK's zod schemas are a quarter and @redis/client an eighth. Of the binary's 129.3 MB (target
  130 MB), 107.4 MB is the Bun runtime, 10.3 MB the bytecode (it saves about 140 ms of CPU per start) and
  3.2 MB the sourcemap. A \`serve\` or \`bridge\` started without the allocator setting executes itself again
  once (src/allocator.ts); the bundle is split so that the first start loads only a tiny entry chunk, which costs
  about 15–20 ms (\`serve --help\`: 127–139 ms against 107–121 ms with the variable already set; unsplit it was
  45 ms). On 2026-12-07 cold starts were 357–421 ms (Postgres + Redis) on a box where the build before this
  session's changes took 436–474 ms back to back: that day's box, not the build, missed the target; on the
  Intel box of the day's second run they were 137–141 ms (met) and reopening an embedded data dir 452–531 ms.
`;
