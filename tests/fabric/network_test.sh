#!/usr/bin/env bash
# The chaincode driven with Fabric's peer CLI as each organisation:
#   - registers the organisations, a function, a data manager, samples, a
#     plan and two tasks, drives a task to DONE, and queries its events;
#   - a bad request returns the chaincode's error with its 0.37 code and
#     changes no state;
#   - an invoke endorsed by two peers succeeds (the CLI rejects endorsements
#     whose results differ);
#   - killing and restarting the chaincode loses no committed transaction;
#   - stopping leaves no process and no listening port.
#
#   network_test.sh SOURCE_DIR CHAINCODE_BINARY [CHAINCODE_CALL_BINARY]
#
# With a third argument the test runs against the test peer instead of
# Fabric: `peer chaincode invoke|query` go to chaincode_call, which keeps
# the world state in a file, and only the chaincode process runs. Otherwise
# it needs a Fabric network from fabric/network, and exits 77 (skipped)
# unless ORC_FABRIC_TESTS=1 and the Fabric programs can be installed.
# NOTE: the Fabric mode has never run, because the Go module proxy refuses
# Fabric 2.x (docs/fabric.md); expect fixes on its first run.
set -euo pipefail
source_dir=$1
export ORC_CHAINCODE_BIN=$2
call_bin=${3:-}
work=$(mktemp -d)
export ORC_FABRIC_NET=${ORC_FABRIC_NET:-$work/net}
network=$source_dir/fabric/network

passes=0 failures=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then
    echo "ok: $what"
    passes=$((passes + 1))
  else
    echo "FAILED: $what"
    failures=$((failures + 1))
  fi
}

