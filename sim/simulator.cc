#include "sim/simulator.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <queue>
#include <set>
#include <tuple>
#include <unordered_map>

#include "core/orchestrator.h"
#include "core/persistence/memory_store.h"
#include "sim/faults.h"
#include "sim/invariants.h"
#include "sim/plan_builder.h"
#include "sim/random.h"

namespace orc::sim {

namespace pb = ::orchestrator;

namespace {

constexpr double kMicrosPerSecond = 1e6;
// Tasks read per page when the run inspects the final state.
constexpr std::uint32_t kInspectionPageSize = 1000;
// Events read per ReadEvents call when dispatching.
constexpr std::size_t kEventBatch = 1000;
// A hard bound on the number of actions, against a scenario that never ends.
constexpr std::uint64_t kMaxActions = 100'000'000;
// Attempts of one request before the client gives up for now, when each
// attempt fails with OE0900 (lost, late or cut off).
constexpr int kMaxAttempts = 20;
// How long an agent waits before it tries again an operation that could not
// reach the server.
constexpr Micros kRetryDelay = 30'000'000;
constexpr const char* kChecksum = "8f2d7c1b5e3a4960a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4";

Micros ToMicros(double seconds) { return static_cast<Micros>(seconds * kMicrosPerSecond + 0.5); }

double Sample(Rng& rng, const Distribution& distribution) {
  double value = distribution.a;
  switch (distribution.kind) {
    case Distribution::Kind::kFixed: break;
    case Distribution::Kind::kUniform: value = rng.Uniform(distribution.a, distribution.b); break;
    case Distribution::Kind::kNormal: value = rng.Normal(distribution.a, distribution.b); break;
  }
  return std::max(value, 0.0);
}

pb::AssetKind KindFromName(const std::string& kind) {
  if (kind == "model") return pb::ASSET_MODEL;
  if (kind == "data_manager") return pb::ASSET_DATA_MANAGER;
  if (kind == "data_sample") return pb::ASSET_DATA_SAMPLE;
  if (kind == "performance") return pb::ASSET_PERFORMANCE;
  return pb::ASSET_UNKNOWN;
}

std::string LowerCase(std::string text) {
  for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return text;
}

std::string FormatTime(Micros micros) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%lld.%06lld", static_cast<long long>(micros / 1'000'000),
                static_cast<long long>(micros % 1'000'000));
  return buffer;
}

// FNV-1a, 64 bits: the hash of the trace lines, each followed by '\n'.
class TraceHash {
 public:
  void Add(const std::string& line) {
    for (unsigned char c : line) Mix(c);
    Mix('\n');
  }
  std::string Hex() const {
    char buffer[17];
    std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(state_));
    return buffer;
  }

 private:
  void Mix(unsigned char c) {
    state_ ^= c;
    state_ *= 0x100000001b3ULL;
  }
  std::uint64_t state_ = 0xcbf29ce484222325ULL;
};

class World;

// Outcome of a write sent with retries.
enum class Delivery {
  kApplied,     // the server applied it (perhaps on an earlier attempt)
  kRejected,    // the server rejected it
  kUnreachable  // every attempt failed with OE0900: try again later
};

// One simulated organisation: a Substra backend in miniature.
class Agent {
 public:
  Agent(World& world, const Organization& organization) : world_(world), organization_(organization) {}

  const std::string& id() const { return organization_.id; }

  // Reacts to a new snapshot of a task this organisation is the worker of.
  void OnTaskChanged(const pb::ComputeTask& task);

 private:
  struct Execution {
    std::uint64_t generation = 0;
    std::string label;
    int round = 0;
    std::optional<bool> fails;  // drawn at the first attempt to finish
    // Outputs may already be registered: after a retry, or when resumed
    // after a crash.
    bool check_outputs = false;
  };

  void StartReadyTasks();
  // Returns false when the server could not be reached.
  bool Start(const std::string& key, const std::string& label, int round, const std::string& function_key);
  void Finish(const std::string& key, std::uint64_t generation, const std::string& function_key);
  void FinishLater(const std::string& key, std::uint64_t generation, const std::string& function_key);
  void Release(const std::string& key);
  const pb::Function* LoadFunction(const std::string& function_key);
  // Draws a crash. On a crash the agent drops its whole state and schedules
  // its restart.
  bool Crashes();
  // Rebuilds the agent's state from the channel's events.
  void Restart();

  struct ReadyTask {
    std::string key;
    std::string label;
    int round = 0;
    std::string function_key;
  };

  World& world_;
  const Organization& organization_;
  bool down_ = false;  // crashed and not restarted yet
  std::deque<ReadyTask> ready_;
  std::set<std::string> queued_;  // keys in ready_ still wanted
  std::map<std::string, Execution> running_;
  // Tasks whose DOING request could not be confirmed: a late copy of it may
  // still be applied.
  std::set<std::string> unreachable_starts_;
  // Survives a crash, so that an action scheduled before it never matches a
  // new execution.
  std::uint64_t next_generation_ = 0;
  std::unordered_map<std::string, pb::Function> functions_;
};

class World {
 public:
  World(const Scenario& scenario, Api& target, VirtualClock* clock, const RunOptions& options)
      : scenario_(scenario),
        server_(&target),
        target_(&target),
        clock_(clock),
        options_(options),
        rng_(options.seed.value_or(scenario.seed)),
        plan_(BuildPlan(scenario)),
        // The parser sets the owner; scenarios built in code may leave it empty.
        owner_(scenario.plan.owner.empty() ? Aggregator(scenario) : scenario.plan.owner) {
    for (const Organization& org : scenario.organizations) {
      agents_.emplace(org.id, std::make_unique<Agent>(*this, org));
    }
    if (scenario.faults.Any()) {
      FaultHooks hooks;
      hooks.now = [this] { return now_; };
      hooks.schedule = [this](Micros at, std::function<void()> action) { Schedule(at, std::move(action)); };
      hooks.note = [this](const std::string& org, const std::string& method, const std::string& what) {
        Note(org, method, what);
      };
      hooks.restart_server = [this]() -> Api* {
        Api* restarted = options_.restart_server ? options_.restart_server() : nullptr;
        if (restarted != nullptr) {
          server_ = restarted;
          if (checker_) checker_->SetTarget(*restarted);
        }
        return restarted;
      };
      injector_ = std::make_unique<FaultInjector>(target, scenario.faults, options.seed.value_or(scenario.seed),
                                                  std::move(hooks));
      target_ = injector_.get();
    }
    if (options.check_invariants) {
      const std::string& reader = owner_.empty() ? scenario.organizations.front().id : owner_;
      checker_ = std::make_unique<InvariantChecker>(target, RequestContext{reader, scenario.channel});
    }
  }

