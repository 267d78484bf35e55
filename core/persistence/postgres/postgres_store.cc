#include "core/persistence/postgres/postgres_store.h"

#include <algorithm>
#include <cassert>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/persistence/postgres/schema.h"
#include "core/records.h"

namespace orc::persistence {
namespace postgres_internal {

namespace {

// Name of the PostgreSQL notification channel of a schema's events.
std::string NotificationChannel(const std::string& schema) { return "orc_events." + schema; }

// Returns `url` with the password of a postgres:// URL replaced by "***", for
// error messages.
std::string RedactUrl(const std::string& url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const std::size_t user_start = scheme + 3;
  const std::size_t at = url.find('@', user_start);
  if (at == std::string::npos) return url;
  const std::size_t colon = url.find(':', user_start);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

// The first line of a libpq error, without its "ERROR:  " prefix.
std::string FirstLine(const char* text) {
  std::string line(text);
  line = line.substr(0, line.find('\n'));
  constexpr std::string_view kPrefix = "ERROR:  ";
  if (line.starts_with(kPrefix)) line.erase(0, kPrefix.size());
  return line;
}

struct Statement {
  const char* name;
  const char* sql;
};

// Every fixed statement, prepared on each pooled connection. $1 is always the
// channel.
constexpr Statement kStatements[] = {
    {"organization_get", "SELECT asset FROM orc_organizations WHERE channel = $1 AND id = $2"},
    {"organization_all", "SELECT asset FROM orc_organizations WHERE channel = $1 ORDER BY seq"},
    {"organization_add",
     "INSERT INTO orc_organizations (channel, id, asset) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"},

    {"function_get", "SELECT asset FROM orc_functions WHERE channel = $1 AND key = $2"},
    {"function_add",
     "INSERT INTO orc_functions (channel, key, creation_date, asset) VALUES ($1, $2, $3, $4) "
     "ON CONFLICT DO NOTHING"},
    {"function_update",
     "UPDATE orc_functions SET asset = $4 WHERE channel = $1 AND key = $2 AND creation_date = $3"},
    {"function_page",
     "SELECT asset FROM orc_functions WHERE channel = $1 ORDER BY creation_date, key OFFSET $2 LIMIT $3"},
    {"function_page_by_plan",
     "SELECT f.asset FROM orc_functions f WHERE f.channel = $1 AND EXISTS ("
     " SELECT 1 FROM orc_compute_tasks t"
     " WHERE t.channel = $1 AND t.compute_plan_key = $2 AND t.function_key = f.key)"
     " ORDER BY f.creation_date, f.key OFFSET $3 LIMIT $4"},

    {"data_manager_get", "SELECT asset FROM orc_data_managers WHERE channel = $1 AND key = $2"},
    {"data_manager_add",
     "INSERT INTO orc_data_managers (channel, key, creation_date, asset) VALUES ($1, $2, $3, $4) "
     "ON CONFLICT DO NOTHING"},
    {"data_manager_update",
     "UPDATE orc_data_managers SET asset = $4 WHERE channel = $1 AND key = $2 AND creation_date = $3"},
    {"data_manager_page",
     "SELECT asset FROM orc_data_managers WHERE channel = $1 ORDER BY creation_date, key OFFSET $2 LIMIT $3"},

    {"data_sample_get", "SELECT asset FROM orc_data_samples WHERE channel = $1 AND key = $2"},
    {"data_sample_add",
     "INSERT INTO orc_data_samples (channel, key, creation_date, asset) VALUES ($1, $2, $3, $4) "
     "ON CONFLICT DO NOTHING"},
    {"data_sample_update",
     "UPDATE orc_data_samples SET asset = $4 WHERE channel = $1 AND key = $2 AND creation_date = $3"},
    {"data_sample_link",
     "INSERT INTO orc_data_sample_managers (channel, data_manager_key, sample_key, sample_creation_date) "
     "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"},
    {"data_sample_page",
     "SELECT asset FROM orc_data_samples WHERE channel = $1 ORDER BY creation_date, key OFFSET $2 LIMIT $3"},
    {"data_sample_page_by_keys",
     "SELECT asset FROM orc_data_samples WHERE channel = $1 AND key = ANY ($2::text[])"
     " ORDER BY creation_date, key OFFSET $3 LIMIT $4"},
    {"data_sample_keys_by_manager",
     "SELECT sample_key FROM orc_data_sample_managers WHERE channel = $1 AND data_manager_key = $2"
     " ORDER BY sample_creation_date, sample_key"},

    {"plan_get", "SELECT asset FROM orc_compute_plans WHERE channel = $1 AND key = $2"},
    {"plan_add",
     "INSERT INTO orc_compute_plans (channel, key, owner, creation_date, asset) VALUES ($1, $2, $3, $4, $5) "
     "ON CONFLICT DO NOTHING"},
    {"plan_update",
     "UPDATE orc_compute_plans SET asset = $5"
     " WHERE channel = $1 AND key = $2 AND owner = $3 AND creation_date = $4"},
    {"plan_page",
     "SELECT asset FROM orc_compute_plans WHERE channel = $1 ORDER BY creation_date, key OFFSET $2 LIMIT $3"},
    {"plan_page_by_owner",
     "SELECT asset FROM orc_compute_plans WHERE channel = $1 AND owner = $2"
     " ORDER BY creation_date, key OFFSET $3 LIMIT $4"},
    {"plan_running",
     "SELECT EXISTS (SELECT 1 FROM orc_compute_tasks"
     " WHERE channel = $1 AND compute_plan_key = $2 AND status IN (1, 2, 3))"},

    {"task_get", "SELECT asset FROM orc_compute_tasks WHERE channel = $1 AND key = $2"},
    {"task_add",
     "INSERT INTO orc_compute_tasks"
     " (channel, key, compute_plan_key, worker, function_key, status, creation_date, asset)"
     " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING"},
    {"task_add_parents",
     "INSERT INTO orc_compute_task_parents (channel, parent_key, child_key)"
     " SELECT $1, parent.key, $2 FROM unnest($3::text[]) WITH ORDINALITY AS parent (key, number)"
     " ORDER BY parent.number"},
    {"task_update",
     "UPDATE orc_compute_tasks SET status = $7, asset = $8"
     " WHERE channel = $1 AND key = $2 AND creation_date = $3 AND compute_plan_key = $4"
     " AND worker = $5 AND function_key = $6"},
    {"task_children",
     "SELECT t.asset FROM orc_compute_task_parents p"
     " JOIN orc_compute_tasks t ON t.channel = p.channel AND t.key = p.child_key"
     " WHERE p.channel = $1 AND p.parent_key = $2 ORDER BY p.seq"},

    {"output_asset_get",
     "SELECT asset_kind, asset_key FROM orc_output_assets"
     " WHERE channel = $1 AND task_key = $2 AND identifier = $3 ORDER BY seq"},
    {"output_asset_add",
     "INSERT INTO orc_output_assets (channel, task_key, identifier, asset_kind, asset_key)"
     " VALUES ($1, $2, $3, $4, $5)"},

    {"model_get", "SELECT asset FROM orc_models WHERE channel = $1 AND key = $2"},
    {"model_add",
     "INSERT INTO orc_models (channel, key, compute_task_key, asset) VALUES ($1, $2, $3, $4) "
     "ON CONFLICT DO NOTHING"},
    {"model_update",
     "UPDATE orc_models SET asset = $4 WHERE channel = $1 AND key = $2 AND compute_task_key = $3"},
    {"model_by_task", "SELECT asset FROM orc_models WHERE channel = $1 AND compute_task_key = $2 ORDER BY seq"},

    {"performance_get",
     "SELECT asset FROM orc_performances WHERE channel = $1 AND task_key = $2 AND identifier = $3"},
    {"performance_add",
     "INSERT INTO orc_performances (channel, task_key, identifier, creation_date, asset)"
     " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"},

    {"failure_report_get", "SELECT asset FROM orc_failure_reports WHERE channel = $1 AND task_key = $2"},
    {"failure_report_add",
     "INSERT INTO orc_failure_reports (channel, task_key, asset) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"},

    {"event_after",
     "SELECT position, timestamp, body FROM orc_events WHERE channel = $1 AND position > $2"
     " ORDER BY position LIMIT $3"},
    {"event_exists", "SELECT EXISTS (SELECT 1 FROM orc_events WHERE channel = $1 AND position = $2)"},
};

}  // namespace

// Connections to one database, opened on demand up to a maximum, each with
// the search path set to the store's schema and the statements prepared.
class ConnectionPool {
 public:
  ConnectionPool(std::string url, std::string schema, int max_connections)
      : url_(std::move(url)), schema_(std::move(schema)), max_connections_(std::max(1, max_connections)) {}

