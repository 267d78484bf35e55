#!/usr/bin/env bash
# Runs tests/server/python_client.py against a fresh orchestrator server.
# The Python packages (grpcio and friends, from PyPI) go into a virtual
# environment cached under ~/.cache/orc, so only the first run downloads.
#   python_client_test.sh ORCHESTRATOR SOURCE_DIR
set -euo pipefail
orchestrator=$1
source_dir=$2

venv=${ORC_CACHE_DIR:-$HOME/.cache/orc}/venv-grpc-client
requirements=(grpcio==1.66.2 grpcio-tools==1.66.2 grpcio-health-checking==1.66.2 grpcio-reflection==1.66.2)
if ! "$venv/bin/python" -c "import grpc_tools, grpc_health, grpc_reflection" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${requirements[@]}"
fi

work=$(mktemp -d)
server_pid=
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

mkdir "$work/generated"
"$venv/bin/python" -m grpc_tools.protoc -I "$source_dir/proto" --python_out="$work/generated" \
  --grpc_python_out="$work/generated" "$source_dir"/proto/*.proto

"$orchestrator" --listen 127.0.0.1:0 --ready-file "$work/ready" --log-level warn >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
  [[ -s "$work/ready" ]] && break
  kill -0 "$server_pid" 2>/dev/null || { echo "the server exited:"; cat "$work/server.log"; exit 1; }
  sleep 0.1
done
[[ -s "$work/ready" ]] || { echo "the server was not ready after 30 s"; exit 1; }

"$venv/bin/python" "$source_dir/tests/server/python_client.py" "$(cat "$work/ready")" "$work/generated"