if [[ -z $call_bin ]]; then
  if [[ ${ORC_FABRIC_TESTS:-0} != 1 ]]; then
    echo "network_test: skipped, set ORC_FABRIC_TESTS=1 (scripts/test does in its Fabric step)"
    exit 77
  fi
  if ! "$source_dir/fabric/install-binaries"; then
    echo "network_test: skipped, the Fabric programs are not available"
    exit 77
  fi
  ports_pattern=':(7050|7053|8443|9999|7051|7052|9444|9051|9052|9445|11051|11052|9446)\b'
  cleanup() { "$network" down || true; }
  trap cleanup EXIT
  "$network" up
  pids=$(cat "$ORC_FABRIC_NET"/pids/*.pid)
  # as ORG: switches the peer CLI to ORG's admin.
  as() { eval "$("$network" env "$1")"; }
  restart_chaincode() { "$network" restart-chaincode; }
  stop_all() { "$network" down; }
else
  # The test peer: one chaincode process and a state file.
  start_chaincode() {  # start_chaincode PORT
    setsid "$ORC_CHAINCODE_BIN" --id orchestrator_1.0:test --address "127.0.0.1:$1" > "$work/chaincode.out" 2>&1 &
    chaincode_pid=$!
    for _ in $(seq 100); do grep -q '^listening on' "$work/chaincode.out" && break; sleep 0.1; done
    chaincode_port=$(sed -n 's/^listening on 127.0.0.1://p' "$work/chaincode.out")
    [[ -n $chaincode_port ]] || { echo "network_test: the chaincode did not start" >&2; exit 1; }
  }
  start_chaincode 0
  pids=$chaincode_pid
  ports_pattern=":$chaincode_port\b"
  cleanup() { kill -KILL "$chaincode_pid" 2>/dev/null || true; rm -rf "$work"; }
  trap cleanup EXIT
  as() { export CORE_PEER_LOCALMSPID=MyOrg${1}MSP CORE_PEER_ADDRESS=127.0.0.1:$((5051 + 2000 * $1)); }
  restart_chaincode() {
    kill -KILL "$chaincode_pid"
    wait "$chaincode_pid" 2>/dev/null || true
    start_chaincode "$chaincode_port"
  }
  stop_all() {
    kill -TERM "$chaincode_pid"
    wait "$chaincode_pid" 2>/dev/null || true
  }
  # peer chaincode invoke|query ... -c ARGS: the call goes to chaincode_call
  # as CORE_PEER_LOCALMSPID; the Fabric-only options are ignored.
  peer() {
    local action=$2 input=""
    shift 2
    while (($#)); do
      if [[ $1 == -c ]]; then input=$2; fi
      shift
    done
    "$call_bin" "127.0.0.1:$chaincode_port" "$work/state" "$CORE_PEER_LOCALMSPID" "$action" "$input"
  }
  ORDERER_CA=unused
fi

# The single chaincode argument: {"msg": "<request JSON>", "request_id": "..."}.
args_json() {  # args_json FUNCTION REQUEST_JSON
  jq -nc --arg function "$1" --arg msg "$2" '{Args: [$function, ({msg: $msg, request_id: "network-test"} | tojson)]}'
}

# invoke FUNCTION REQUEST_JSON [PEER_PORT...]: submits and waits for the
# commit; prints the CLI's output, which contains the result payload.
invoke() {
  local function=$1 request=$2
  shift 2
  local peers=()
  local port
  for port in "${@:-$(echo "$CORE_PEER_ADDRESS" | cut -d: -f2)}"; do
    local org=$(( (port - 5051) / 2000 ))
    peers+=(--peerAddresses "127.0.0.1:$port"
            --tlsRootCertFiles "$ORC_FABRIC_NET/crypto/peerOrganizations/org$org.example.com/peers/peer0.org$org.example.com/tls/ca.crt")
  done
  peer chaincode invoke -o 127.0.0.1:7050 --tls --cafile "$ORDERER_CA" -C mychannel -n orchestrator \
    "${peers[@]}" --waitForEvent -c "$(args_json "$function" "$request")" 2>&1
}

# invoke_ok FUNCTION REQUEST_JSON [PEER_PORT...]: true when the chaincode returned 200.
invoke_ok() { invoke "$@" | grep -q 'status:200'; }

# query FUNCTION REQUEST_JSON: evaluates on the current peer and prints the
# response message JSON.
query() {
  peer chaincode query -C mychannel -n orchestrator -c "$(args_json "$1" "$2")" | jq -r .msg
}

uuid() { printf '%08x-0000-4000-8000-000000000000' "$1"; }
checksum=a3f9c0d1e2b4a5968778695a4b3c2d1e0f1a2b3c4d5e6f708192a3b4c5d6e7f8
address() { printf '{"checksum":"%s","storageAddress":"http://somewhere.local/%s"}' "$checksum" "$1"; }

for org in 1 2 3; do
  as "$org"
  check "MyOrg${org}MSP registers" invoke_ok orchestrator.organization:RegisterOrganization '{}'
done
as 2
check "three organisations are registered" \
  test "$(query orchestrator.organization:GetAllOrganizations '{}' | jq '.organizations | length')" = 3

as 1
function_key=$(uuid 1) manager_key=$(uuid 2) sample_key=$(uuid 3) plan_key=$(uuid 4) task_key=$(uuid 5) child_key=$(uuid 6)
function_request=$(jq -nc --arg key "$function_key" --argjson d "$(address desc)" --argjson f "$(address function)" '{
  key: $key, name: "train", description: $d, function: $f, newPermissions: {public: true},
  inputs: {opener: {kind: "ASSET_DATA_MANAGER"}, datasamples: {kind: "ASSET_DATA_SAMPLE", multiple: true},
           model: {kind: "ASSET_MODEL", multiple: true, optional: true}},
  outputs: {model: {kind: "ASSET_MODEL"}}}')
check "function registered" invoke_ok orchestrator.function:RegisterFunction "$function_request"
manager_request=$(jq -nc --arg key "$manager_key" --argjson d "$(address desc)" --argjson o "$(address opener)" '{
  key: $key, name: "data", newPermissions: {public: true}, description: $d, opener: $o, type: "test",
  logsPermission: {public: true}}')
check "data manager registered" invoke_ok orchestrator.datamanager:RegisterDataManager "$manager_request"
samples_request=$(jq -nc --arg key "$sample_key" --arg manager "$manager_key" --arg checksum "$checksum" \
  '{samples: [{key: $key, dataManagerKeys: [$manager], checksum: $checksum}]}')
check "data sample registered" invoke_ok orchestrator.datasample:RegisterDataSamples "$samples_request"
check "plan registered" invoke_ok orchestrator.computeplan:RegisterPlan "{\"key\":\"$plan_key\",\"name\":\"plan\"}"
tasks_request=$(jq -nc --arg task "$task_key" --arg child "$child_key" --arg plan "$plan_key" --arg function "$function_key" \
  --arg manager "$manager_key" --arg sample "$sample_key" '{tasks: [
    {key: $task, computePlanKey: $plan, functionKey: $function,
     inputs: [{identifier: "opener", assetKey: $manager}, {identifier: "datasamples", assetKey: $sample}],
     outputs: {model: {permissions: {public: true}}}},
    {key: $child, computePlanKey: $plan, functionKey: $function,
     inputs: [{identifier: "opener", assetKey: $manager}, {identifier: "datasamples", assetKey: $sample},
              {identifier: "model", parentTaskOutput: {parentTaskKey: $task, outputIdentifier: "model"}}],
     outputs: {model: {permissions: {public: true}}}}]}')
check "tasks registered" invoke_ok orchestrator.computetask:RegisterTasks "$tasks_request"

check "task goes DOING" invoke_ok orchestrator.computetask:ApplyTaskAction "{\"computeTaskKey\":\"$task_key\",\"action\":\"TASK_ACTION_DOING\"}"
model_request=$(jq -nc --arg key "$(uuid 7)" --arg task "$task_key" --argjson a "$(address model)" \
  '{key: $key, computeTaskKey: $task, computeTaskOutputIdentifier: "model", address: $a}')
check "model registered" invoke_ok orchestrator.model:RegisterModel "$model_request"

# Restart the chaincode between two transactions of the task.
restart_chaincode
check "task goes DONE after the chaincode restarted" invoke_ok orchestrator.computetask:ApplyTaskAction "{\"computeTaskKey\":\"$task_key\",\"action\":\"TASK_ACTION_DONE\"}"
as 3
check "task is DONE, seen by MyOrg3MSP" \
  test "$(query orchestrator.computetask:GetTask "{\"key\":\"$task_key\"}" | jq -r .status)" = STATUS_DONE
check "child task is TODO" \
  test "$(query orchestrator.computetask:GetTask "{\"key\":\"$child_key\"}" | jq -r .status)" = STATUS_TODO
check "events of the task are recorded" \
  test "$(query orchestrator.event:QueryEvents "{\"pageSize\":100,\"filter\":{\"assetKey\":\"$task_key\"}}" | jq '.events | length')" -ge 3

# A bad request: the chaincode's error with its code, and no new state.
as 1
functions_before=$(query orchestrator.function:QueryFunctions '{"pageSize":100}' | jq '.Functions // .functions | length')
bad_output=$(invoke orchestrator.function:RegisterFunction '{"key":"not-a-uuid","name":"bad"}' || true)
check "bad request reports OE0101" grep -q OE0101 <<<"$bad_output"
check "bad request changes nothing" \
  test "$(query orchestrator.function:QueryFunctions '{"pageSize":100}' | jq '.Functions // .functions | length')" = "$functions_before"

# Two endorsing peers must return identical results.
check "endorsement by two peers agrees" invoke_ok orchestrator.computetask:ApplyTaskAction "{\"computeTaskKey\":\"$child_key\",\"action\":\"TASK_ACTION_DOING\"}" 7051 9051

trap - EXIT
stop_all
for pid in $pids; do
  check "process $pid is gone" bash -c "! kill -0 $pid 2>/dev/null"
done
check "no port of the network listens" bash -c "! ss -Hltn | grep -Eq '$ports_pattern'"
[[ -z $call_bin ]] || rm -rf "$work"

echo "$passes passed, $failures failed"
((failures == 0))