  // Opens a connection outside the pool's count.
  std::unique_ptr<pqxx::connection> Open() const {
    try {
      auto connection = std::make_unique<pqxx::connection>(url_);
      // Transactions are plain BEGIN and COMMIT statements (see
      // PostgresTransaction), so a connection that libpqxx silently reopened
      // would run the rest of a request outside its transaction.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
      connection->inhibit_reactivation(true);
#pragma GCC diagnostic pop
      {
        pqxx::nontransaction session(*connection);
        session.exec("SET search_path TO " + session.quote_name(schema_));
      }
      for (const Statement& statement : kStatements) connection->prepare(statement.name, statement.sql);
      return connection;
    } catch (const pqxx::broken_connection& error) {
      Fail(ErrorKind::kUnavailable,
           "cannot connect to PostgreSQL at " + RedactUrl(url_) + ": " + FirstLine(error.what()));
    } catch (const pqxx::sql_error& error) {
      Fail(ErrorKind::kInternal, "failed to set up a PostgreSQL connection: " + FirstLine(error.what()));
    }
  }

  // Returns an idle connection, opening one when none is idle and fewer than
  // the maximum are open, or else waits for one.
  std::unique_ptr<pqxx::connection> Acquire() {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [this] { return !idle_.empty() || open_count_ < max_connections_; });
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
    ++open_count_;
    lock.unlock();
    try {
      return Open();
    } catch (...) {
      Release(nullptr);
      throw;
    }
  }

  // Takes back a connection. A null or closed one is dropped, which frees its
  // place for a new connection.
  void Release(std::unique_ptr<pqxx::connection> connection) {
    {
      std::lock_guard lock(mutex_);
      if (connection != nullptr && connection->is_open()) {
        idle_.push_back(std::move(connection));
      } else {
        --open_count_;
      }
    }
    available_.notify_one();
  }

  const std::string& schema() const { return schema_; }

