#!/usr/bin/env bash
# Crash test of the server on PostgreSQL: plays tests/server/data/crash-fedavg.yaml
# through the orchestrator binary, kills the server with SIGKILL several
# times while the scenario runs and restarts it on the same address and
# database each time. orcsim waits for the server to come back
# (--wait-for-server) and retries the calls the kills cut off, checking
# whether their first attempt was applied. The test then requires that:
#   - orcsim exits 0: the plan finished, the expectations are met and no
#     invariant broke (--check-invariants, read through the server);
#   - the state digest of the channel equals the in-process run's with the
#     same seed, so no request that returned OK was lost and none was
#     applied twice or in part;
#   - some calls failed with OE0900 (in the trace, or reads of the invariant
#     checker), so the kills cut off calls in flight.
#
#   crash_test.sh ORCHESTRATOR ORCSIM SOURCE_DIR
# ORC_CRASH_KILLS sets the number of kills (default 4). Exits 77 (skipped)
# when ORC_TEST_POSTGRES_URL is unset.
set -euo pipefail
orchestrator=$1
orcsim=$2
source_dir=$3
kills=${ORC_CRASH_KILLS:-4}

if [[ -z "${ORC_TEST_POSTGRES_URL:-}" ]]; then
  echo "ORC_TEST_POSTGRES_URL is not set: start a cluster with scripts/pg-cluster start"; exit 77
fi

work=$(mktemp -d)
server_pid=
orcsim_pid=
database=
cleanup() {
  if [[ -n "$orcsim_pid" ]] && kill -0 "$orcsim_pid" 2>/dev/null; then kill -KILL "$orcsim_pid"; fi
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ -n "$database" ]]; then psql -q "$ORC_TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $database" >/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT

scenario=$source_dir/tests/server/data/crash-fedavg.yaml

# The reference: the same scenario and seed in-process.
"$orcsim" run "$scenario" -q --digest --trace "$work/local.trace" >"$work/local.out"
local_digest=$(awk '/^state digest/ {print $3}' "$work/local.out")
total_lines=$(wc -l <"$work/local.trace")
echo "in-process run: $total_lines calls, state digest $local_digest"

database=orc_crash_$$
psql -q "$ORC_TEST_POSTGRES_URL" -c "CREATE DATABASE $database" >/dev/null
database_url=${ORC_TEST_POSTGRES_URL%/*}/$database
# A fixed port, so that the restarted server listens where orcsim connects.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
address=127.0.0.1:$port

# Starts the server and waits until it is ready. Its log goes to server.log.
start_server() {
  rm -f "$work/ready"
  echo "---- start" >>"$work/server.log"
  "$orchestrator" --listen "$address" --database "$database_url" --ready-file "$work/ready" --log-level info \
    >>"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 300); do
    [[ -s "$work/ready" ]] && return 0
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "the server exited before it was ready:"; tail -20 "$work/server.log"; exit 1
    fi
    sleep 0.1
  done
  echo "the server was not ready after 30 s"; tail -20 "$work/server.log"; exit 1
}

start_server
echo "server ready on $address, database $database"

"$orcsim" run "$scenario" -q --target "grpc://$address" --wait-for-server 60 --check-invariants --digest \
  --trace "$work/remote.trace" >"$work/remote.out" 2>&1 &
orcsim_pid=$!

# Kill i happens once the trace has i / (kills + 1) of the in-process run's
# lines, plus a random delay of up to 300 ms. orcsim writes its trace through
# a buffer, so the count jumps when the buffer is flushed, during a call of
# an agent. Without the delay every kill lands at the same point after that
# call.
for i in $(seq 1 "$kills"); do
  threshold=$((total_lines * i / (kills + 1)))
  while [[ ! -f "$work/remote.trace" || $(wc -l <"$work/remote.trace") -lt $threshold ]]; do
    if ! kill -0 "$orcsim_pid" 2>/dev/null; then
      echo "orcsim ended before kill $i (at $threshold trace lines):"; cat "$work/remote.out"; exit 1
    fi
    sleep 0.05
  done
  delay_ms=$((RANDOM % 300))
  sleep "$(printf '0.%03d' "$delay_ms")"
  kill -KILL "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  echo "kill $i: server killed at $(wc -l <"$work/remote.trace") trace lines, $delay_ms ms after the threshold"
  sleep 0.5  # calls made now wait for the server
  start_server
done

status=0
wait "$orcsim_pid" || status=$?
orcsim_pid=
cat "$work/remote.out"

failed=0
if [[ $status -ne 0 ]]; then
  echo "orcsim exited with status $status across the restarts"
  failed=1
fi

remote_digest=$(awk '/^state digest/ {print $3}' "$work/remote.out")
if [[ -z "$local_digest" || "$local_digest" != "$remote_digest" ]]; then
  echo "state digest differs: in-process '$local_digest', through the restarted server '$remote_digest'"
  failed=1
else
  echo "state digest $local_digest in-process and through the restarted server"
fi

# A kill cuts off the call in flight, if any: a call of the agents (in the
# trace) or a read of the invariant checker (counted in the summary).
traced_cut_off=$(grep -c ' OE0900$' "$work/remote.trace" || true)
checker_cut_off=$(sed -n 's/^invariants .*(\([0-9]*\) reads retried after OE0900)$/\1/p' "$work/remote.out")
echo "calls cut off by the kills and retried: $traced_cut_off in the trace, ${checker_cut_off:-?} of the invariant checker"
if [[ $((traced_cut_off + ${checker_cut_off:-0})) -eq 0 ]]; then
  echo "no call failed with OE0900: the kills did not hit a call in flight"
  failed=1
fi

starts=$(grep -c '^---- start' "$work/server.log")
if [[ $starts -ne $((kills + 1)) ]]; then
  echo "the server started $starts times, expected $((kills + 1))"
  failed=1
fi
if [[ $failed -ne 0 ]]; then
  echo "last lines of the server log:"; tail -20 "$work/server.log"
fi
exit $failed
