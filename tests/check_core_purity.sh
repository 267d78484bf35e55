#!/usr/bin/env bash
# Fails when the core archive refers to a clock, a random source, I/O, gRPC or
# a database client. Usage: check_core_purity.sh path/to/liborc_core.a
set -euo pipefail
archive=${1:?usage: check_core_purity.sh LIBRARY}

undefined=$(nm --undefined-only --demangle "$archive" | awk 'NF >= 2 {print $NF}' | sort -u)
[[ -n "$undefined" ]] || { echo "no symbols read from $archive" >&2; exit 1; }

# Each pattern matches the symbols of one forbidden capability.
forbidden=(
  'system_clock::now' 'steady_clock::now' 'high_resolution_clock::now'
  '^time$' '^gettimeofday$' '^clock_gettime$' '^clock$' '^localtime' '^gmtime'
  'random_device' '^rand$' '^srand$' '^random$' '^drand48$' 'mersenne_twister' '^getrandom$' '^arc4random'
  '^fopen' '^open$' '^open64$' '^read$' '^write$' '^socket$' '^connect$' '^bind$' '^accept$'
  'basic_ifstream' 'basic_ofstream' 'basic_fstream' '^std::cout$' '^std::cerr$'
  '^grpc' 'grpc::' '^pqxx' 'pqxx::' '^PQ'
)
status=0
for pattern in "${forbidden[@]}"; do
  if hits=$(grep -E -- "$pattern" <<<"$undefined"); then
    echo "forbidden symbol in $archive (pattern '$pattern'):" >&2
    echo "$hits" >&2
    status=1
  fi
done
[[ $status -eq 0 ]] && echo "core purity: $(wc -l <<<"$undefined") undefined symbols checked, none forbidden"
exit $status