 private:
  std::string url_;
  std::string schema_;
  int max_connections_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  int open_count_ = 0;
};

namespace {

// A pooled connection, given back when the lease ends. Marking it broken
// drops it instead.
class Lease {
 public:
  explicit Lease(ConnectionPool& pool) : pool_(pool), connection_(pool.Acquire()) {}
  ~Lease() {
    if (broken_) connection_.reset();
    pool_.Release(std::move(connection_));
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  pqxx::connection& connection() { return *connection_; }
  void MarkBroken() { broken_ = true; }

 private:
  ConnectionPool& pool_;
  std::unique_ptr<pqxx::connection> connection_;
  bool broken_ = false;
};

// Converts the exception being handled into the store's errors:
// TransactionConflict for a serialization failure or deadlock,
// OrcError(kUnavailable) for a lost connection, OrcError(kInternal) otherwise.
[[noreturn]] void RethrowDatabaseError(std::string_view operation, Lease* lease) {
  const std::string context = "PostgreSQL " + std::string(operation) + " failed: ";
  try {
    throw;
  } catch (const OrcError&) {
    throw;
  } catch (const pqxx::serialization_failure& error) {
    throw TransactionConflict(context + FirstLine(error.what()));
  } catch (const pqxx::deadlock_detected& error) {
    throw TransactionConflict(context + FirstLine(error.what()));
  } catch (const pqxx::broken_connection& error) {
    if (lease != nullptr) lease->MarkBroken();
    Fail(ErrorKind::kUnavailable, context + "connection lost: " + FirstLine(error.what()));
  } catch (const pqxx::in_doubt_error& error) {
    if (lease != nullptr) lease->MarkBroken();
    Fail(ErrorKind::kUnavailable, context + "the connection was lost during COMMIT, so the outcome is unknown: " +
                                      FirstLine(error.what()));
  } catch (const pqxx::sql_error& error) {
    // The server reports serialization failures from some paths (COMMIT in
    // particular) as plain SQL errors with their SQLSTATE.
    if (error.sqlstate() == "40001" || error.sqlstate() == "40P01") {
      throw TransactionConflict(context + FirstLine(error.what()));
    }
    Fail(ErrorKind::kInternal, context + FirstLine(error.what()) + " (SQLSTATE " + error.sqlstate() + ")");
  } catch (const std::exception& error) {
    Fail(ErrorKind::kInternal, context + FirstLine(error.what()));
  }
}

// ---------------------------------------------------------------------------
// Encoding.

pqxx::binarystring Encode(const google::protobuf::MessageLite& message) {
  std::string bytes;
  if (!message.SerializeToString(&bytes)) Fail(ErrorKind::kInternal, "failed to serialise a " + message.GetTypeName());
  return pqxx::binarystring(bytes);
}

template <class Record>
std::shared_ptr<const Record> Decode(const pqxx::field& field) {
  pqxx::binarystring bytes(field);
  auto record = std::make_shared<Record>();
  if (!record->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    Fail(ErrorKind::kByteArray, "failed to decode a stored " + record->GetTypeName());
  }
  return record;
}

// Formats strings as a PostgreSQL array literal: {"a","b"}.
std::string ArrayLiteral(std::span<const std::string> values) {
  std::string literal = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) literal += ',';
    literal += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  return literal;
}

// Alternating keys and values, as jsonb_object(text[]) reads them.
std::string MetadataLiteral(const std::map<std::string, std::string>& metadata) {
  std::vector<std::string> items;
  items.reserve(metadata.size() * 2);
  for (const auto& [key, value] : metadata) {
    items.push_back(key);
    items.push_back(value);
  }
  return ArrayLiteral(items);
}

// SQL parameters for OFFSET and LIMIT. The limit asks for one row more than
// the page, which tells whether more rows follow.
std::int64_t OffsetOf(PageRequest page) {
  return static_cast<std::int64_t>(std::min<std::uint64_t>(page.offset, std::numeric_limits<std::int64_t>::max()));
}
std::int64_t LimitOf(PageRequest page) { return static_cast<std::int64_t>(page.size) + 1; }

template <class Record>
Page<std::shared_ptr<const Record>> PageOf(const pqxx::result& rows, PageRequest page) {
  Page<std::shared_ptr<const Record>> result;
  const std::size_t count = std::min<std::size_t>(rows.size(), page.size);
  result.items.reserve(count);
  for (std::size_t i = 0; i < count; ++i) result.items.push_back(Decode<Record>(rows[static_cast<int>(i)][0]));
  result.has_more = rows.size() > page.size;
  return result;
}

template <class Record>
std::shared_ptr<const Record> FirstOrNull(const pqxx::result& rows) {
  if (rows.empty()) return nullptr;
  return Decode<Record>(rows[0][0]);
}

template <class Record>
std::vector<std::shared_ptr<const Record>> AllOf(const pqxx::result& rows) {
  std::vector<std::shared_ptr<const Record>> records;
  records.reserve(rows.size());
  for (const auto& row : rows) records.push_back(Decode<Record>(row[0]));
  return records;
}

// The serialised body of an event, as a bytea literal in hex form: the API
// form of the event without id, channel and timestamp, which have columns
// of their own.
std::string EventBodyLiteral(const StoredEvent& event) {
  pb::Event proto;
  FillProto(event, "", &proto);
  proto.clear_id();
  proto.clear_timestamp();
  std::string bytes;
  if (!proto.SerializeToString(&bytes)) Fail(ErrorKind::kInternal, "failed to serialise an event");
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string literal = "'\\x";
  literal.reserve(literal.size() + 2 * bytes.size() + 8);
  for (unsigned char byte : bytes) {
    literal += kDigits[byte >> 4];
    literal += kDigits[byte & 0xf];
  }
  literal += "'::bytea";
  return literal;
}

StoredEventPtr DecodeEvent(const pqxx::row& row) {
  const auto position = row[0].as<std::uint64_t>();
  pqxx::binarystring bytes(row[2]);
  pb::Event proto;
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    Fail(ErrorKind::kByteArray, "failed to decode the stored event at position " + std::to_string(position));
  }
  auto event = std::make_shared<StoredEvent>();
  event->position = position;
  event->id = EventIdForPosition(position);
  event->timestamp = row[1].as<Micros>();
  EventDraft& body = event->body;
  body.event_kind = proto.event_kind();
  body.asset_kind = proto.asset_kind();
  body.asset_key = proto.asset_key();
  body.metadata.insert(proto.metadata().begin(), proto.metadata().end());
  switch (proto.asset_case()) {
    case pb::Event::kOrganization:
      body.asset = std::make_shared<const pb::Organization>(proto.organization());
      break;
    case pb::Event::kFunction:
      body.asset = std::make_shared<const pb::Function>(proto.function());
      break;
    case pb::Event::kDataManager:
      body.asset = std::make_shared<const pb::DataManager>(proto.data_manager());
      break;
    case pb::Event::kDataSample:
      body.asset = std::make_shared<const pb::DataSample>(proto.data_sample());
      break;
    case pb::Event::kComputePlan:
      body.asset = std::make_shared<const pb::ComputePlan>(proto.compute_plan());
      break;
    case pb::Event::kComputeTask:
      body.asset = std::make_shared<const pb::ComputeTask>(proto.compute_task());
      break;
    case pb::Event::kModel:
      body.asset = std::make_shared<const pb::Model>(proto.model());
      break;
    case pb::Event::kPerformance:
      body.asset = std::make_shared<const pb::Performance>(proto.performance());
      break;
    case pb::Event::kFailureReport:
      body.asset = std::make_shared<const pb::FailureReport>(proto.failure_report());
      break;
    case pb::Event::kComputeTaskOutputAsset:
      body.asset = std::make_shared<const pb::ComputeTaskOutputAsset>(proto.compute_task_output_asset());
      break;
    case pb::Event::ASSET_NOT_SET:
      break;
  }
  return event;
}

std::string Quoted(std::string_view noun, std::string_view key) {
  std::string text(noun);
  text.append(" \"").append(key).append("\"");
  return text;
}

// ---------------------------------------------------------------------------
// Transaction.

class PostgresTransaction final : public Transaction {
 public:
  PostgresTransaction(ConnectionPool& pool, WriterLocking locking, std::string_view channel, TransactionMode mode,
                      Micros time);
  ~PostgresTransaction() override;

  PostgresTransaction(const PostgresTransaction&) = delete;
  PostgresTransaction& operator=(const PostgresTransaction&) = delete;

  const std::string& channel() const override { return channel_; }
  Micros time() const override { return time_; }
  void Commit() override;

  OrganizationPtr GetOrganization(std::string_view id) override {
    return FirstOrNull<pb::Organization>(Exec("organization_get", channel_, std::string(id)));
  }
  std::vector<OrganizationPtr> GetAllOrganizations() override {
    return AllOf<pb::Organization>(Exec("organization_all", channel_));
  }
  void AddOrganization(OrganizationPtr organization) override;

  FunctionPtr GetFunction(std::string_view key) override {
    return FirstOrNull<pb::Function>(Exec("function_get", channel_, std::string(key)));
  }
  void AddFunction(FunctionPtr function) override { AddRecord("function", *function); }
  void UpdateFunction(FunctionPtr function) override { UpdateRecord("function", *function); }
  Page<FunctionPtr> QueryFunctions(PageRequest page, std::string_view compute_plan_key) override;

  DataManagerPtr GetDataManager(std::string_view key) override {
    return FirstOrNull<pb::DataManager>(Exec("data_manager_get", channel_, std::string(key)));
  }
  void AddDataManager(DataManagerPtr data_manager) override { AddRecord("data_manager", *data_manager); }
  void UpdateDataManager(DataManagerPtr data_manager) override { UpdateRecord("data_manager", *data_manager); }
  Page<DataManagerPtr> QueryDataManagers(PageRequest page) override {
    return PageOf<pb::DataManager>(Exec("data_manager_page", channel_, OffsetOf(page), LimitOf(page)), page);
  }

