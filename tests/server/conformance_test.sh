#!/usr/bin/env bash
# Conformance through the server: starts the orchestrator binary on a free
# loopback port, runs `orcsim conformance` against it, checks that one run
# has the same trace hash as in-process, then stops the server with SIGTERM
# and checks that it exits cleanly.
#   conformance_test.sh ORCHESTRATOR ORCSIM SOURCE_DIR [memory|postgres]
# With `postgres`, the server keeps its assets in a new database of the
# cluster at ORC_TEST_POSTGRES_URL, and large-fedavg is skipped: it takes
# about 12 minutes on PostgreSQL. Exits 77 (skipped) when that URL is unset.
set -euo pipefail
orchestrator=$1
orcsim=$2
source_dir=$3
store=${4:-memory}

work=$(mktemp -d)
server_pid=
database=
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid"; fi
  if [[ -n "$database" ]]; then psql -q "$ORC_TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $database" >/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT

server_args=(--listen 127.0.0.1:0 --ready-file "$work/ready" --log-level warn)
conformance_args=()
if [[ $store == postgres ]]; then
  if [[ -z "${ORC_TEST_POSTGRES_URL:-}" ]]; then
    echo "ORC_TEST_POSTGRES_URL is not set: start a cluster with scripts/pg-cluster start"; exit 77
  fi
  database=orc_conformance_$$
  psql -q "$ORC_TEST_POSTGRES_URL" -c "CREATE DATABASE $database" >/dev/null
  server_args+=(--database "${ORC_TEST_POSTGRES_URL%/*}/$database")
  conformance_args+=(--exclude large-fedavg)
fi

"$orchestrator" "${server_args[@]}" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
  [[ -s "$work/ready" ]] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the server exited before it was ready:"; cat "$work/server.log"; exit 1
  fi
  sleep 0.1
done
[[ -s "$work/ready" ]] || { echo "the server was not ready after 30 s"; cat "$work/server.log"; exit 1; }
address=$(cat "$work/ready")
echo "server ready on $address ($store store)"

status=0
"$orcsim" conformance --scenarios "$source_dir/scenarios" --target "grpc://$address" \
  "${conformance_args[@]}" || status=$?

# One run with a trace: the same trace hash through the server as in-process.
scenario=$source_dir/scenarios/mnist-fedavg.yaml
local_hash=$("$orcsim" run "$scenario" --seed 7 -q | awk '/^trace hash/ {print $3}')
remote_hash=$("$orcsim" run "$scenario" --seed 7 -q --target "grpc://$address" --channel "trace-check-$$" \
  | awk '/^trace hash/ {print $3}')
if [[ -z "$local_hash" || "$local_hash" != "$remote_hash" ]]; then
  echo "trace hash differs: in-process '$local_hash', through the server '$remote_hash'"
  status=1
else
  echo "trace hash $local_hash in-process and through the server"
fi

# A rerun on a used channel, and an unreachable server, stop before the run.
rerun_status=0
rerun=$("$orcsim" run "$scenario" --seed 7 -q --target "grpc://$address" --channel "trace-check-$$" 2>&1) \
  || rerun_status=$?
if [[ $rerun_status -ne 2 ]] || ! grep -q 'already holds 3 organisations from an earlier run' <<<"$rerun"; then
  echo "a rerun on a used channel exited $rerun_status: $rerun"
  status=1
fi
unreachable_status=0
unreachable=$("$orcsim" run "$scenario" -q --target grpc://127.0.0.1:1 2>&1) || unreachable_status=$?
if [[ $unreachable_status -ne 2 ]] || ! grep -q 'cannot reach the server at grpc://127.0.0.1:1' <<<"$unreachable"; then
  echo "a run against a closed port exited $unreachable_status: $unreachable"
  status=1
fi

kill -TERM "$server_pid"
for _ in $(seq 1 300); do
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$server_pid" 2>/dev/null; then
  echo "the server did not stop within 30 s of SIGTERM"; exit 1
fi
server_status=0
wait "$server_pid" || server_status=$?
server_pid=
if [[ $server_status -ne 0 ]]; then
  echo "the server exited with status $server_status after SIGTERM:"; tail -20 "$work/server.log"; exit 1
fi
if grep -q -E " (error|critical) " "$work/server.log"; then
  echo "the server logged errors:"; grep -E " (error|critical) " "$work/server.log" | head -20; exit 1
fi
exit $status
