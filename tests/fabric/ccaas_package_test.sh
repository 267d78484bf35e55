#!/usr/bin/env bash
# The chaincode package and the external builder scripts, without Fabric:
# reproducible package IDs, the archive layout the peer accepts, and the
# detect/build/release steps. Also `fabric/network down` on a chaincode
# process it did not start itself, through a PID file.
#   ccaas_package_test.sh SOURCE_DIR CHAINCODE_BINARY
set -euo pipefail
source_dir=$1 chaincode_bin=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
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

id1=$("$source_dir/fabric/package-chaincode" "$work/a.tgz" orchestrator_1.0 127.0.0.1:9999)
id2=$("$source_dir/fabric/package-chaincode" "$work/b.tgz" orchestrator_1.0 127.0.0.1:9999)
check "same inputs give the same package ID" test "$id1" = "$id2"
check "package ID is label:sha256" test "$id1" = "orchestrator_1.0:$(sha256sum "$work/a.tgz" | cut -d' ' -f1)"
check "package holds exactly metadata.json and code.tar.gz" \
  test "$(tar tzf "$work/a.tgz" | sort | tr '\n' ' ')" = "code.tar.gz metadata.json "
check "every entry is a regular file" test "$(tar tzvf "$work/a.tgz" | cut -c1 | sort -u)" = "-"
check "an invalid label is rejected" bash -c "! '$source_dir/fabric/package-chaincode' '$work/c.tgz' 'bad label' 2>/dev/null"

mkdir -p "$work/metadata" "$work/source" "$work/output" "$work/release"
tar xzf "$work/a.tgz" -C "$work/metadata" metadata.json
tar xzf "$work/a.tgz" -C "$work" code.tar.gz
tar xzf "$work/code.tar.gz" -C "$work/source"
builder=$source_dir/fabric/builders/ccaas/bin
check "detect claims a ccaas package" "$builder/detect" "$work/source" "$work/metadata"
mkdir -p "$work/golang"
echo '{"type":"golang","label":"x"}' > "$work/golang/metadata.json"
check "detect leaves other packages" bash -c "! '$builder/detect' '$work/source' '$work/golang'"
check "build copies connection.json" "$builder/build" "$work/source" "$work/metadata" "$work/output"
check "release publishes connection.json" "$builder/release" "$work/output" "$work/release"
check "the released address is the packaged one" \
  grep -q '"address":"127.0.0.1:9999"' "$work/release/chaincode/server/connection.json"

# `down` stops a process listed in the PID folder and checks its port.
net=$work/net
mkdir -p "$net/pids"
setsid "$chaincode_bin" --id "$id1" --address 127.0.0.1:9999 > "$work/chaincode.out" 2>&1 &
chaincode_pid=$!
trap 'kill -KILL "$chaincode_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
echo "$chaincode_pid" > "$net/pids/chaincode.pid"
for _ in $(seq 50); do grep -q listening "$work/chaincode.out" && break; sleep 0.1; done
check "the chaincode started on 9999" grep -q 'listening on 127.0.0.1:9999' "$work/chaincode.out"
check "status lists the chaincode" bash -c "ORC_FABRIC_NET='$net' '$source_dir/fabric/network' status | grep -q 'chaincode .*running'"
check "down stops it and frees the ports" env ORC_FABRIC_NET="$net" "$source_dir/fabric/network" down
check "no chaincode process is left" bash -c "! kill -0 $chaincode_pid 2>/dev/null"
check "port 9999 is free" bash -c "! ss -Hltn 'sport = :9999' | grep -q ."

echo "$passes passed, $failures failed"
((failures == 0))
