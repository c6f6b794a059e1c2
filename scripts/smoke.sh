#!/usr/bin/env bash
# Smoke test of the compiled binary as a user would run it: copied alone into an empty directory, run as uid
# 65532 (distroless "nonroot") with an empty environment: `init`, `serve`, /health reaches ok, `alkhub health`
# exits 0, SIGTERM exits 0. Usage: scripts/smoke.sh dist/alkhub
set -euo pipefail
binary=$(realpath "${1:-dist/alkhub}")
dir=$(mktemp -d)
pid=""
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; rm -rf "$dir"' EXIT
cp "$binary" "$dir/alkhub"
chown -R 65532:65532 "$dir"
as_nonroot() { (cd "$dir" && setpriv --reuid=65532 --regid=65532 --clear-groups env -i "$@"); }

as_nonroot ./alkhub version
as_nonroot ./alkhub init >"$dir/init.out"
grep -q "alk_" "$dir/init.out" || { echo "smoke: init printed no admin key"; exit 1; }
port=$(node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
(cd "$dir" && exec setpriv --reuid=65532 --regid=65532 --clear-groups env -i ./alkhub serve --port "$port" >"$dir/serve.log" 2>&1) &
pid=$!
for _ in $(seq 1 200); do
  if as_nonroot ./alkhub health --url "http://127.0.0.1:$port" >/dev/null 2>&1; then break; fi
  kill -0 "$pid" 2>/dev/null || { echo "smoke: hub exited early"; cat "$dir/serve.log"; exit 1; }
  sleep 0.1
done
as_nonroot ./alkhub health --url "http://127.0.0.1:$port"
# The hub executed itself again with its allocator setting (src/allocator.ts), keeping its pid.
if ! tr '\0' '\n' <"/proc/$pid/environ" | grep -qx 'MIMALLOC_PURGE_DELAY=-1'; then
  echo "smoke: the hub runs without MIMALLOC_PURGE_DELAY=-1"; exit 1
fi
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
if [ "$status" != 0 ]; then echo "smoke: SIGTERM exit status $status"; cat "$dir/serve.log"; exit 1; fi
echo "smoke: ok (init, serve, /health ok, allocator setting, alkhub health 0, SIGTERM 0)"
