#!/usr/bin/env bash
# Runs every scenario with `orcsim run --target postgres://...` and checks that
# its exit code and trace hash equal those of the in-process memory run of the
# same seed. Also checks how orcsim handles an unusable target.
# Usage: orcsim_postgres_test.sh ORCSIM SOURCE_DIR
# Needs ORC_TEST_POSTGRES_URL; exits 77 (skipped) without it. It uses the
# public schema of that database and deletes its orc rows.
# scenarios/large-fedavg.yaml runs only with ORC_TEST_POSTGRES_LARGE=1: it
# took 696 s on PostgreSQL on a busy 2-vCPU machine (3.5 s on the memory store).
set -uo pipefail
orcsim=${1:?usage: orcsim_postgres_test.sh ORCSIM SOURCE_DIR}
source_dir=${2:?usage: orcsim_postgres_test.sh ORCSIM SOURCE_DIR}
url=${ORC_TEST_POSTGRES_URL:-}
if [[ -z $url ]]; then
  echo "ORC_TEST_POSTGRES_URL is not set, so this test is skipped; scripts/test sets it"
  exit 77
fi
failures=0

# run_hash ARGS...: prints "<exit code> <trace hash>" of one quiet run.
run_hash() {
  local output status
  output=$("$orcsim" run -q "$@" 2>&1)
  status=$?
  echo "$status $(awk '/^trace hash/ {print $3}' <<<"$output")"
}

for scenario in "$source_dir"/scenarios/*.yaml; do
  name=$(basename "$scenario")
  if [[ $name == large-fedavg.yaml && ${ORC_TEST_POSTGRES_LARGE:-0} != 1 ]]; then
    echo "skip $name (set ORC_TEST_POSTGRES_LARGE=1 to run it)"
    continue
  fi
  memory=$(run_hash "$scenario")
  postgres=$(run_hash "$scenario" --target "$url" --reset-database)
  if [[ $memory != "$postgres" || $memory != *" "?* ]]; then
    echo "FAIL: $name: memory run gave '$memory', PostgreSQL run gave '$postgres' (exit code and trace hash)" >&2
    failures=$((failures + 1))
  else
    echo "ok   $name: $memory"
  fi
done

# The database now contains the last scenario's channel: a run without
# --reset-database is rejected before it starts.
scenario="$source_dir/scenarios/mnist-fedavg.yaml"
"$orcsim" run -q "$scenario" --target "$url" --reset-database >/dev/null 2>&1
output=$("$orcsim" run -q "$scenario" --target "$url" 2>&1)
status=$?
if [[ $status -ne 2 ]] || ! grep -q 'already contains data of channel "mychannel"; pass --reset-database' <<<"$output"; then
  echo "FAIL: a run on a used database exited $status: $output" >&2
  failures=$((failures + 1))
fi

output=$("$orcsim" run -q "$scenario" --target "mysql://localhost/orc" 2>&1)
status=$?
if [[ $status -ne 2 ]] || ! grep -q 'unsupported target "mysql://localhost/orc"' <<<"$output"; then
  echo "FAIL: an unknown target exited $status: $output" >&2
  failures=$((failures + 1))
fi

# Port 1 on loopback: nothing listens there.
output=$("$orcsim" run -q "$scenario" --target "postgresql://orc:secret@127.0.0.1:1/orc" 2>&1)
status=$?
if [[ $status -ne 2 ]] || ! grep -q 'cannot connect\|connect to' <<<"$output" || grep -q secret <<<"$output"; then
  echo "FAIL: an unreachable database exited $status or showed the password: $output" >&2
  failures=$((failures + 1))
fi

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