  RunResult Run();

  void Schedule(Micros at, std::function<void()> action) {
    queue_.push(Action{at, next_sequence_++, std::move(action)});
  }
  Micros now() const { return now_; }
  Rng& rng() { return rng_; }
  const Scenario& scenario() const { return scenario_; }
  // The target as the organisations see it: through the fault injector
  // when the scenario has faults.
  Api& target() { return *target_; }

  RequestContext As(const std::string& org) const { return RequestContext{org, scenario_.channel}; }

  // Records one call in the trace; returns the result unchanged.
  template <class T>
  Result<T> Traced(const std::string& org, const char* method, const std::string& subject, Result<T> result) {
    ++api_calls_;
    std::string outcome = "OK";
    if (!result.ok()) {
      ++failed_calls_;
      outcome = result.error().message().substr(0, 6);
    }
    std::string line = FormatTime(now_) + " " + org + " " + method + " " + subject + " " + outcome;
    trace_hash_.Add(line);
    if (options_.trace_sink) options_.trace_sink(line);
    return result;
  }

  // Records an injected fault or an agent's crash in the trace. Such lines
  // are not API calls.
  void Note(const std::string& org, const std::string& what, const std::string& detail) {
    std::string line = FormatTime(now_) + " " + org + " FAULT " + what + " " + detail;
    trace_hash_.Add(line);
    if (options_.trace_sink) options_.trace_sink(line);
  }

  bool DrawAgentCrash() { return injector_ != nullptr && injector_->DrawAgentCrash(); }
  Micros DrawRestartDelay() { return injector_->DrawRestartDelay(); }

  // Sends a write until it gets through. An OE0900 error (lost, late, cut
  // off) is retried at once, up to kMaxAttempts. Once an attempt has failed
  // that way, the server may have applied it, so a later error such as
  // OE0006 (already exists) or OE0003 (wrong status) may come from that
  // first attempt: `applied()` then reads the target and returns whether the
  // request's effect is there, or nullopt when it cannot tell.
  // `sent_before`: an earlier Send of the same request ended unreachable, so
  // the server may have applied it already.
  template <class SendFn, class AppliedFn>
  Delivery Send(const std::string& org, const char* method, const std::string& subject, SendFn send,
                AppliedFn applied, bool sent_before = false) {
    bool uncertain = sent_before;
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      auto result = Traced(org, method, subject, send());
      if (result.ok()) return Delivery::kApplied;
      if (result.error().kind() == ErrorKind::kUnavailable) {
        uncertain = true;
        continue;
      }
      if (!uncertain) return Delivery::kRejected;
      std::optional<bool> was_applied = applied();
      if (!was_applied) return Delivery::kUnreachable;
      return *was_applied ? Delivery::kApplied : Delivery::kRejected;
    }
    return Delivery::kUnreachable;
  }

  // Sends a read, retried like Send. Returns the response, or nullopt when
  // the read failed or the server could not be reached.
  template <class ReadFn>
  auto Read(const std::string& org, const char* method, const std::string& subject, ReadFn read)
      -> std::optional<std::decay_t<decltype(read().value())>> {
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      auto result = Traced(org, method, subject, read());
      if (result.ok()) return std::move(result).value();
      if (result.error().kind() != ErrorKind::kUnavailable) return std::nullopt;
    }
    return std::nullopt;
  }

  // Sends a read, retried like Send, and returns its result (a response or
  // an error other than OE0900), or nullopt when the server could not be
  // reached. The `applied()` checks of Send use it to tell NotFound from an
  // unreachable server.
  template <class ReadFn>
  auto Lookup(const std::string& org, const char* method, const std::string& subject, ReadFn read)
      -> std::optional<decltype(read())> {
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      auto result = Traced(org, method, subject, read());
      if (result.ok() || result.error().kind() != ErrorKind::kUnavailable) return result;
    }
    return std::nullopt;
  }

  // Reads task `key`. TaskIs returns whether it is in `status`, or nullopt
  // when the read failed: for the `applied()` checks of Send.
  std::optional<pb::ComputeTask> ReadTask(const std::string& org, const std::string& key, const std::string& subject) {
    pb::GetTaskParam request;
    request.set_key(key);
    return Read(org, "GetTask", subject, [&] { return target().GetTask(As(org), request); });
  }
  std::optional<bool> TaskIs(const std::string& org, const std::string& key, const std::string& subject,
                             pb::ComputeTaskStatus status) {
    std::optional<pb::ComputeTask> task = ReadTask(org, key, subject);
    if (!task) return std::nullopt;
    return task->status() == status;
  }

  const FunctionSpec& FunctionByKey(const std::string& key) const { return *functions_by_key_.at(key); }
  bool IsPlanTask(const pb::ComputeTask& task) const {
    return !plan_key_.empty() && task.compute_plan_key() == plan_key_ && functions_by_key_.contains(task.function_key());
  }
  bool IsInjectedFailure(const std::string& label) const { return injected_labels_.contains(label); }
  Micros ReactionDelay() { return ToMicros(Sample(rng_, scenario_.reaction_delay)); }

 private:
  struct Action {
    Micros time;
    std::uint64_t sequence;
    std::function<void()> run;
  };
  struct Later {
    bool operator()(const Action& a, const Action& b) const {
      return std::tie(a.time, a.sequence) > std::tie(b.time, b.sequence);
    }
  };

  void RegisterEverything();
  void RegisterData(const DataSpec& data);
  void RegisterPlanAndTasks();
  pb::NewComputeTask NewTask(const PlannedTask& planned);
  void AddDataInputs(const FunctionSpec& function, const std::string& worker, pb::NewComputeTask& task);
  void DispatchEvents();
  void OnEvent(const pb::Event& event);
  void CancelPlan();
  // Whether no task can fail or be canceled in this scenario.
  bool NothingCanFail() const;
  void CheckEnd();
  RunResult Inspect();
  void CheckExpectations(RunResult& result);
  std::string NewAddress(const std::string& what) {
    return "http://orcsim.local/" + what + "/" + std::to_string(++address_count_);
  }

  const Scenario& scenario_;
  Api* server_;  // the target itself, for the checker and the final inspection
  Api* target_;  // the target through the fault injector, when there is one
  std::unique_ptr<FaultInjector> injector_;
  std::unique_ptr<InvariantChecker> checker_;
  std::vector<std::string> violations_;
  std::uint64_t api_calls_at_violation_ = 0;
  VirtualClock* clock_;
  const RunOptions& options_;
  Rng rng_;
  std::vector<PlannedTask> plan_;
  std::map<std::string, std::unique_ptr<Agent>> agents_;

  std::priority_queue<Action, std::vector<Action>, Later> queue_;
  std::uint64_t next_sequence_ = 0;
  Micros now_ = 0;

  std::string owner_;
  std::string plan_key_;
  std::vector<std::string> task_keys_;  // by plan index
  // (task index, output identifier) -> workers of the tasks consuming it, in
  // plan order.
  std::map<std::pair<int, std::string>, std::vector<std::string>> consumers_;
  std::map<std::string, std::string> data_manager_keys_;  // organisation -> key
  std::map<std::string, std::vector<std::string>> sample_keys_;  // organisation -> keys
  std::map<std::string, std::string> function_keys_;  // name -> key
  std::unordered_map<std::string, const FunctionSpec*> functions_by_key_;
  std::set<std::string> injected_labels_;
  std::uint64_t address_count_ = 0;

  std::string last_event_id_;
  std::uint64_t events_ = 0;
  std::unordered_map<std::string, pb::ComputeTaskStatus> task_status_;
  int finished_tasks_ = 0;
  int done_tasks_ = 0;
  bool cancel_scheduled_ = false;
  // The plan's cancelation could not be confirmed: a retry may find it done.
  bool cancel_unconfirmed_ = false;

  std::uint64_t api_calls_ = 0;
  std::uint64_t failed_calls_ = 0;
  TraceHash trace_hash_;
  std::string stop_reason_;  // empty when the run ended by itself
};

