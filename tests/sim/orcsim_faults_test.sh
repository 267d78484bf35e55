#!/usr/bin/env bash
# Checks orcsim explore, shrink and replay as a user runs them, with and
# without the core's planted promotion bug, and plays every regression
# scenario of tests/regressions.
# Usage: orcsim_faults_test.sh ORCSIM SOURCE_DIR
set -uo pipefail
orcsim=${1:?usage: orcsim_faults_test.sh ORCSIM SOURCE_DIR}
source_dir=${2:?usage: orcsim_faults_test.sh ORCSIM SOURCE_DIR}
mnist="$source_dir/scenarios/mnist-fedavg.yaml"
bug=(--test-fault promote_on_any_parent_done)
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

# explore: clean core with every fault, then the planted bug.
expect 0 'explored 30 seeds .*: 0 failed' "$orcsim" explore "$mnist" --seeds 30 --all-faults
expect 1 'is TODO while a parent is not DONE' "$orcsim" explore "$mnist" --seeds 2 --all-faults "${bug[@]}" \
  --traces "$work/traces"
expect 2 'unknown --test-fault "no_such_fault"' "$orcsim" explore "$mnist" --seeds 1 --test-fault no_such_fault
expect 2 'not an integer|--seeds' "$orcsim" explore "$mnist" --seeds zero

# replay: a failing seed's trace plays again identically, and still fails.
expect 1 'replayed [0-9]+ trace lines of seed 1: identical' "$orcsim" replay "$work/traces/seed-1.trace"
sed '$ s/ OK$/ OE0003/' "$work/traces/seed-1.trace" >"$work/changed.trace"
expect 3 'diverges at trace line' "$orcsim" replay "$work/changed.trace"
expect 2 'not an orcsim trace file' "$orcsim" replay "$mnist"

# shrink: the planted bug reduces to at most 20 API calls, in a scenario
# that fails only with the bug.
expect 0 'written' "$orcsim" shrink "$mnist" --seed 1 --all-faults "${bug[@]}" -o "$work/shrunk.yaml"
calls=$(grep -Eo 'after [0-9]+ API calls' "$work/shrunk.yaml" | grep -Eo '[0-9]+')
if [[ -z "$calls" || "$calls" -gt 20 ]]; then
  echo "FAIL: the shrunk scenario needs '${calls:-?}' API calls, expected at most 20" >&2
  failures=$((failures + 1))
else
  passed=$((passed + 1))
fi
expect 0 'valid scenario' "$orcsim" check "$work/shrunk.yaml"
expect 1 'is TODO while a parent is not DONE' "$orcsim" explore "$work/shrunk.yaml" --seeds 1 "${bug[@]}"
expect 0 '0 failed' "$orcsim" explore "$work/shrunk.yaml" --seeds 1
expect 1 'breaks no invariant' "$orcsim" shrink "$mnist" --seed 1 -o "$work/clean.yaml"

# The stored shrink of the planted bug still catches it.
expect 1 'is TODO while a parent is not DONE' "$orcsim" explore "$source_dir/tests/regressions/early-promotion.yaml" \
  --seeds 1 "${bug[@]}"

# Regression scenarios: each must run clean, a few seeds each.
for regression in "$source_dir"/tests/regressions/*.yaml; do
  [[ -e "$regression" ]] || continue
  expect 0 '0 failed' "$orcsim" explore "$regression" --seeds 5
done

echo "$passed passed, $failures failed"
[[ $failures -eq 0 ]]