  DataSamplePtr GetDataSample(std::string_view key) override {
    return FirstOrNull<pb::DataSample>(Exec("data_sample_get", channel_, std::string(key)));
  }
  void AddDataSample(DataSamplePtr data_sample) override;
  void UpdateDataSample(DataSamplePtr data_sample) override;
  Page<DataSamplePtr> QueryDataSamples(PageRequest page, std::span<const std::string> keys) override;
  std::vector<std::string> GetDataSampleKeysByManager(std::string_view data_manager_key) override;

  ComputePlanPtr GetComputePlan(std::string_view key) override {
    return FirstOrNull<pb::ComputePlan>(Exec("plan_get", channel_, std::string(key)));
  }
  void AddComputePlan(ComputePlanPtr plan) override;
  void UpdateComputePlan(ComputePlanPtr plan) override;
  Page<ComputePlanPtr> QueryComputePlans(PageRequest page, std::string_view owner) override;
  bool IsPlanRunning(std::string_view plan_key) override {
    return Exec("plan_running", channel_, std::string(plan_key))[0][0].as<bool>();
  }

  ComputeTaskPtr GetComputeTask(std::string_view key) override {
    return FirstOrNull<pb::ComputeTask>(Exec("task_get", channel_, std::string(key)));
  }
  void AddComputeTask(ComputeTaskPtr task, std::span<const std::string> parent_keys) override;
  void UpdateComputeTask(ComputeTaskPtr task) override;
  std::vector<ComputeTaskPtr> GetComputeTaskChildren(std::string_view key) override {
    return AllOf<pb::ComputeTask>(Exec("task_children", channel_, std::string(key)));
  }
  Page<ComputeTaskPtr> QueryComputeTasks(PageRequest page, const TaskFilter& filter) override;

  std::vector<OutputAssetRef> GetOutputAssets(std::string_view task_key, std::string_view identifier) override;
  void AddOutputAsset(std::string_view task_key, std::string_view identifier, const OutputAssetRef& asset) override;

  ModelPtr GetModel(std::string_view key) override {
    return FirstOrNull<pb::Model>(Exec("model_get", channel_, std::string(key)));
  }
  void AddModel(ModelPtr model) override;
  void UpdateModel(ModelPtr model) override;
  std::vector<ModelPtr> GetComputeTaskModels(std::string_view task_key) override {
    return AllOf<pb::Model>(Exec("model_by_task", channel_, std::string(task_key)));
  }

  PerformancePtr GetPerformance(std::string_view task_key, std::string_view identifier) override {
    return FirstOrNull<pb::Performance>(
        Exec("performance_get", channel_, std::string(task_key), std::string(identifier)));
  }
  void AddPerformance(PerformancePtr performance) override;
  Page<PerformancePtr> QueryPerformances(PageRequest page, std::string_view task_key,
                                         std::string_view identifier) override;

  FailureReportPtr GetFailureReport(std::string_view task_key) override {
    return FirstOrNull<pb::FailureReport>(Exec("failure_report_get", channel_, std::string(task_key)));
  }
  void AddFailureReport(FailureReportPtr report) override;

  void AddEvent(EventDraft event) override;
  Page<StoredEventPtr> QueryEvents(PageRequest page, const EventFilter& filter) override;
  std::vector<StoredEventPtr> ReadEventsAfter(std::uint64_t after_position, std::size_t limit) override;
  std::optional<std::uint64_t> FindEventPosition(std::string_view event_id) override;

 private:
  // Runs a prepared statement of kStatements.
  template <class... Args>
  pqxx::result Exec(const char* statement, Args&&... args) {
    assert(!committed_ && "statement after Commit()");
    try {
      return work_->exec_prepared(statement, std::forward<Args>(args)...);
    } catch (...) {
      RethrowDatabaseError(statement, &lease_);
    }
  }

  // Runs a statement built at run time, every parameter passed as text.
  pqxx::result ExecDynamic(std::string_view operation, const std::string& sql,
                           const std::vector<std::string>& parameters) {
    assert(!committed_ && "statement after Commit()");
    try {
      return work_->exec_params(sql, pqxx::prepare::make_dynamic_params(parameters));
    } catch (...) {
      RethrowDatabaseError(operation, &lease_);
    }
  }

  // Runs a statement without parameters: several statements separated by
  // semicolons go to the server in one round trip.
  void ExecText(std::string_view operation, const std::string& sql) {
    try {
      work_->exec(sql);
    } catch (...) {
      RethrowDatabaseError(operation, &lease_);
    }
  }

  // Returns the SQL that locks the event counter, hands the next positions
  // to the pending events and inserts them, or an empty string when no event
  // is pending.
  std::string TakePendingEventsSql();

  // Inserts the pending events, so that a read in this transaction sees them.
  void FlushEvents() {
    const std::string sql = TakePendingEventsSql();
    if (!sql.empty()) ExecText("event insertion", sql);
  }

  // Throws OrcError(kInternal) unless the transaction may write.
  void RequireWritable(std::string_view operation) const;

  // Throws OrcError(kInternal) for a write that breaks a contract of store.h.
  [[noreturn]] void FailWrite(std::string_view operation, std::string_view detail) const {
    Fail(ErrorKind::kInternal,
         std::string(operation) + " failed on channel \"" + channel_ + "\": " + std::string(detail));
  }

  // Adds a function, data manager or data sample: the tables keyed by
  // (channel, key) and ordered by creation date.
  template <class Record>
  void AddRecord(const std::string& table, const Record& record);

  // Replaces the record stored under the same key and creation date.
  template <class Record>
  void UpdateRecord(const std::string& table, const Record& record);