// ---- Agent ----

void Agent::OnTaskChanged(const pb::ComputeTask& task) {
  if (down_) return;
  const std::string& key = task.key();
  if (task.status() == pb::STATUS_TODO && !queued_.contains(key) && !running_.contains(key)) {
    const auto& metadata = task.metadata();
    auto label = metadata.find("orcsim.task");
    auto round = metadata.find("orcsim.round");
    ReadyTask ready{key, label == metadata.end() ? key : label->second,
                    round == metadata.end() ? 0 : std::stoi(round->second), task.function_key()};
    ready_.push_back(std::move(ready));
    queued_.insert(key);
    world_.Schedule(world_.now() + world_.ReactionDelay(), [this] { StartReadyTasks(); });
    return;
  }
  bool final = task.status() == pb::STATUS_CANCELED || task.status() == pb::STATUS_FAILED ||
               task.status() == pb::STATUS_DONE;
  if (final) {
    queued_.erase(key);
    // A task canceled or failed by someone else while it runs here: stop it.
    if (running_.contains(key) && task.status() != pb::STATUS_DONE) Release(key);
  }
}

void Agent::StartReadyTasks() {
  if (down_ || Crashes()) return;
  while (static_cast<int>(running_.size()) < organization_.compute_slots && !ready_.empty()) {
    ReadyTask next = std::move(ready_.front());
    ready_.pop_front();
    if (queued_.erase(next.key) == 0) continue;  // no longer wanted
    if (!Start(next.key, next.label, next.round, next.function_key)) return;
  }
}

bool Agent::Start(const std::string& key, const std::string& label, int round, const std::string& function_key) {
  pb::ApplyTaskActionParam start;
  start.set_compute_task_key(key);
  start.set_action(pb::TASK_ACTION_DOING);
  Delivery delivery = world_.Send(
      id(), "ApplyTaskAction", label + " DOING", [&] { return world_.target().ApplyTaskAction(world_.As(id()), start); },
      [&] { return world_.TaskIs(id(), key, label, pb::STATUS_DOING); }, unreachable_starts_.contains(key));
  if (delivery == Delivery::kUnreachable) {
    // Put it back and try again later.
    ready_.push_front(ReadyTask{key, label, round, function_key});
    queued_.insert(key);
    unreachable_starts_.insert(key);
    world_.Schedule(world_.now() + kRetryDelay, [this] { StartReadyTasks(); });
    return false;
  }
  unreachable_starts_.erase(key);
  if (delivery == Delivery::kRejected) return true;  // no longer TODO, canceled for example

  std::uint64_t generation = ++next_generation_;
  running_[key] = Execution{generation, label, round, std::nullopt, false};

  pb::GetTaskInputAssetsParam inputs;
  inputs.set_compute_task_key(key);
  world_.Read(id(), "GetTaskInputAssets", label,
              [&] { return world_.target().GetTaskInputAssets(world_.As(id()), inputs); });

  const FunctionSpec& spec = world_.FunctionByKey(function_key);
  const Distribution& duration = spec.duration ? *spec.duration : world_.scenario().default_duration;
  Micros finish_at = world_.now() + ToMicros(Sample(world_.rng(), duration));
  world_.Schedule(finish_at, [this, key, generation, function_key] { Finish(key, generation, function_key); });
  return true;
}

const pb::Function* Agent::LoadFunction(const std::string& function_key) {
  auto it = functions_.find(function_key);
  if (it != functions_.end()) return &it->second;
  pb::GetFunctionParam request;
  request.set_key(function_key);
  auto function = world_.Read(id(), "GetFunction", world_.FunctionByKey(function_key).name,
                              [&] { return world_.target().GetFunction(world_.As(id()), request); });
  if (!function) return nullptr;
  return &functions_.emplace(function_key, std::move(*function)).first->second;
}

void Agent::FinishLater(const std::string& key, std::uint64_t generation, const std::string& function_key) {
  running_.at(key).check_outputs = true;
  world_.Schedule(world_.now() + kRetryDelay,
                  [this, key, generation, function_key] { Finish(key, generation, function_key); });
}

