#!/usr/bin/env bash
# Conformance of the in-process core on a PostgreSQL store, in a new database
# of the cluster at ORC_TEST_POSTGRES_URL. large-fedavg is skipped: it takes
# about 12 minutes on PostgreSQL. Exits 77 (skipped) when the URL is unset.
#   conformance_postgres_test.sh ORCSIM SOURCE_DIR
set -euo pipefail
orcsim=$1
source_dir=$2
if [[ -z "${ORC_TEST_POSTGRES_URL:-}" ]]; then
  echo "ORC_TEST_POSTGRES_URL is not set: start a cluster with scripts/pg-cluster start"; exit 77
fi

database=orc_conformance_inprocess_$$
psql -q "$ORC_TEST_POSTGRES_URL" -c "CREATE DATABASE $database" >/dev/null
trap 'psql -q "$ORC_TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $database" >/dev/null' EXIT
"$orcsim" conformance --scenarios "$source_dir/scenarios" --target "${ORC_TEST_POSTGRES_URL%/*}/$database" \
  --exclude large-fedavg