  Lease lease_;
  // Statements run on the connection as they are. A read-write transaction
  // sends BEGIN and COMMIT itself, which saves a round trip at each end, and
  // a read-only one runs each statement on its own: with READ COMMITTED,
  // each statement sees what was committed before it started either way.
  std::unique_ptr<pqxx::nontransaction> work_;
  std::string channel_;
  Micros time_;
  TransactionMode mode_;
  bool committed_ = false;
  // True from the BEGIN until the COMMIT or ROLLBACK.
  bool open_ = false;
  // VALUES rows of the events added and not inserted yet. Events are
  // inserted in one statement at COMMIT, or before a read of events.
  std::vector<std::string> pending_event_rows_;
  bool inserted_events_ = false;
  std::string notification_channel_;
};

// Noun of a table, in messages.
std::string NounOf(const std::string& table) {
  std::string noun = table;
  std::replace(noun.begin(), noun.end(), '_', ' ');
  return noun;
}

PostgresTransaction::PostgresTransaction(ConnectionPool& pool, WriterLocking locking, std::string_view channel,
                                         TransactionMode mode, Micros time)
    : lease_(pool),
      channel_(channel),
      time_(time),
      mode_(mode),
      notification_channel_(NotificationChannel(pool.schema())) {
  try {
    work_ = std::make_unique<pqxx::nontransaction>(lease_.connection());
    if (mode == TransactionMode::kReadOnly) return;
    std::string begin = "BEGIN ISOLATION LEVEL SERIALIZABLE";
    if (locking == WriterLocking::kAtBegin) {
      // LOCK TABLE takes no snapshot, so the snapshot of the first query that
      // follows includes every transaction that held the lock before.
      begin += "; LOCK TABLE orc_event_counter IN EXCLUSIVE MODE";
    }
    open_ = true;
    work_->exec(begin);
  } catch (...) {
    RethrowDatabaseError("BEGIN", &lease_);
  }
}

PostgresTransaction::~PostgresTransaction() {
  try {
    if (open_ && !committed_) work_->exec("ROLLBACK");
  } catch (const std::exception&) {
    lease_.MarkBroken();
  }
  work_.reset();
}

void PostgresTransaction::Commit() {
  assert(!committed_ && "Commit() called twice on one transaction");
  if (committed_) return;
  if (mode_ == TransactionMode::kReadOnly) {
    committed_ = true;
    return;
  }
  std::string sql = TakePendingEventsSql();
  if (inserted_events_) {
    // Delivered to listeners when, and only if, the transaction commits.
    // The payload is "<last position> <channel>".
    sql += "SELECT pg_notify(" + work_->quote(notification_channel_) +
           ", (SELECT last_position FROM orc_event_counter)::text || ' ' || " + work_->quote(channel_) + "); ";
  }
  sql += "COMMIT";
  try {
    work_->exec(sql);
  } catch (const pqxx::broken_connection& error) {
    lease_.MarkBroken();
    Fail(ErrorKind::kUnavailable,
         "PostgreSQL COMMIT failed: the connection was lost, so whether the request was applied is unknown: " +
             FirstLine(error.what()));
  } catch (...) {
    RethrowDatabaseError("COMMIT", &lease_);
  }
  committed_ = true;
}

std::string PostgresTransaction::TakePendingEventsSql() {
  if (pending_event_rows_.empty()) return {};
  const std::string count = std::to_string(pending_event_rows_.size());
  // Updating the counter row locks it until the transaction ends, so no
  // other writer hands out positions in between. Under SERIALIZABLE, a
  // writer whose snapshot predates another writer's commit fails here with
  // a serialization failure instead of reusing positions.
  std::string sql = "WITH counter AS (UPDATE orc_event_counter SET last_position = last_position + " + count +
                    " RETURNING last_position - " + count +
                    " AS base) "
                    "INSERT INTO orc_events (position, channel, asset_key, asset_kind, event_kind, timestamp, "
                    "metadata, body) "
                    "SELECT counter.base + e.number, " +
                    work_->quote(channel_) +
                    ", e.asset_key, e.asset_kind, e.event_kind, e.timestamp, e.metadata, e.body "
                    "FROM counter CROSS JOIN (VALUES ";
  for (std::size_t i = 0; i < pending_event_rows_.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += "(" + std::to_string(i + 1) + ", " + pending_event_rows_[i] + ")";
  }
  sql += ") AS e (number, asset_key, asset_kind, event_kind, timestamp, metadata, body); ";
  pending_event_rows_.clear();
  inserted_events_ = true;
  return sql;
}

void PostgresTransaction::RequireWritable(std::string_view operation) const {
  assert(!committed_ && "write after Commit()");
  if (mode_ == TransactionMode::kReadWrite) return;
  Fail(ErrorKind::kInternal, std::string(operation) + " failed: the transaction on channel \"" + channel_ +
                                 "\" is read-only, so open a read-write transaction to write");
}

template <class Record>
void PostgresTransaction::AddRecord(const std::string& table, const Record& record) {
  const std::string operation = "Add" + table;
  RequireWritable(operation);
  const auto rows = Exec((table + "_add").c_str(), channel_, record.key(), ToMicros(record.creation_date()),
                         Encode(record));
  if (rows.affected_rows() == 0) FailWrite(operation, Quoted(NounOf(table), record.key()) + " already exists");
}

template <class Record>
void PostgresTransaction::UpdateRecord(const std::string& table, const Record& record) {
  const std::string operation = "Update" + table;
  RequireWritable(operation);
  const auto rows = Exec((table + "_update").c_str(), channel_, record.key(), ToMicros(record.creation_date()),
                         Encode(record));
  if (rows.affected_rows() != 0) return;
  if (Exec((table + "_get").c_str(), channel_, record.key()).empty()) {
    FailWrite(operation, Quoted(NounOf(table), record.key()) + " not found");
  }
  FailWrite(operation, Quoted(NounOf(table), record.key()) +
                           " changes creation_date, but the store orders by it and never updates it");
}

// ---- Organizations ----

void PostgresTransaction::AddOrganization(OrganizationPtr organization) {
  RequireWritable("AddOrganization");
  const auto rows = Exec("organization_add", channel_, organization->id(), Encode(*organization));
  if (rows.affected_rows() == 0) {
    FailWrite("AddOrganization", Quoted("organization", organization->id()) + " already exists");
  }
}

// ---- Functions ----

Page<FunctionPtr> PostgresTransaction::QueryFunctions(PageRequest page, std::string_view compute_plan_key) {
  if (compute_plan_key.empty()) {
    return PageOf<pb::Function>(Exec("function_page", channel_, OffsetOf(page), LimitOf(page)), page);
  }
  return PageOf<pb::Function>(
      Exec("function_page_by_plan", channel_, std::string(compute_plan_key), OffsetOf(page), LimitOf(page)), page);
}

// ---- Data samples ----

void PostgresTransaction::AddDataSample(DataSamplePtr data_sample) {
  AddRecord("data_sample", *data_sample);
  const Micros created = ToMicros(data_sample->creation_date());
  for (const std::string& manager_key : data_sample->data_manager_keys()) {
    Exec("data_sample_link", channel_, manager_key, data_sample->key(), created);
  }
}

void PostgresTransaction::UpdateDataSample(DataSamplePtr data_sample) {
  RequireWritable("UpdateDataSample");
  DataSamplePtr stored = GetDataSample(data_sample->key());
  if (stored == nullptr) FailWrite("UpdateDataSample", Quoted("data sample", data_sample->key()) + " not found");
  const auto& new_keys = data_sample->data_manager_keys();
  for (const std::string& stored_key : stored->data_manager_keys()) {
    if (std::find(new_keys.begin(), new_keys.end(), stored_key) == new_keys.end()) {
      FailWrite("UpdateDataSample", Quoted("data sample", data_sample->key()) + " drops data manager \"" +
                                        stored_key + "\", but data_manager_keys may only grow");
    }
  }
  UpdateRecord("data_sample", *data_sample);
  const Micros created = ToMicros(data_sample->creation_date());
  for (const std::string& manager_key : new_keys) {
    Exec("data_sample_link", channel_, manager_key, data_sample->key(), created);
  }
}

Page<DataSamplePtr> PostgresTransaction::QueryDataSamples(PageRequest page, std::span<const std::string> keys) {
  if (keys.empty()) {
    return PageOf<pb::DataSample>(Exec("data_sample_page", channel_, OffsetOf(page), LimitOf(page)), page);
  }
  return PageOf<pb::DataSample>(
      Exec("data_sample_page_by_keys", channel_, ArrayLiteral(keys), OffsetOf(page), LimitOf(page)), page);
}

std::vector<std::string> PostgresTransaction::GetDataSampleKeysByManager(std::string_view data_manager_key) {
  const auto rows = Exec("data_sample_keys_by_manager", channel_, std::string(data_manager_key));
  std::vector<std::string> keys;
  keys.reserve(rows.size());
  for (const auto& row : rows) keys.push_back(row[0].as<std::string>());
  return keys;
}

// ---- Compute plans ----

void PostgresTransaction::AddComputePlan(ComputePlanPtr plan) {
  RequireWritable("AddComputePlan");
  const auto rows =
      Exec("plan_add", channel_, plan->key(), plan->owner(), ToMicros(plan->creation_date()), Encode(*plan));
  if (rows.affected_rows() == 0) FailWrite("AddComputePlan", Quoted("compute plan", plan->key()) + " already exists");
}

void PostgresTransaction::UpdateComputePlan(ComputePlanPtr plan) {
  RequireWritable("UpdateComputePlan");
  const Micros created = ToMicros(plan->creation_date());
  const auto rows = Exec("plan_update", channel_, plan->key(), plan->owner(), created, Encode(*plan));
  if (rows.affected_rows() != 0) return;
  ComputePlanPtr stored = GetComputePlan(plan->key());
  if (stored == nullptr) FailWrite("UpdateComputePlan", Quoted("compute plan", plan->key()) + " not found");
  if (stored->owner() != plan->owner()) {
    FailWrite("UpdateComputePlan", "owner changes from \"" + stored->owner() + "\" to \"" + plan->owner() +
                                       "\", but the store indexes it and never updates it");
  }
  FailWrite("UpdateComputePlan", Quoted("compute plan", plan->key()) +
                                     " changes creation_date, but the store orders by it and never updates it");
}

Page<ComputePlanPtr> PostgresTransaction::QueryComputePlans(PageRequest page, std::string_view owner) {
  if (owner.empty()) return PageOf<pb::ComputePlan>(Exec("plan_page", channel_, OffsetOf(page), LimitOf(page)), page);
  return PageOf<pb::ComputePlan>(
      Exec("plan_page_by_owner", channel_, std::string(owner), OffsetOf(page), LimitOf(page)), page);
}

// ---- Compute tasks ----

void PostgresTransaction::AddComputeTask(ComputeTaskPtr task, std::span<const std::string> parent_keys) {
  RequireWritable("AddComputeTask");
  const auto rows = Exec("task_add", channel_, task->key(), task->compute_plan_key(), task->worker(),
                         task->function_key(), static_cast<int>(task->status()), ToMicros(task->creation_date()),
                         Encode(*task));
  if (rows.affected_rows() == 0) FailWrite("AddComputeTask", Quoted("compute task", task->key()) + " already exists");
  if (!parent_keys.empty()) Exec("task_add_parents", channel_, task->key(), ArrayLiteral(parent_keys));
}

void PostgresTransaction::UpdateComputeTask(ComputeTaskPtr task) {
  RequireWritable("UpdateComputeTask");
  const auto rows = Exec("task_update", channel_, task->key(), ToMicros(task->creation_date()),
                         task->compute_plan_key(), task->worker(), task->function_key(),
                         static_cast<int>(task->status()), Encode(*task));
  if (rows.affected_rows() != 0) return;

  // Nothing was written: find which contract the update breaks.
  ComputeTaskPtr stored = GetComputeTask(task->key());
  if (stored == nullptr) FailWrite("UpdateComputeTask", Quoted("compute task", task->key()) + " not found");
  const std::pair<const char*, std::pair<const std::string*, const std::string*>> fields[] = {
      {"compute_plan_key", {&stored->compute_plan_key(), &task->compute_plan_key()}},
      {"worker", {&stored->worker(), &task->worker()}},
      {"function_key", {&stored->function_key(), &task->function_key()}},
  };
  for (const auto& [field, values] : fields) {
    if (*values.first == *values.second) continue;
    FailWrite("UpdateComputeTask", std::string(field) + " changes from \"" + *values.first + "\" to \"" +
                                       *values.second + "\", but the store indexes it and never updates it");
  }
  FailWrite("UpdateComputeTask", Quoted("compute task", task->key()) +
                                     " changes creation_date, but the store orders by it and never updates it");
}

Page<ComputeTaskPtr> PostgresTransaction::QueryComputeTasks(PageRequest page, const TaskFilter& filter) {
  std::vector<std::string> parameters = {channel_};
  std::string sql = "SELECT asset FROM orc_compute_tasks WHERE channel = $1";
  auto add_condition = [&](const char* column, std::string value) {
    parameters.push_back(std::move(value));
    sql += std::string(" AND ") + column + " = $" + std::to_string(parameters.size());
  };
  if (!filter.compute_plan_key.empty()) add_condition("compute_plan_key", filter.compute_plan_key);
  if (!filter.worker.empty()) add_condition("worker", filter.worker);
  if (!filter.function_key.empty()) add_condition("function_key", filter.function_key);
  if (filter.status != pb::STATUS_UNKNOWN) add_condition("status", std::to_string(static_cast<int>(filter.status)));
  parameters.push_back(std::to_string(OffsetOf(page)));
  parameters.push_back(std::to_string(LimitOf(page)));
  sql += " ORDER BY creation_date, key OFFSET $" + std::to_string(parameters.size() - 1) + "::bigint LIMIT $" +
         std::to_string(parameters.size()) + "::bigint";
  return PageOf<pb::ComputeTask>(ExecDynamic("QueryComputeTasks", sql, parameters), page);
}

// ---- Output assets ----

std::vector<OutputAssetRef> PostgresTransaction::GetOutputAssets(std::string_view task_key,
                                                                 std::string_view identifier) {
  const auto rows = Exec("output_asset_get", channel_, std::string(task_key), std::string(identifier));
  std::vector<OutputAssetRef> assets;
  assets.reserve(rows.size());
  for (const auto& row : rows) {
    assets.push_back(OutputAssetRef{static_cast<pb::AssetKind>(row[0].as<int>()), row[1].as<std::string>()});
  }
  return assets;
}

void PostgresTransaction::AddOutputAsset(std::string_view task_key, std::string_view identifier,
                                         const OutputAssetRef& asset) {
  RequireWritable("AddOutputAsset");
  Exec("output_asset_add", channel_, std::string(task_key), std::string(identifier),
       static_cast<int>(asset.asset_kind), asset.asset_key);
}

// ---- Models ----

void PostgresTransaction::AddModel(ModelPtr model) {
  RequireWritable("AddModel");
  const auto rows = Exec("model_add", channel_, model->key(), model->compute_task_key(), Encode(*model));
  if (rows.affected_rows() == 0) FailWrite("AddModel", Quoted("model", model->key()) + " already exists");
}

void PostgresTransaction::UpdateModel(ModelPtr model) {
  RequireWritable("UpdateModel");
  const auto rows = Exec("model_update", channel_, model->key(), model->compute_task_key(), Encode(*model));
  if (rows.affected_rows() != 0) return;
  ModelPtr stored = GetModel(model->key());
  if (stored == nullptr) FailWrite("UpdateModel", Quoted("model", model->key()) + " not found");
  FailWrite("UpdateModel", "compute_task_key changes from \"" + stored->compute_task_key() + "\" to \"" +
                               model->compute_task_key() + "\", but the store indexes it and never updates it");
}

// ---- Performances ----

void PostgresTransaction::AddPerformance(PerformancePtr performance) {
  RequireWritable("AddPerformance");
  const std::string& task_key = performance->compute_task_key();
  const std::string& identifier = performance->compute_task_output_identifier();
  const auto rows = Exec("performance_add", channel_, task_key, identifier, ToMicros(performance->creation_date()),
                         Encode(*performance));
  if (rows.affected_rows() == 0) {
    FailWrite("AddPerformance", "performance of compute task \"" + task_key + "\" output \"" + identifier +
                                    "\" already exists");
  }
}

Page<PerformancePtr> PostgresTransaction::QueryPerformances(PageRequest page, std::string_view task_key,
                                                            std::string_view identifier) {
  std::vector<std::string> parameters = {channel_};
  std::string sql = "SELECT asset FROM orc_performances WHERE channel = $1";
  if (!task_key.empty()) {
    parameters.emplace_back(task_key);
    sql += " AND task_key = $" + std::to_string(parameters.size());
  }
  if (!identifier.empty()) {
    parameters.emplace_back(identifier);
    sql += " AND identifier = $" + std::to_string(parameters.size());
  }
  parameters.push_back(std::to_string(OffsetOf(page)));
  parameters.push_back(std::to_string(LimitOf(page)));
  sql += " ORDER BY creation_date, task_key DESC, identifier OFFSET $" + std::to_string(parameters.size() - 1) +
         "::bigint LIMIT $" + std::to_string(parameters.size()) + "::bigint";
  return PageOf<pb::Performance>(ExecDynamic("QueryPerformances", sql, parameters), page);
}

// ---- Failure reports ----

void PostgresTransaction::AddFailureReport(FailureReportPtr report) {
  RequireWritable("AddFailureReport");
  const auto rows = Exec("failure_report_add", channel_, report->compute_task_key(), Encode(*report));
  if (rows.affected_rows() == 0) {
    FailWrite("AddFailureReport",
              "failure report of compute task \"" + report->compute_task_key() + "\" already exists");
  }
}

// ---- Events ----

void PostgresTransaction::AddEvent(EventDraft event) {
  RequireWritable("AddEvent");
  const StoredEvent stored{0, {}, time_, std::move(event)};
  const EventDraft& body = stored.body;
  pending_event_rows_.push_back(work_->quote(body.asset_key) + ", " + std::to_string(static_cast<int>(body.asset_kind)) +
                                ", " + std::to_string(static_cast<int>(body.event_kind)) + ", " +
                                std::to_string(time_) + "::bigint, jsonb_object(" +
                                work_->quote(MetadataLiteral(body.metadata)) + "::text[]), " +
                                EventBodyLiteral(stored));
}

Page<StoredEventPtr> PostgresTransaction::QueryEvents(PageRequest page, const EventFilter& filter) {
  FlushEvents();
  std::vector<std::string> parameters = {channel_};
  std::string sql = "SELECT position, timestamp, body FROM orc_events WHERE channel = $1";
  auto next = [&parameters](std::string value) {
    parameters.push_back(std::move(value));
    return "$" + std::to_string(parameters.size());
  };
  if (!filter.asset_key.empty()) sql += " AND asset_key = " + next(filter.asset_key);
  if (filter.asset_kind != pb::ASSET_UNKNOWN) {
    sql += " AND asset_kind = " + next(std::to_string(static_cast<int>(filter.asset_kind))) + "::integer";
  }
  if (filter.event_kind != pb::EVENT_UNKNOWN) {
    sql += " AND event_kind = " + next(std::to_string(static_cast<int>(filter.event_kind))) + "::integer";
  }
  if (!filter.metadata.empty()) {
    sql += " AND metadata @> jsonb_object(" + next(MetadataLiteral(filter.metadata)) + "::text[])";
  }
  if (filter.start) sql += " AND timestamp >= " + next(std::to_string(*filter.start)) + "::bigint";
  if (filter.end) sql += " AND timestamp <= " + next(std::to_string(*filter.end)) + "::bigint";
  sql += filter.descending ? " ORDER BY timestamp DESC, position DESC" : " ORDER BY timestamp, position";
  sql += " OFFSET " + next(std::to_string(OffsetOf(page))) + "::bigint";
  sql += " LIMIT " + next(std::to_string(LimitOf(page))) + "::bigint";

  const auto rows = ExecDynamic("QueryEvents", sql, parameters);
  Page<StoredEventPtr> result;
  const std::size_t count = std::min<std::size_t>(rows.size(), page.size);
  result.items.reserve(count);
  for (std::size_t i = 0; i < count; ++i) result.items.push_back(DecodeEvent(rows[static_cast<int>(i)]));
  result.has_more = rows.size() > page.size;
  return result;
}

std::vector<StoredEventPtr> PostgresTransaction::ReadEventsAfter(std::uint64_t after_position, std::size_t limit) {
  std::vector<StoredEventPtr> events;
  if (limit == 0) return events;
  FlushEvents();
  const auto capped_limit =
      static_cast<std::int64_t>(std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
  const auto after = static_cast<std::int64_t>(
      std::min<std::uint64_t>(after_position, std::numeric_limits<std::int64_t>::max()));
  const auto rows = Exec("event_after", channel_, after, capped_limit);
  events.reserve(rows.size());
  for (const auto& row : rows) events.push_back(DecodeEvent(row));
  return events;
}

std::optional<std::uint64_t> PostgresTransaction::FindEventPosition(std::string_view event_id) {
  std::optional<std::uint64_t> position = PositionFromEventId(event_id);
  if (!position) return std::nullopt;
  FlushEvents();
  if (!Exec("event_exists", channel_, static_cast<std::int64_t>(*position))[0][0].as<bool>()) return std::nullopt;
  return position;
}

// ---------------------------------------------------------------------------
// Event listener.

class PostgresEventListener final : public EventListener {
 public:
  PostgresEventListener(std::unique_ptr<pqxx::connection> connection, const std::string& schema)
      : connection_(std::move(connection)), receiver_(*connection_, NotificationChannel(schema), this) {}

  bool WaitForEvents(std::string_view channel, std::uint64_t after_position,
                     std::chrono::milliseconds timeout) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // The receiver subscribed in the constructor, so any commit after this
    // check sends a notification that the loop below receives.
    if (HasEventAfter(channel, after_position)) return true;
    for (;;) {
      notified_ = false;
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) return false;
      const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(left).count();
      try {
        connection_->await_notification(static_cast<long>(micros / 1'000'000), static_cast<long>(micros % 1'000'000));
      } catch (...) {
        RethrowDatabaseError("LISTEN", nullptr);
      }
      if (!notified_) continue;
      // A notification's payload is "<last position> <channel>".
      for (const std::string& payload : payloads_) {
        const std::size_t space = payload.find(' ');
        if (space == std::string::npos || std::string_view(payload).substr(space + 1) != channel) continue;
        if (std::stoull(payload.substr(0, space)) > after_position) {
          payloads_.clear();
          return true;
        }
      }
      payloads_.clear();
    }
  }