void Agent::Finish(const std::string& key, std::uint64_t generation, const std::string& function_key) {
  if (down_) return;
  auto running = running_.find(key);
  if (running == running_.end() || running->second.generation != generation) return;  // stopped meanwhile
  if (Crashes()) return;
  Execution& execution = running->second;
  const std::string label = execution.label;
  const FunctionSpec& spec = world_.FunctionByKey(function_key);
  if (!execution.fails) {
    execution.fails = world_.IsInjectedFailure(label) || world_.rng().Bernoulli(spec.failure_probability);
  }

  if (*execution.fails) {
    pb::NewFailureReport report;
    report.set_compute_task_key(key);
    report.set_error_type(pb::ERROR_TYPE_EXECUTION);
    report.mutable_logs_address()->set_checksum(kChecksum);
    report.mutable_logs_address()->set_storage_address("http://orcsim.local/logs/" + key);
    pb::GetFailureReportParam get_report;
    get_report.set_compute_task_key(key);
    Delivery delivery = world_.Send(
        id(), "RegisterFailureReport", label,
        [&] { return world_.target().RegisterFailureReport(world_.As(id()), report); },
        [&]() -> std::optional<bool> {
          auto stored = world_.Lookup(id(), "GetFailureReport", label,
                                      [&] { return world_.target().GetFailureReport(world_.As(id()), get_report); });
          if (!stored) return std::nullopt;
          if (stored->ok()) return true;
          if (stored->error().kind() == ErrorKind::kNotFound) return false;
          return std::nullopt;
        });
    if (delivery == Delivery::kUnreachable) return FinishLater(key, generation, function_key);
    Release(key);
    return;
  }

  const pb::Function* function = LoadFunction(function_key);
  if (function == nullptr) return FinishLater(key, generation, function_key);
  std::map<std::string, pb::FunctionOutput> outputs(function->outputs().begin(), function->outputs().end());

  // After a retry or a crash, outputs registered by an earlier attempt are
  // not registered again. The task's output asset events tell which.
  pb::QueryEventsParam output_events;
  output_events.set_page_size(100);
  output_events.mutable_filter()->set_asset_key(key);
  output_events.mutable_filter()->set_asset_kind(pb::ASSET_COMPUTE_TASK_OUTPUT_ASSET);
  // Asset keys of the registered outputs, by output identifier.
  auto read_outputs = [&]() -> std::optional<std::map<std::string, std::set<std::string>>> {
    auto events = world_.Read(id(), "QueryEvents", label,
                              [&] { return world_.target().QueryEvents(world_.As(id()), output_events); });
    if (!events) return std::nullopt;
    std::map<std::string, std::set<std::string>> outputs_by_identifier;
    for (const pb::Event& event : events->events()) {
      const pb::ComputeTaskOutputAsset& asset = event.compute_task_output_asset();
      outputs_by_identifier[asset.compute_task_output_identifier()].insert(asset.asset_key());
    }
    return outputs_by_identifier;
  };
  std::set<std::string> registered;
  if (execution.check_outputs) {
    auto stored = read_outputs();
    if (!stored) return FinishLater(key, generation, function_key);
    for (const auto& [identifier, assets] : *stored) registered.insert(identifier);
  }

  // NOTE: a late copy of an earlier RegisterModels may still arrive. For a
  // single output it then fails with OE0006; a `multiple` output would get
  // a second model, and the checker only counts single outputs.
  pb::RegisterModelsParam models;
  for (const auto& [identifier, output] : outputs) {
    if (output.kind() != pb::ASSET_MODEL || registered.contains(identifier)) continue;
    pb::NewModel* model = models.add_models();
    model->set_key(world_.rng().Uuid());
    model->set_compute_task_key(key);
    model->set_compute_task_output_identifier(identifier);
    model->mutable_address()->set_checksum(kChecksum);
    model->mutable_address()->set_storage_address("http://orcsim.local/model/" + model->key());
  }
  if (models.models_size() > 0) {
    Delivery delivery = world_.Send(
        id(), "RegisterModels", label, [&] { return world_.target().RegisterModels(world_.As(id()), models); },
        [&]() -> std::optional<bool> {
          auto stored = read_outputs();
          if (!stored) return std::nullopt;
          return std::all_of(models.models().begin(), models.models().end(), [&stored](const pb::NewModel& model) {
            auto assets = stored->find(model.compute_task_output_identifier());
            return assets != stored->end() && assets->second.contains(model.key());
          });
        });
    if (delivery == Delivery::kUnreachable) return FinishLater(key, generation, function_key);
  }
  for (const auto& [identifier, output] : outputs) {
    if (output.kind() != pb::ASSET_PERFORMANCE || registered.contains(identifier)) continue;
    const PerformanceCurve& curve = world_.scenario().performance;
    double progress = std::max(execution.round, 1) - 1;
    double value = curve.end - (curve.end - curve.start) / (1.0 + curve.rate * progress) +
                   world_.rng().Uniform(-curve.noise, curve.noise);
    pb::NewPerformance performance;
    performance.set_compute_task_key(key);
    performance.set_compute_task_output_identifier(identifier);
    performance.set_performance_value(static_cast<float>(std::clamp(value, 0.0, 1.0)));
    const std::string output_identifier = identifier;
    Delivery delivery = world_.Send(
        id(), "RegisterPerformance", label,
        [&] { return world_.target().RegisterPerformance(world_.As(id()), performance); },
        [&]() -> std::optional<bool> {
          auto stored = read_outputs();
          if (!stored) return std::nullopt;
          return stored->contains(output_identifier);
        });
    if (delivery == Delivery::kUnreachable) return FinishLater(key, generation, function_key);
  }

  pb::ApplyTaskActionParam done;
  done.set_compute_task_key(key);
  done.set_action(pb::TASK_ACTION_DONE);
  Delivery delivery = world_.Send(
      id(), "ApplyTaskAction", label + " DONE", [&] { return world_.target().ApplyTaskAction(world_.As(id()), done); },
      [&] { return world_.TaskIs(id(), key, label, pb::STATUS_DONE); });
  if (delivery == Delivery::kUnreachable) return FinishLater(key, generation, function_key);
  Release(key);
}

void Agent::Release(const std::string& key) {
  running_.erase(key);
  world_.Schedule(world_.now(), [this] { StartReadyTasks(); });
}

bool Agent::Crashes() {
  if (!world_.DrawAgentCrash()) return false;
  down_ = true;
  ready_.clear();
  unreachable_starts_.clear();
  queued_.clear();
  running_.clear();
  functions_.clear();
  Micros delay = world_.DrawRestartDelay();
  world_.Note(id(), "agent", "crash, restart in " + FormatTime(delay) + " s");
  world_.Schedule(world_.now() + delay, [this] { Restart(); });
  return true;
}

