// Versioned schema migrations of the PostgreSQL store.
#pragma once

#include <string>
#include <vector>

namespace pqxx {
class connection_base;
}

namespace orc::persistence::postgres_internal {

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

// Every migration, by increasing version. A released migration never
// changes: a schema change is a new migration appended here.
const std::vector<Migration>& Migrations();

// Tables that contain orc's data, in an order that TRUNCATE accepts.
const std::vector<std::string>& DataTables();

// Creates `schema` if absent and applies, in order, each migration that its
// orc_schema_migrations table does not list yet, each in its own transaction
// together with its row in that table. A session advisory lock keyed by the
// schema name makes concurrent callers (two processes starting at once) wait
// for each other, so each migration runs once. Returns the newest applied
// version. Throws OrcError(kInternal) when the database records a version that
// this build does not know, because an older build must not write to a newer
// schema.
int ApplyMigrations(pqxx::connection_base& connection, const std::string& schema);

}  // namespace orc::persistence::postgres_internal