 private:
  class Receiver final : public pqxx::notification_receiver {
   public:
    Receiver(pqxx::connection_base& connection, const std::string& channel, PostgresEventListener* owner)
        : pqxx::notification_receiver(connection, channel), owner_(owner) {}
    void operator()(const std::string& payload, int /*backend_pid*/) override {
      owner_->notified_ = true;
      owner_->payloads_.push_back(payload);
    }

   private:
    PostgresEventListener* owner_;
  };

  bool HasEventAfter(std::string_view channel, std::uint64_t after_position) {
    try {
      pqxx::read_transaction work(*connection_);
      return work
          .exec_params("SELECT EXISTS (SELECT 1 FROM orc_events WHERE channel = $1 AND position > $2)",
                       std::string(channel),
                       static_cast<std::int64_t>(
                           std::min<std::uint64_t>(after_position, std::numeric_limits<std::int64_t>::max())))[0][0]
          .as<bool>();
    } catch (...) {
      RethrowDatabaseError("event check", nullptr);
    }
  }

  std::unique_ptr<pqxx::connection> connection_;
  Receiver receiver_;
  bool notified_ = false;
  std::vector<std::string> payloads_;
};

}  // namespace
}  // namespace postgres_internal

using postgres_internal::ConnectionPool;

PostgresStore::PostgresStore(const std::string& url, PostgresStoreOptions options)
    : url_(url),
      options_(std::move(options)),
      pool_(std::make_unique<ConnectionPool>(url, options_.schema, options_.max_connections)) {
  // The first connection would prepare statements on tables that do not
  // exist yet, so migrations run on a connection of their own.
  std::unique_ptr<pqxx::connection> connection;
  try {
    connection = std::make_unique<pqxx::connection>(url_);
    pqxx::nontransaction session(*connection);
    session.exec("SET search_path TO " + session.quote_name(options_.schema));
  } catch (const pqxx::broken_connection& error) {
    Fail(ErrorKind::kUnavailable, "cannot connect to PostgreSQL at " + postgres_internal::RedactUrl(url_) + ": " +
                                      postgres_internal::FirstLine(error.what()));
  } catch (...) {
    postgres_internal::RethrowDatabaseError("connection setup", nullptr);
  }
  try {
    postgres_internal::ApplyMigrations(*connection, options_.schema);
  } catch (...) {
    postgres_internal::RethrowDatabaseError("schema migration", nullptr);
  }
}