void Agent::Restart() {
  down_ = false;
  world_.Note(id(), "agent", "restart");
  // The latest snapshot of each task this organisation works on, in the
  // order the tasks first appear in the channel's events.
  std::vector<std::string> order;
  std::map<std::string, pb::ComputeTask> latest;
  std::string cursor;
  while (true) {
    auto batch = world_.target().ReadEvents(world_.As(id()), cursor, kEventBatch);
    if (!batch.ok()) break;
    for (const pb::Event& event : batch->events) {
      if (!event.has_compute_task() || event.compute_task().worker() != id()) continue;
      auto [it, inserted] = latest.insert_or_assign(event.compute_task().key(), event.compute_task());
      if (inserted) order.push_back(it->first);
    }
    cursor = batch->last_event_id;
    if (batch->events.size() < kEventBatch) break;
  }
  for (const std::string& key : order) {
    const pb::ComputeTask& task = latest.at(key);
    if (!world_.IsPlanTask(task)) continue;
    if (task.status() == pb::STATUS_TODO) {
      // A DOING request sent before the crash may still arrive late.
      unreachable_starts_.insert(key);
      OnTaskChanged(task);
      continue;
    }
    if (task.status() != pb::STATUS_DOING) continue;
    // Started before the crash: run it again; outputs registered before the
    // crash are kept.
    const auto& metadata = task.metadata();
    auto label = metadata.find("orcsim.task");
    auto round = metadata.find("orcsim.round");
    std::uint64_t generation = ++next_generation_;
    running_[key] = Execution{generation, label == metadata.end() ? key : label->second,
                              round == metadata.end() ? 0 : std::stoi(round->second), std::nullopt, true};
    const FunctionSpec& spec = world_.FunctionByKey(task.function_key());
    const Distribution& duration = spec.duration ? *spec.duration : world_.scenario().default_duration;
    std::string function_key = task.function_key();
    world_.Schedule(world_.now() + ToMicros(Sample(world_.rng(), duration)),
                    [this, key, generation, function_key] { Finish(key, generation, function_key); });
  }
  world_.Schedule(world_.now(), [this] { StartReadyTasks(); });
}

// ---- World ----

RunResult World::Run() {
  for (const InjectedFailure& failure : scenario_.injected_failures) {
    if (!failure.task.empty()) {
      injected_labels_.insert(failure.task);
      continue;
    }
    for (const PlannedTask& task : plan_) {
      if (task.function == failure.function && task.worker == failure.organization && task.round == failure.round) {
        injected_labels_.insert(task.label);
      }
    }
  }
  if (scenario_.cancel && scenario_.cancel->at_seconds) {
    cancel_scheduled_ = true;
    Schedule(ToMicros(*scenario_.cancel->at_seconds), [this] { CancelPlan(); });
  }
  for (const PlannedTask& task : plan_) {
    for (const PlannedInput& input : task.inputs) {
      std::vector<std::string>& workers = consumers_[{input.parent, input.output}];
      if (std::find(workers.begin(), workers.end(), task.worker) == workers.end()) workers.push_back(task.worker);
    }
  }
  Schedule(0, [this] { RegisterEverything(); });

  const Micros limit = ToMicros(scenario_.max_virtual_seconds);
  std::uint64_t actions = 0;
  while (!queue_.empty()) {
    if (actions == kMaxActions) {
      stop_reason_ = "stopped after " + std::to_string(kMaxActions) + " simulated actions";
      break;
    }
    if (queue_.top().time > limit) {
      now_ = limit;
      stop_reason_ = "stopped at max_virtual_seconds (" + FormatTime(limit) + " s)";
      break;
    }
    Action action = queue_.top();
    queue_.pop();
    now_ = action.time;
    if (clock_ != nullptr) clock_->Set(kVirtualEpoch + now_);
    action.run();
    ++actions;
    DispatchEvents();
    if (options_.progress) options_.progress(finished_tasks_, static_cast<int>(plan_.size()), now_);
    if (checker_) {
      violations_ = checker_->Check(plan_key_);
      if (!violations_.empty()) {
        api_calls_at_violation_ = api_calls_;
        stop_reason_ = "stopped at an invariant violation";
        break;
      }
    }
  }
  if (checker_ && violations_.empty()) CheckEnd();
  return Inspect();
}

bool World::NothingCanFail() const {
  if (scenario_.cancel || !scenario_.injected_failures.empty()) return false;
  return std::all_of(scenario_.functions.begin(), scenario_.functions.end(),
                     [](const FunctionSpec& function) { return function.failure_probability == 0; });
}

void World::CheckEnd() {
  violations_ = checker_->CheckEnd(plan_key_, NothingCanFail());
  // Lost, late and duplicated requests must not create an asset twice,
  // under another key either.
  std::size_t samples = 0;
  for (const DataSpec& data : scenario_.data) samples += static_cast<std::size_t>(data.samples);
  const std::pair<pb::AssetKind, std::size_t> expected[] = {
      {pb::ASSET_ORGANIZATION, scenario_.organizations.size()},
      {pb::ASSET_DATA_MANAGER, scenario_.data.size()},
      {pb::ASSET_DATA_SAMPLE, samples},
      {pb::ASSET_FUNCTION, scenario_.functions.size()},
      {pb::ASSET_COMPUTE_PLAN, 1},
      {pb::ASSET_COMPUTE_TASK, plan_.size()},
  };
  for (const auto& [kind, count] : expected) {
    std::size_t created = checker_->CreatedCount(kind);
    if (created != count) {
      violations_.push_back(pb::AssetKind_Name(kind) + ": " + std::to_string(created) + " created, expected " +
                            std::to_string(count));
    }
  }
  if (!violations_.empty()) api_calls_at_violation_ = api_calls_;
}

void World::RegisterEverything() {
  for (const Organization& org : scenario_.organizations) {
    pb::RegisterOrganizationParam request;
    request.set_address("http://" + LowerCase(org.id) + ".orcsim.local");
    Send(org.id, "RegisterOrganization", org.id,
         [&] { return target().RegisterOrganization(As(org.id), request); },
         [&]() -> std::optional<bool> {
           auto all = Read(org.id, "GetAllOrganizations", org.id,
                           [&] { return target().GetAllOrganizations(As(org.id), {}); });
           if (!all) return std::nullopt;
           return std::any_of(all->organizations().begin(), all->organizations().end(),
                              [&org](const pb::Organization& item) { return item.id() == org.id; });
         });
  }
  for (const DataSpec& data : scenario_.data) RegisterData(data);
  RegisterPlanAndTasks();
  if (injector_) injector_->EnablePartitions();
}

// The `applied()` check of Send for a registration: after an OE0006, the
// asset under the request's key must be there, with the same owner and,
// where the response shows it, the same content.
template <class Message>
std::optional<bool> SameAsset(const std::optional<Result<Message>>& stored, const std::string& owner,
                              const std::function<bool(const Message&)>& same_content) {
  if (!stored) return std::nullopt;
  if (!stored->ok()) {
    if (stored->error().kind() == ErrorKind::kNotFound) return false;
    return std::nullopt;
  }
  return stored->value().owner() == owner && same_content(stored->value());
}

