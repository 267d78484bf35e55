#include "core/persistence/postgres/schema.h"

#include <pqxx/pqxx>
#include <string>

#include "core/error.h"
#include "core/records.h"

namespace orc::persistence::postgres_internal {

namespace {

// The partial index of running tasks and IsPlanRunning() name the active
// statuses by number.
static_assert(pb::STATUS_WAITING == 1 && pb::STATUS_TODO == 2 && pb::STATUS_DOING == 3);

// Version 1: every table, with the indexes that the store's queries use.
// Keys and other text columns use the "C" collation, so ORDER BY compares
// bytes as std::string does. Dates are microseconds since the Unix epoch.
// Records are serialised protobuf messages; the other columns copy the
// fields that queries filter or sort on.
constexpr char kInitialSchema[] = R"sql(
CREATE TABLE orc_organizations (
  channel text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  seq bigserial NOT NULL,
  asset bytea NOT NULL,
  PRIMARY KEY (channel, id)
);
CREATE INDEX orc_organizations_by_seq ON orc_organizations (channel, seq);

CREATE TABLE orc_functions (
  channel text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  creation_date bigint NOT NULL,
  asset bytea NOT NULL,
  PRIMARY KEY (channel, key)
);
CREATE INDEX orc_functions_by_creation ON orc_functions (channel, creation_date, key);

CREATE TABLE orc_data_managers (
  channel text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  creation_date bigint NOT NULL,
  asset bytea NOT NULL,
  PRIMARY KEY (channel, key)
);
CREATE INDEX orc_data_managers_by_creation ON orc_data_managers (channel, creation_date, key);

CREATE TABLE orc_data_samples (
  channel text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  creation_date bigint NOT NULL,
  asset bytea NOT NULL,
  PRIMARY KEY (channel, key)
);
CREATE INDEX orc_data_samples_by_creation ON orc_data_samples (channel, creation_date, key);

CREATE TABLE orc_data_sample_managers (
  channel text COLLATE "C" NOT NULL,
  data_manager_key text COLLATE "C" NOT NULL,
  sample_key text COLLATE "C" NOT NULL,
  sample_creation_date bigint NOT NULL,
  PRIMARY KEY (channel, data_manager_key, sample_key)
);
CREATE INDEX orc_data_sample_managers_by_creation
  ON orc_data_sample_managers (channel, data_manager_key, sample_creation_date, sample_key);

CREATE TABLE orc_compute_plans (
  channel text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  owner text COLLATE "C" NOT NULL,
  creation_date bigint NOT NULL,
  asset bytea NOT NULL,
  PRIMARY KEY (channel, key)
);
CREATE INDEX orc_compute_plans_by_creation ON orc_compute_plans (channel, creation_date, key);
CREATE INDEX orc_compute_plans_by_owner ON orc_compute_plans (channel, owner, creation_date, key);

CREATE TABLE orc_compute_tasks (
  channel text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  compute_plan_key text COLLATE "C" NOT NULL,
  worker text COLLATE "C" NOT NULL,
  function_key text COLLATE "C" NOT NULL,
  status integer NOT NULL,
  creation_date bigint NOT NULL,
  asset bytea NOT NULL,
  PRIMARY KEY (channel, key)
);
CREATE INDEX orc_compute_tasks_by_creation ON orc_compute_tasks (channel, creation_date, key);
CREATE INDEX orc_compute_tasks_by_plan ON orc_compute_tasks (channel, compute_plan_key, creation_date, key);
CREATE INDEX orc_compute_tasks_by_plan_status
  ON orc_compute_tasks (channel, compute_plan_key, status, creation_date, key);
CREATE INDEX orc_compute_tasks_by_worker ON orc_compute_tasks (channel, worker, creation_date, key);
CREATE INDEX orc_compute_tasks_by_worker_status
  ON orc_compute_tasks (channel, worker, status, creation_date, key);
CREATE INDEX orc_compute_tasks_by_function ON orc_compute_tasks (channel, function_key, creation_date, key);
CREATE INDEX orc_compute_tasks_by_status ON orc_compute_tasks (channel, status, creation_date, key);
CREATE INDEX orc_compute_tasks_functions_of_plan ON orc_compute_tasks (channel, compute_plan_key, function_key);
CREATE INDEX orc_compute_tasks_running ON orc_compute_tasks (channel, compute_plan_key)
  WHERE status IN (1, 2, 3);

CREATE TABLE orc_compute_task_parents (
  channel text COLLATE "C" NOT NULL,
  parent_key text COLLATE "C" NOT NULL,
  child_key text COLLATE "C" NOT NULL,
  seq bigserial NOT NULL,
  PRIMARY KEY (channel, parent_key, seq)
);

CREATE TABLE orc_output_assets (
  channel text COLLATE "C" NOT NULL,
  task_key text COLLATE "C" NOT NULL,
  identifier text COLLATE "C" NOT NULL,
  seq bigserial NOT NULL,
  asset_kind integer NOT NULL,
  asset_key text COLLATE "C" NOT NULL,
  PRIMARY KEY (channel, task_key, identifier, seq)
);

CREATE TABLE orc_models (
  channel text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  compute_task_key text COLLATE "C" NOT NULL,
  seq bigserial NOT NULL,
  asset bytea NOT NULL,
  PRIMARY KEY (channel, key)
);
CREATE INDEX orc_models_by_task ON orc_models (channel, compute_task_key, seq);

CREATE TABLE orc_performances (
  channel text COLLATE "C" NOT NULL,
  task_key text COLLATE "C" NOT NULL,
  identifier text COLLATE "C" NOT NULL,
  creation_date bigint NOT NULL,
  asset bytea NOT NULL,
  PRIMARY KEY (channel, task_key, identifier)
);
CREATE INDEX orc_performances_by_creation
  ON orc_performances (channel, creation_date, task_key DESC, identifier);
CREATE INDEX orc_performances_by_identifier
  ON orc_performances (channel, identifier, creation_date, task_key DESC);

CREATE TABLE orc_failure_reports (
  channel text COLLATE "C" NOT NULL,
  task_key text COLLATE "C" NOT NULL,
  asset bytea NOT NULL,
  PRIMARY KEY (channel, task_key)
);

-- Positions are global across channels. The body is a serialised
-- orchestrator.Event without id, channel and timestamp.
CREATE TABLE orc_events (
  position bigint PRIMARY KEY,
  channel text COLLATE "C" NOT NULL,
  asset_key text COLLATE "C" NOT NULL,
  asset_kind integer NOT NULL,
  event_kind integer NOT NULL,
  timestamp bigint NOT NULL,
  metadata jsonb NOT NULL,
  body bytea NOT NULL
);
CREATE INDEX orc_events_by_channel ON orc_events (channel, position);
CREATE INDEX orc_events_by_time ON orc_events (channel, timestamp, position);
CREATE INDEX orc_events_by_asset ON orc_events (channel, asset_key, timestamp, position);
CREATE INDEX orc_events_by_asset_kind ON orc_events (channel, asset_kind, timestamp, position);
CREATE INDEX orc_events_by_metadata ON orc_events USING gin (metadata jsonb_path_ops);

-- The position of the last event, in one row. A writer locks the row when it
-- inserts its events and keeps the lock until it commits or rolls back, so
-- positions are gap-free and follow commit order.
CREATE TABLE orc_event_counter (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_position bigint NOT NULL
);
INSERT INTO orc_event_counter (singleton, last_position) VALUES (true, 0);
)sql";

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> migrations = {
      {1, "initial schema", kInitialSchema},
  };
  return migrations;
}