PostgresStore::~PostgresStore() = default;

std::unique_ptr<Transaction> PostgresStore::Begin(std::string_view channel, TransactionMode mode, Micros time) {
  return std::make_unique<postgres_internal::PostgresTransaction>(*pool_, options_.writer_locking, channel, mode,
                                                                  time);
}

bool PostgresStore::WaitBeforeRetry(int failed_attempts) {
  if (failed_attempts >= options_.max_attempts) return false;
  // Exponential backoff with jitter, so that transactions that conflicted
  // together do not retry in step.
  const int doublings = std::min(failed_attempts - 1, 20);
  const auto ceiling = std::min(options_.initial_backoff * (std::int64_t{1} << doublings), options_.max_backoff);
  thread_local std::minstd_rand generator(std::random_device{}());
  std::uniform_int_distribution<std::int64_t> draw(ceiling.count() / 2, ceiling.count());
  std::this_thread::sleep_for(std::chrono::microseconds(draw(generator)));
  return true;
}

int PostgresStore::SchemaVersion() {
  postgres_internal::Lease lease(*pool_);
  try {
    pqxx::read_transaction work(lease.connection());
    return work.exec("SELECT coalesce(max(version), 0) FROM orc_schema_migrations")[0][0].as<int>();
  } catch (...) {
    postgres_internal::RethrowDatabaseError("schema version query", &lease);
  }
}