void World::RegisterData(const DataSpec& data) {
  const std::string& org = data.organization;
  pb::NewDataManager manager;
  manager.set_key(rng_.Uuid());
  manager.set_name("data of " + org);
  manager.set_type(data.type);
  manager.mutable_description()->set_checksum(kChecksum);
  manager.mutable_description()->set_storage_address(NewAddress("description"));
  manager.mutable_opener()->set_checksum(kChecksum);
  manager.mutable_opener()->set_storage_address(NewAddress("opener"));
  manager.mutable_new_permissions()->set_public_(data.public_data);
  if (!data.public_data) manager.mutable_new_permissions()->add_authorized_ids(owner_);
  manager.mutable_logs_permission()->set_public_(true);
  pb::GetDataManagerParam get_manager;
  get_manager.set_key(manager.key());
  Delivery delivery = Send(
      org, "RegisterDataManager", org, [&] { return target().RegisterDataManager(As(org), manager); },
      [&] {
        return SameAsset<pb::DataManager>(Lookup(org, "GetDataManager", org, [&] { return target().GetDataManager(As(org), get_manager); }), org,
                                          [&](const pb::DataManager& stored) {
                                            return stored.name() == manager.name() &&
                                                   stored.opener().storage_address() ==
                                                       manager.opener().storage_address();
                                          });
      });
  if (delivery == Delivery::kApplied) data_manager_keys_[org] = manager.key();

  pb::RegisterDataSamplesParam samples;
  for (int i = 0; i < data.samples; ++i) {
    pb::NewDataSample* sample = samples.add_samples();
    sample->set_key(rng_.Uuid());
    sample->add_data_manager_keys(manager.key());
    sample->set_checksum(kChecksum);
    sample_keys_[org].push_back(sample->key());
  }
  if (samples.samples_size() == 0) return;
  pb::GetDataSampleParam get_sample;
  get_sample.set_key(samples.samples(0).key());  // a batch is applied whole or not at all
  Send(org, "RegisterDataSamples", org, [&] { return target().RegisterDataSamples(As(org), samples); },
       [&] {
         return SameAsset<pb::DataSample>(Lookup(org, "GetDataSample", org, [&] { return target().GetDataSample(As(org), get_sample); }), org,
                                          [&](const pb::DataSample& stored) {
                                            return stored.checksum() == samples.samples(0).checksum();
                                          });
       });
}

pb::NewComputeTask World::NewTask(const PlannedTask& planned) {
  const FunctionSpec& function = *scenario_.FindFunction(planned.function);
  pb::NewComputeTask task;
  task.set_key(task_keys_.emplace_back(rng_.Uuid()));
  task.set_function_key(function_keys_.at(planned.function));
  task.set_compute_plan_key(plan_key_);
  task.set_worker(planned.worker);
  (*task.mutable_metadata())["orcsim.task"] = planned.label;
  (*task.mutable_metadata())["orcsim.round"] = std::to_string(planned.round);

  if (planned.uses_data) AddDataInputs(function, planned.worker, task);
  for (const PlannedInput& input : planned.inputs) {
    pb::ComputeTaskInput* parent = task.add_inputs();
    parent->set_identifier(input.identifier);
    parent->mutable_parent_task_output()->set_parent_task_key(task_keys_.at(input.parent));
    parent->mutable_parent_task_output()->set_output_identifier(input.output);
  }

  // Each output is authorized for the workers of the tasks that consume it
  // (the orchestrator adds the owner).
  int index = static_cast<int>(task_keys_.size()) - 1;
  for (const auto& [identifier, output] : function.outputs) {
    pb::NewPermissions& permissions = *(*task.mutable_outputs())[identifier].mutable_permissions();
    if (output.kind == "performance") {
      permissions.set_public_(true);
      continue;
    }
    for (const std::string& consumer : consumers_[{index, identifier}]) permissions.add_authorized_ids(consumer);
  }
  return task;
}

// Adds the opener (the worker's data manager) and every sample of the
// worker, under the identifiers the function declares for them.
void World::AddDataInputs(const FunctionSpec& function, const std::string& worker, pb::NewComputeTask& task) {
  for (const auto& [identifier, input] : function.inputs) {
    if (input.kind != "data_manager") continue;
    pb::ComputeTaskInput* opener = task.add_inputs();
    opener->set_identifier(identifier);
    opener->set_asset_key(data_manager_keys_[worker]);
  }
  for (const auto& [identifier, input] : function.inputs) {
    if (input.kind != "data_sample") continue;
    for (const std::string& sample : sample_keys_[worker]) {
      pb::ComputeTaskInput* data = task.add_inputs();
      data->set_identifier(identifier);
      data->set_asset_key(sample);
    }
  }
}

void World::RegisterPlanAndTasks() {
  for (const FunctionSpec& spec : scenario_.functions) {
    pb::NewFunction function;
    function.set_key(rng_.Uuid());
    function.set_name(spec.name);
    function.mutable_description()->set_checksum(kChecksum);
    function.mutable_description()->set_storage_address(NewAddress("function-description"));
    function.mutable_function()->set_checksum(kChecksum);
    function.mutable_function()->set_storage_address(NewAddress("function-archive"));
    function.mutable_new_permissions()->set_public_(true);
    for (const auto& [identifier, input] : spec.inputs) {
      pb::FunctionInput& declared = (*function.mutable_inputs())[identifier];
      declared.set_kind(KindFromName(input.kind));
      declared.set_multiple(input.multiple);
      declared.set_optional(input.optional);
    }
    for (const auto& [identifier, output] : spec.outputs) {
      pb::FunctionOutput& declared = (*function.mutable_outputs())[identifier];
      declared.set_kind(KindFromName(output.kind));
      declared.set_multiple(output.multiple);
    }
    pb::GetFunctionParam get_function;
    get_function.set_key(function.key());
    Send(owner_, "RegisterFunction", spec.name, [&] { return target().RegisterFunction(As(owner_), function); },
         [&] {
           return SameAsset<pb::Function>(Lookup(owner_, "GetFunction", spec.name, [&] { return target().GetFunction(As(owner_), get_function); }), owner_,
                                          [&](const pb::Function& stored) { return stored.name() == function.name(); });
         });
    function_keys_[spec.name] = function.key();
    functions_by_key_[function.key()] = &spec;
  }

  pb::NewComputePlan plan;
  plan_key_ = rng_.Uuid();
  plan.set_key(plan_key_);
  plan.set_name(scenario_.name.empty() ? "orcsim plan" : scenario_.name.substr(0, 100));
  plan.set_tag("orcsim");
  pb::GetComputePlanParam get_plan;
  get_plan.set_key(plan_key_);
  Send(owner_, "RegisterPlan", scenario_.name, [&] { return target().RegisterPlan(As(owner_), plan); },
       [&] {
         return SameAsset<pb::ComputePlan>(Lookup(owner_, "GetPlan", "plan", [&] { return target().GetPlan(As(owner_), get_plan); }), owner_,
                                           [&](const pb::ComputePlan& stored) { return stored.name() == plan.name(); });
       });

  const std::size_t batch_size = static_cast<std::size_t>(std::max(scenario_.plan.batch_size, 1));
  for (std::size_t first = 0; first < plan_.size(); first += batch_size) {
    pb::RegisterTasksParam batch;
    std::size_t last = std::min(plan_.size(), first + batch_size);
    for (std::size_t i = first; i < last; ++i) *batch.add_tasks() = NewTask(plan_[i]);
    std::string subject = "tasks " + std::to_string(first + 1) + "-" + std::to_string(last);
    pb::GetTaskParam get_task;
    get_task.set_key(batch.tasks(0).key());  // a batch is applied whole or not at all
    Send(owner_, "RegisterTasks", subject, [&] { return target().RegisterTasks(As(owner_), batch); },
         [&] {
           return SameAsset<pb::ComputeTask>(Lookup(owner_, "GetTask", subject, [&] { return target().GetTask(As(owner_), get_task); }), owner_,
                                             [&](const pb::ComputeTask& stored) {
                                               return stored.function_key() == batch.tasks(0).function_key();
                                             });
         });
  }
}