const std::vector<std::string>& DataTables() {
  static const std::vector<std::string> tables = {
      "orc_organizations", "orc_functions",     "orc_data_managers",        "orc_data_samples",
      "orc_data_sample_managers", "orc_compute_plans", "orc_compute_tasks", "orc_compute_task_parents",
      "orc_output_assets", "orc_models",        "orc_performances",         "orc_failure_reports",
      "orc_events",
  };
  return tables;
}

int ApplyMigrations(pqxx::connection_base& connection, const std::string& schema) {
  // libpqxx allows one transaction object per connection at a time, so each
  // statement outside a migration gets its own short-lived nontransaction.
  auto run = [&connection](const std::string& sql) {
    pqxx::nontransaction statement(connection);
    return statement.exec(sql);
  };
  const std::string lock_key = "hashtext(" + connection.quote("orc schema migrations " + schema) + ")";
  run("SELECT pg_advisory_lock(" + lock_key + ")");
  try {
    // CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege on the database
    // even when the schema exists, so it runs only for a missing schema.
    if (run("SELECT 1 FROM pg_namespace WHERE nspname = " + connection.quote(schema)).empty()) {
      run("CREATE SCHEMA " + connection.quote_name(schema));
    }
    run("CREATE TABLE IF NOT EXISTS orc_schema_migrations ("
        " version integer PRIMARY KEY,"
        " name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())");
    int applied = run("SELECT coalesce(max(version), 0) FROM orc_schema_migrations")[0][0].as<int>();
    const int known = Migrations().back().version;
    if (applied > known) {
      Fail(ErrorKind::kInternal, "the database schema \"" + schema + "\" is at version " + std::to_string(applied) +
                                     ", newer than the newest this build knows (" + std::to_string(known) +
                                     "), so use a newer orc or another schema");
    }
    for (const Migration& migration : Migrations()) {
      if (migration.version <= applied) continue;
      pqxx::work work(connection);
      work.exec(migration.sql);
      work.exec_params("INSERT INTO orc_schema_migrations (version, name) VALUES ($1, $2)", migration.version,
                       migration.name);
      work.commit();
      applied = migration.version;
    }
    run("SELECT pg_advisory_unlock(" + lock_key + ")");
    return applied;
  } catch (...) {
    try {
      run("SELECT pg_advisory_unlock(" + lock_key + ")");
    } catch (const std::exception&) {
      // A broken connection ends the session, and the lock with it.
    }
    throw;
  }
}

}  // namespace orc::persistence::postgres_internal
