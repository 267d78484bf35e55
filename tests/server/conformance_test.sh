#!/usr/bin/env bash
# Conformance over gRPC: starts the orchestrator binary on a free loopback
# port, runs `orcsim conformance` against it, then stops it with SIGTERM and
# checks that it exits cleanly.
#   conformance_test.sh ORCHESTRATOR ORCSIM SOURCE_DIR
set -euo pipefail
orchestrator=$1
orcsim=$2
source_dir=$3

work=$(mktemp -d)
server_pid=
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid"; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$orchestrator" --listen 127.0.0.1:0 --ready-file "$work/ready" --log-level warn >"$work/server.log" 2>&1 &
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
echo "server ready on $address"

status=0
"$orcsim" conformance --scenarios "$source_dir/scenarios" --target "grpc://$address" || status=$?

# One run with a trace: the same trace hash through the server as in-process.
scenario=$source_dir/scenarios/mnist-fedavg.yaml
local_hash=$("$orcsim" run "$scenario" --seed 7 -q | awk '/^trace hash/ {print $3}')
remote_hash=$("$orcsim" run "$scenario" --seed 7 -q --target "grpc://$address" --channel trace-check \
  | awk '/^trace hash/ {print $3}')
if [[ -z "$local_hash" || "$local_hash" != "$remote_hash" ]]; then
  echo "trace hash differs: in-process '$local_hash', through the server '$remote_hash'"
  status=1
else
  echo "trace hash $local_hash in-process and through the server"
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