void World::DispatchEvents() {
  const RequestContext reader = As(scenario_.organizations.front().id);
  while (true) {
    auto batch = target().ReadEvents(reader, last_event_id_, kEventBatch);
    if (!batch.ok() || batch->events.empty()) return;
    for (const pb::Event& event : batch->events) OnEvent(event);
    last_event_id_ = batch->last_event_id;
    if (batch->events.size() < kEventBatch) return;
  }
}

void World::OnEvent(const pb::Event& event) {
  ++events_;
  if (!event.has_compute_task()) return;
  const pb::ComputeTask& task = event.compute_task();
  if (task.compute_plan_key() != plan_key_) return;

  auto [status, inserted] = task_status_.try_emplace(task.key(), task.status());
  bool was_finished = !inserted && (status->second == pb::STATUS_DONE || status->second == pb::STATUS_FAILED ||
                                    status->second == pb::STATUS_CANCELED);
  status->second = task.status();
  bool is_finished = task.status() == pb::STATUS_DONE || task.status() == pb::STATUS_FAILED ||
                     task.status() == pb::STATUS_CANCELED;
  if (is_finished && !was_finished) ++finished_tasks_;
  if (task.status() == pb::STATUS_DONE && !was_finished) ++done_tasks_;

  auto agent = agents_.find(task.worker());
  if (agent != agents_.end()) agent->second->OnTaskChanged(task);

  const auto& cancel = scenario_.cancel;
  if (cancel && cancel->after_done_tasks && !cancel_scheduled_ && done_tasks_ >= *cancel->after_done_tasks) {
    cancel_scheduled_ = true;
    Schedule(now_, [this] { CancelPlan(); });
  }
}

// The plan owner cancels the plan, then every task of it that has not
// finished: 0.37 does not cascade a plan cancelation to its tasks.
void World::CancelPlan() {
  pb::ApplyPlanActionParam cancel;
  cancel.set_key(plan_key_);
  cancel.set_action(pb::PLAN_ACTION_CANCELED);
  pb::GetComputePlanParam get_plan;
  get_plan.set_key(plan_key_);
  Delivery delivery = Send(
      owner_, "ApplyPlanAction", "CANCELED", [&] { return target().ApplyPlanAction(As(owner_), cancel); },
      [&]() -> std::optional<bool> {
        auto plan = Read(owner_, "GetPlan", "plan", [&] { return target().GetPlan(As(owner_), get_plan); });
        if (!plan) return std::nullopt;
        return plan->has_cancelation_date();
      },
      cancel_unconfirmed_);
  // Whatever could not reach the server is tried again later.
  bool unreachable = delivery == Delivery::kUnreachable;
  cancel_unconfirmed_ = unreachable;

  std::vector<std::pair<std::string, std::string>> active;  // key, label
  pb::QueryTasksParam query;
  query.set_page_size(kInspectionPageSize);
  query.mutable_filter()->set_compute_plan_key(plan_key_);
  while (true) {
    auto page = Read(owner_, "QueryTasks", "plan", [&] { return target().QueryTasks(As(owner_), query); });
    if (!page) {
      unreachable = true;
      break;
    }
    for (const pb::ComputeTask& task : page->tasks()) {
      bool running = task.status() == pb::STATUS_WAITING || task.status() == pb::STATUS_TODO ||
                     task.status() == pb::STATUS_DOING;
      if (running) active.emplace_back(task.key(), task.metadata().at("orcsim.task"));
    }
    if (page->next_page_token().empty()) break;
    query.set_page_token(page->next_page_token());
  }
  for (const auto& [key, label] : active) {
    pb::ApplyTaskActionParam action;
    action.set_compute_task_key(key);
    action.set_action(pb::TASK_ACTION_CANCELED);
    action.set_log("compute plan canceled by its owner");
    Delivery canceled = Send(
        owner_, "ApplyTaskAction", label + " CANCELED", [&] { return target().ApplyTaskAction(As(owner_), action); },
        [&] { return TaskIs(owner_, key, label, pb::STATUS_CANCELED); });
    unreachable = unreachable || canceled == Delivery::kUnreachable;
  }
  if (unreachable) Schedule(now_ + kRetryDelay, [this] { CancelPlan(); });
}

