// Test access to PostgreSQL: the URL comes from ORC_TEST_POSTGRES_URL, which
// scripts/test sets after starting scripts/pg-cluster. Each test store lives
// in a schema of its own, dropped afterwards, so that tests that ctest runs in
// parallel never see each other's rows.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <pqxx/pqxx>
#include <string>

#include "core/persistence/postgres/postgres_store.h"

namespace orc::test {

inline constexpr char kPostgresUrlVariable[] = "ORC_TEST_POSTGRES_URL";

// Returns ORC_TEST_POSTGRES_URL, or an empty string when it is unset.
inline std::string TestPostgresUrl() {
  const char* url = std::getenv(kPostgresUrlVariable);
  return url == nullptr ? std::string() : std::string(url);
}

inline std::string PostgresSkipMessage() {
  return std::string(kPostgresUrlVariable) +
         " is not set, so the PostgreSQL tests are skipped; scripts/test sets it after starting scripts/pg-cluster";
}

// A PostgresStore in a new schema, which the destructor drops.
class ScratchPostgresStore {
 public:
  explicit ScratchPostgresStore(persistence::PostgresStoreOptions options = {}) : url_(TestPostgresUrl()) {
    static std::atomic<int> counter{0};
    schema_ = "orc_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    DropSchema();
    options.schema = schema_;
    store_ = std::make_unique<persistence::PostgresStore>(url_, options);
  }

  ~ScratchPostgresStore() {
    store_.reset();
    try {
      DropSchema();
    } catch (const std::exception&) {
      // Leftover schemas are harmless: each run uses new names.
    }
  }

  ScratchPostgresStore(const ScratchPostgresStore&) = delete;
  ScratchPostgresStore& operator=(const ScratchPostgresStore&) = delete;

  persistence::PostgresStore& store() { return *store_; }
  const std::string& schema() const { return schema_; }

 private:
  void DropSchema() {
    pqxx::connection connection(url_);
    pqxx::nontransaction session(connection);
    session.exec("DROP SCHEMA IF EXISTS " + session.quote_name(schema_) + " CASCADE");
  }

  std::string url_;
  std::string schema_;
  std::unique_ptr<persistence::PostgresStore> store_;
};

}  // namespace orc::test
