#!/usr/bin/env bash
# Checks orcsim's exit codes and messages as a user sees them.
# Usage: orcsim_cli_test.sh ORCSIM SOURCE_DIR
set -uo pipefail
orcsim=${1:?usage: orcsim_cli_test.sh ORCSIM SOURCE_DIR}
source_dir=${2:?usage: orcsim_cli_test.sh ORCSIM SOURCE_DIR}
data="$source_dir/tests/sim/data"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
passed=0

# expect CODE PATTERN COMMAND...: runs COMMAND, checks its exit code and that
# its output (stdout and stderr) matches the extended regex PATTERN.
expect() {
  local code=$1 pattern=$2
  shift 2
  local output status
  output=$("$@" 2>&1)
  status=$?
  if [[ $status -ne $code ]]; then
    echo "FAIL: '$*' exited $status, expected $code" >&2
    echo "$output" | sed 's/^/    /' >&2
    failures=$((failures + 1))
  elif ! grep -Eq -- "$pattern" <<<"$output"; then
    echo "FAIL: '$*' output does not match /$pattern/" >&2
    echo "$output" | sed 's/^/    /' >&2
    failures=$((failures + 1))
  else
    passed=$((passed + 1))
  fi
}

expect 0 'valid scenario' "$orcsim" check "$source_dir/scenarios/mnist-fedavg.yaml"
expect 2 'unknown-key\.yaml:8:5: data\[0\]\.sample: unknown key' "$orcsim" check "$data/unknown-key.yaml"
expect 2 'unknown-key\.yaml:8:5' "$orcsim" run "$data/unknown-key.yaml"
expect 2 'explicit-cycle\.yaml:[0-9]+:[0-9]+: plan\.tasks\[[0-9]+\]: .*cycle' "$orcsim" run "$data/explicit-cycle.yaml"
expect 2 'undefined-organization\.yaml:[0-9]+:[0-9]+: ' "$orcsim" check "$data/undefined-organization.yaml"
expect 2 'syntax-error\.yaml:[0-9]+:[0-9]+' "$orcsim" check "$data/syntax-error.yaml"
expect 2 'missing\.yaml: failed to open' "$orcsim" run "$work/missing.yaml"
expect 2 'scenario is required' "$orcsim" run
expect 2 'invalid --seed "not-a-number"' "$orcsim" run "$source_dir/scenarios/mnist-fedavg.yaml" --seed not-a-number
expect 2 'invalid --seed "-1"' "$orcsim" run "$source_dir/scenarios/mnist-fedavg.yaml" --seed -1
expect 2 'invalid --seed "9223372036854775808"' "$orcsim" run "$source_dir/scenarios/mnist-fedavg.yaml" --seed 9223372036854775808
expect 0 'seed 9223372036854775807' "$orcsim" run -q "$source_dir/scenarios/mnist-fedavg.yaml" --seed 9223372036854775807
# Output paths are checked before the run.
expect 2 '^orcsim: cannot create report folder .*: Not a directory$' \
  "$orcsim" run -q "$source_dir/scenarios/mnist-fedavg.yaml" --report "$source_dir/scenarios/mnist-fedavg.yaml"
expect 2 '^orcsim: cannot write trace file .*: No such file or directory$' \
  "$orcsim" run -q "$source_dir/scenarios/mnist-fedavg.yaml" --trace "$work/missing/trace.txt"
report_output=$("$orcsim" run -q "$source_dir/scenarios/mnist-fedavg.yaml" --report "$source_dir/scenarios/mnist-fedavg.yaml" 2>&1)
grep -q 'plan status' <<<"$report_output" && { echo "FAIL: the run started despite a bad report path" >&2; failures=$((failures + 1)); } \
  || passed=$((passed + 1))
# A run cut short by max_virtual_seconds reports it.
sed 's/^expect:/max_virtual_seconds: 100\nexpect:/' "$source_dir/scenarios/cyclic.yaml" > "$work/short.yaml"
expect 1 'run            stopped at max_virtual_seconds \(100\.000000 s\)' "$orcsim" run -q "$work/short.yaml"

# A run that meets its expectations, with a trace and a report.
expect 0 'expectations   met' "$orcsim" run -q "$source_dir/scenarios/mnist-fedavg.yaml" \
  --trace "$work/trace.txt" --report "$work/report"
[[ -s "$work/trace.txt" && -s "$work/report/summary.json" && -s "$work/report/performance.png" ]] \
  && passed=$((passed + 1)) || { echo "FAIL: trace or report files missing" >&2; failures=$((failures + 1)); }
grep -q '"plan_status": "done"' "$work/report/summary.json" \
  && passed=$((passed + 1)) || { echo "FAIL: summary.json lacks the plan status" >&2; failures=$((failures + 1)); }

# Unmet expectations: exit code 1, and the summary lists them.
sed 's/tasks: {done: 35}/tasks: {done: 34}/' "$source_dir/scenarios/mnist-fedavg.yaml" > "$work/unmet.yaml"
expect 1 'tasks\.done: expected 34, got 35' "$orcsim" run -q "$work/unmet.yaml"

# The trace hash printed by two runs with the same seed is the same.
first=$("$orcsim" run -q "$source_dir/scenarios/composite.yaml" | grep 'trace hash')
second=$("$orcsim" run -q "$source_dir/scenarios/composite.yaml" | grep 'trace hash')
[[ -n "$first" && "$first" == "$second" ]] && passed=$((passed + 1)) \
  || { echo "FAIL: trace hashes differ: '$first' / '$second'" >&2; failures=$((failures + 1)); }

# --digest prints the golden digest of the scenario, and --check-invariants
# finds nothing on a correct core.
golden=$(awk '$1 == "mnist-fedavg.yaml" {print $2}' "$source_dir/scenarios/golden-digests.txt")
expect 0 "^state digest   $golden\$" "$orcsim" run -q "$source_dir/scenarios/mnist-fedavg.yaml" --digest
expect 0 'expectations   met' "$orcsim" run -q "$source_dir/scenarios/mnist-fedavg.yaml" --check-invariants
# --wait-for-server applies to servers only, and takes a non-negative number of seconds.
expect 2 '^orcsim: --wait-for-server needs a grpc:// target$' \
  "$orcsim" run -q "$source_dir/scenarios/mnist-fedavg.yaml" --wait-for-server 5
expect 2 'wait-for-server' "$orcsim" run -q "$source_dir/scenarios/mnist-fedavg.yaml" --wait-for-server -1

echo "orcsim CLI: $passed passed, $failures failed"
[[ $failures -eq 0 ]]