RunResult World::Inspect() {
  RunResult result;
  result.events = events_;
  result.api_calls = api_calls_;
  result.failed_calls = failed_calls_;
  result.virtual_duration = now_;
  result.trace_hash = trace_hash_.Hex();
  result.stop_reason = stop_reason_;
  result.violations = violations_;
  result.api_calls_at_violation = api_calls_at_violation_;
  result.faults_injected = injector_ ? injector_->injected() : 0;
  result.checker_retried_reads = checker_ ? checker_->retried_reads() : 0;
  const RequestContext owner = As(owner_.empty() ? scenario_.organizations.front().id : owner_);

  std::unordered_map<std::string, const pb::ComputeTask*> tasks_by_key;
  std::vector<pb::ComputeTask> tasks;
  pb::QueryTasksParam query;
  query.set_page_size(kInspectionPageSize);
  query.mutable_filter()->set_compute_plan_key(plan_key_);
  while (!plan_key_.empty()) {
    auto page = server_->QueryTasks(owner, query);
    if (!page.ok()) break;
    for (const pb::ComputeTask& task : page->tasks()) tasks.push_back(task);
    if (page->next_page_token().empty()) break;
    query.set_page_token(page->next_page_token());
  }
  bool all_done = !tasks.empty();
  for (const pb::ComputeTask& task : tasks) {
    tasks_by_key[task.key()] = &task;
    ++result.tasks_by_status[StatusName(task.status())];
    all_done = all_done && task.status() == pb::STATUS_DONE;
  }
  result.task_count = static_cast<int>(tasks.size());

  pb::GetComputePlanParam get_plan;
  get_plan.set_key(plan_key_);
  auto plan = server_->GetPlan(owner, get_plan);
  result.plan_status = "running";
  if (plan.ok() && plan->has_cancelation_date()) result.plan_status = "canceled";
  else if (plan.ok() && plan->has_failure_date()) result.plan_status = "failed";
  else if (all_done) result.plan_status = "done";

  pb::IsPlanRunningParam running;
  running.set_key(plan_key_);
  auto is_running = server_->IsPlanRunning(owner, running);
  result.plan_running = is_running.ok() && is_running->is_running();

  pb::QueryPerformancesParam performances;
  performances.set_page_size(kInspectionPageSize);
  while (true) {
    auto page = server_->QueryPerformances(owner, performances);
    if (!page.ok()) break;
    for (const pb::Performance& performance : page->performances()) {
      auto task = tasks_by_key.find(performance.compute_task_key());
      if (task == tasks_by_key.end()) continue;
      const auto& metadata = task->second->metadata();
      PerformanceRow row;
      row.task_label = metadata.contains("orcsim.task") ? metadata.at("orcsim.task") : task->first;
      row.round = metadata.contains("orcsim.round") ? std::stoi(metadata.at("orcsim.round")) : 0;
      row.organization = task->second->worker();
      row.function = functions_by_key_.contains(task->second->function_key())
                         ? functions_by_key_.at(task->second->function_key())->name
                         : task->second->function_key();
      row.identifier = performance.compute_task_output_identifier();
      row.value = performance.performance_value();
      result.performances.push_back(std::move(row));
    }
    if (page->next_page_token().empty()) break;
    performances.set_page_token(page->next_page_token());
  }
  std::sort(result.performances.begin(), result.performances.end(), [](const auto& a, const auto& b) {
    return std::tie(a.round, a.organization, a.task_label, a.identifier) <
           std::tie(b.round, b.organization, b.task_label, b.identifier);
  });

  CheckExpectations(result);
  return result;
}

void World::CheckExpectations(RunResult& result) {
  const Expectations& expect = scenario_.expect;
  auto unmet = [&result](std::string message) { result.unmet_expectations.push_back(std::move(message)); };
  if (expect.plan_status && *expect.plan_status != result.plan_status) {
    unmet("plan_status: expected " + *expect.plan_status + ", got " + result.plan_status);
  }
  for (const auto& [status, count] : expect.tasks) {
    int actual = result.tasks_by_status.contains(status) ? result.tasks_by_status.at(status) : 0;
    if (actual != count) {
      unmet("tasks." + status + ": expected " + std::to_string(count) + ", got " + std::to_string(actual));
    }
  }
  if (expect.plan_running && *expect.plan_running != result.plan_running) {
    unmet(std::string("plan_running: expected ") + (*expect.plan_running ? "true" : "false") + ", got " +
          (result.plan_running ? "true" : "false"));
  }
  if (expect.performances && *expect.performances != static_cast<int>(result.performances.size())) {
    unmet("performances: expected " + std::to_string(*expect.performances) + ", got " +
          std::to_string(result.performances.size()));
  }
  if (expect.min_events && static_cast<std::uint64_t>(*expect.min_events) > result.events) {
    unmet("min_events: expected at least " + std::to_string(*expect.min_events) + ", got " +
          std::to_string(result.events));
  }
  for (const ExpectedTask& check : expect.task_checks) {
    std::string label = check.task;
    if (label.empty()) {
      for (const PlannedTask& task : plan_) {
        if (task.function == check.function && task.worker == check.organization && task.round == check.round) {
          label = task.label;
        }
      }
    }
    std::string actual = "absent";
    for (std::size_t i = 0; i < plan_.size() && i < task_keys_.size(); ++i) {
      if (plan_[i].label != label) continue;
      auto status = task_status_.find(task_keys_[i]);
      if (status != task_status_.end()) actual = StatusName(status->second);
    }
    if (actual != check.status) {
      unmet("checks: task " + (label.empty() ? std::string("(no such task)") : label) + ": expected " +
            check.status + ", got " + actual);
    }
  }
}

}  // namespace

std::string StatusName(int compute_task_status) {
  switch (compute_task_status) {
    case pb::STATUS_WAITING: return "waiting";
    case pb::STATUS_TODO: return "todo";
    case pb::STATUS_DOING: return "doing";
    case pb::STATUS_DONE: return "done";
    case pb::STATUS_CANCELED: return "canceled";
    case pb::STATUS_FAILED: return "failed";
    default: return "unknown";
  }
}

RunResult RunScenario(const Scenario& scenario, Api& target, VirtualClock* clock, const RunOptions& options) {
  World world(scenario, target, clock, options);
  return world.Run();
}

RunResult RunInMemory(const Scenario& scenario, const RunOptions& options) {
  auto store = std::make_unique<persistence::MemoryStore>();
  VirtualClock clock;
  OrchestratorOptions core_options;
  core_options.test_faults = options.test_faults;
  // Every Orchestrator of the run, the current one last. A server restart
  // adds one over the same store. The earlier ones stay alive because a
  // late request may still hold them.
  std::vector<std::unique_ptr<Orchestrator>> servers;
  servers.push_back(std::make_unique<Orchestrator>(*store, clock, core_options));
  RunOptions run_options = options;
  run_options.restart_server = [&]() -> Api* {
    servers.push_back(std::make_unique<Orchestrator>(*store, clock, core_options));
    return servers.back().get();
  };
  RunResult result = RunScenario(scenario, *servers.front(), &clock, run_options);
  if (options.keep_store_after_run) {
    // Reachable from a static, so leak checkers do not report it.
    static std::vector<std::unique_ptr<persistence::MemoryStore>>* kept =
        new std::vector<std::unique_ptr<persistence::MemoryStore>>();
    kept->push_back(std::move(store));
  }
  return result;
}

}  // namespace orc::sim