bool PostgresStore::HasChannelData(std::string_view channel) {
  std::string sql = "SELECT";
  const auto& tables = postgres_internal::DataTables();
  for (std::size_t i = 0; i < tables.size(); ++i) {
    if (i > 0) sql += " OR";
    sql += " EXISTS (SELECT 1 FROM " + tables[i] + " WHERE channel = $1)";
  }
  postgres_internal::Lease lease(*pool_);
  try {
    pqxx::read_transaction work(lease.connection());
    return work.exec_params(sql, std::string(channel))[0][0].as<bool>();
  } catch (...) {
    postgres_internal::RethrowDatabaseError("channel data check", &lease);
  }
}

void PostgresStore::ResetDatabase() {
  std::string tables;
  for (const std::string& table : postgres_internal::DataTables()) {
    if (!tables.empty()) tables += ", ";
    tables += table;
  }
  postgres_internal::Lease lease(*pool_);
  try {
    pqxx::work work(lease.connection());
    work.exec("TRUNCATE " + tables + " RESTART IDENTITY");
    work.exec("UPDATE orc_event_counter SET last_position = 0");
    work.commit();
  } catch (...) {
    postgres_internal::RethrowDatabaseError("reset", &lease);
  }
}

std::unique_ptr<EventListener> PostgresStore::ListenForEvents() {
  auto connection = pool_->Open();
  try {
    return std::make_unique<postgres_internal::PostgresEventListener>(std::move(connection), options_.schema);
  } catch (...) {
    postgres_internal::RethrowDatabaseError("LISTEN", nullptr);
  }
}

}  // namespace orc::persistence
