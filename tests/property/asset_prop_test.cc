// Properties of data samples, functions and permissions.
//
// Data samples: random RegisterDataSamples and UpdateDataSamples requests by
// random organisations against a reference model. Each request succeeds or
// fails as the model predicts, emits one event per sample on success and
// nothing on failure, and afterwards every sample's data managers and every
// dataset's sample keys match the model.
//
// Functions: only the owner may rename a function, and nothing else of it
// changes.
//
// Permissions: random permission sets on a data manager, a function and a
// parent task's output decide who may register a task that uses them and
// who may run it; models inherit the output's permissions.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "property/prop_world.h"

namespace orc::prop {
namespace {

// ---------------------------------------------------------------------
// Data samples
// ---------------------------------------------------------------------

// Data managers of the test: 0 and 1 belong to OwnerMSP, 2 to WorkerMSP,
// 3 is never registered.
constexpr int kDataManagers = 4;

struct SampleOp {
  bool update = false;
  Sender sender = Sender::kPlanOwner;  // kWorker is WorkerMSP here
  std::vector<int> data_managers;  // indices, repeats allowed
  std::vector<int> samples;        // update: sample indices, repeats allowed; a
                                   // value past the last sample is an unknown key
  int new_samples = 1;             // register: samples in the batch
};

void showValue(const SampleOp& op, std::ostream& out) {
  out << (op.update ? "UpdateDataSamples samples [" : "RegisterDataSamples ");
  if (op.update) {
    for (int sample : op.samples) out << " " << sample;
    out << " ]";
  } else {
    out << op.new_samples << " samples";
  }
  out << " data managers [";
  for (int data_manager : op.data_managers) out << " " << data_manager;
  out << " ] as " << SenderName(op.sender);
}

rc::Gen<SampleOp> GenSampleOp() {
  return rc::gen::build<SampleOp>(
      rc::gen::set(&SampleOp::update), rc::gen::set(&SampleOp::sender, GenSender()),
      rc::gen::set(&SampleOp::data_managers,
                   rc::gen::resize(4, rc::gen::container<std::vector<int>>(rc::gen::inRange(0, kDataManagers)))),
      rc::gen::set(&SampleOp::samples,
                   rc::gen::resize(4, rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 12)))),
      rc::gen::set(&SampleOp::new_samples, rc::gen::inRange(0, 3)));
}

struct SampleModel {
  std::string owner;
  std::vector<int> data_managers;
};

std::string SenderId(Sender sender) {
  switch (sender) {
    case Sender::kPlanOwner: return kOwner;
    case Sender::kTaskWorker: return kWorker;
    case Sender::kOtherOrg: return kOther;
    case Sender::kUnregistered: return kGhost;
  }
  return kGhost;
}

void PlaySampleOps(const std::vector<SampleOp>& ops) {
  World world;
  Orchestrator& core = world.core();
  // Sample 0 of OwnerMSP and sample of WorkerMSP exist in the world already;
  // the test uses its own data managers and samples only.
  std::vector<std::string> manager_keys;
  std::vector<std::string> manager_owners = {kOwner, kOwner, kWorker, ""};
  for (int i = 0; i < kDataManagers; ++i) {
    pb::NewDataManager manager;
    manager.set_key(world.NewKey());
    manager.set_name("manager " + std::to_string(i));
    manager.set_type("csv");
    *manager.mutable_description() = Address("description", manager.key());
    *manager.mutable_opener() = Address("opener", manager.key());
    manager.mutable_new_permissions()->set_public_(true);
    manager.mutable_logs_permission()->set_public_(true);
    if (!manager_owners[i].empty()) Must(core.RegisterDataManager(As(manager_owners[i]), manager), "RegisterDataManager");
    manager_keys.push_back(manager.key());
  }
  world.SkipEvents();

  std::vector<std::string> sample_keys;
  std::vector<SampleModel> samples;
  for (const SampleOp& op : ops) {
    std::string requester = SenderId(op.sender);
    // Prediction, in the check order of the core.
    std::optional<ErrorKind> error;
    std::vector<SampleModel> next = samples;
    std::size_t expected_events = 0;
    auto check_managers = [&]() {
      for (int data_manager : op.data_managers) {
        if (manager_owners[data_manager].empty()) return std::optional<ErrorKind>(ErrorKind::kNotFound);
        if (manager_owners[data_manager] != requester) return std::optional<ErrorKind>(ErrorKind::kPermissionDenied);
      }
      return std::optional<ErrorKind>();
    };

    Result<bool> outcome = true;
    if (op.update) {
      pb::UpdateDataSamplesParam request;
      if (op.samples.empty()) {
        error = ErrorKind::kInvalidAsset;
      } else {
        error = check_managers();
      }
      for (std::size_t i = 0; !error && i < op.samples.size(); ++i) {
        std::size_t sample = static_cast<std::size_t>(op.samples[i]);
        if (sample >= samples.size()) {
          error = ErrorKind::kNotFound;
        } else if (samples[sample].owner != requester) {
          error = ErrorKind::kPermissionDenied;
        } else {
          // Keys are only added, each at most once.
          for (int data_manager : op.data_managers) {
            std::vector<int>& list = next[sample].data_managers;
            if (std::find(list.begin(), list.end(), data_manager) == list.end()) list.push_back(data_manager);
          }
          ++expected_events;
        }
      }
      for (int sample : op.samples) {
        request.add_keys(static_cast<std::size_t>(sample) < sample_keys.size() ? sample_keys[sample]
                                                                                 : KeyNumber(0xdead, sample));
      }
      for (int data_manager : op.data_managers) request.add_data_manager_keys(manager_keys[data_manager]);
      auto result = core.UpdateDataSamples(As(requester), request);
      if (!result.ok()) outcome = result.error();
    } else {
      pb::RegisterDataSamplesParam request;
      std::vector<std::string> new_keys;
      for (int i = 0; i < op.new_samples; ++i) {
        pb::NewDataSample* sample = request.add_samples();
        new_keys.push_back(world.NewKey());
        sample->set_key(new_keys.back());
        for (int data_manager : op.data_managers) sample->add_data_manager_keys(manager_keys[data_manager]);
        sample->set_checksum(kChecksum);
      }
      if (op.new_samples > 0) {
        error = check_managers();
        if (!error && op.sender == Sender::kUnregistered) error = ErrorKind::kPermissionDenied;
      }
      if (!error) {
        for (int i = 0; i < op.new_samples; ++i) next.push_back(SampleModel{requester, op.data_managers});
        expected_events = static_cast<std::size_t>(op.new_samples);
      }
      auto result = core.RegisterDataSamples(As(requester), request);
      if (!result.ok()) {
        outcome = result.error();
      } else {
        sample_keys.insert(sample_keys.end(), new_keys.begin(), new_keys.end());
      }
    }

    RC_LOG() << "outcome: core " << (outcome.ok() ? std::string("OK") : outcome.error().message()) << ", model "
             << OutcomeName(error) << "\n";
    RC_ASSERT(OutcomeName(ErrorOf(outcome)) == OutcomeName(error));
    if (error) expected_events = 0;
    RC_ASSERT(world.NewEvents().size() == expected_events);
    if (!error) samples = next;

    for (std::size_t i = 0; i < samples.size(); ++i) {
      pb::GetDataSampleParam get;
      get.set_key(sample_keys[i]);
      pb::DataSample stored = Must(core.GetDataSample(As(kOther), get), "GetDataSample");
      std::vector<std::string> expected;
      for (int data_manager : samples[i].data_managers) expected.push_back(manager_keys[data_manager]);
      std::vector<std::string> actual(stored.data_manager_keys().begin(), stored.data_manager_keys().end());
      RC_ASSERT(actual == expected);
      RC_ASSERT(stored.owner() == samples[i].owner);
    }
    for (int data_manager = 0; data_manager < kDataManagers; ++data_manager) {
      if (manager_owners[data_manager].empty()) continue;
      pb::GetDatasetParam get;
      get.set_key(manager_keys[data_manager]);
      pb::Dataset dataset = Must(core.GetDataset(As(kOther), get), "GetDataset");
      std::set<std::string> expected;
      for (std::size_t i = 0; i < samples.size(); ++i) {
        const std::vector<int>& list = samples[i].data_managers;
        if (std::find(list.begin(), list.end(), data_manager) != list.end()) expected.insert(sample_keys[i]);
      }
      std::set<std::string> actual(dataset.data_sample_keys().begin(), dataset.data_sample_keys().end());
      RC_ASSERT(actual == expected);
      RC_ASSERT(static_cast<std::size_t>(dataset.data_sample_keys_size()) == expected.size());
    }
  }
}

TEST(DataSampleProperty, FollowsUpdateRules) {
  EXPECT_TRUE(rc::check("data samples follow the registration and update rules", [] {
    PlaySampleOps(*rc::gen::container<std::vector<SampleOp>>(GenSampleOp()));
  }));
}

// ---------------------------------------------------------------------
// Functions
// ---------------------------------------------------------------------

// 0.37 functions have no build status: a build failure is a failure report
// on a task. Their only mutable field is the name, which only the owner may
// change.
struct RenameOp {
  int function = 0;  // 0 to 3: the world's functions, 4: an unknown key
  Sender sender = Sender::kPlanOwner;
  int name_length = 1;
};

void showValue(const RenameOp& op, std::ostream& out) {
  out << "UpdateFunction " << op.function << " to a name of " << op.name_length << " characters as "
      << SenderName(op.sender);
}

TEST(FunctionProperty, OnlyOwnerRenames) {
  EXPECT_TRUE(rc::check("only the owner renames a function, and only its name changes", [] {
    const auto ops = *rc::gen::container<std::vector<RenameOp>>(rc::gen::build<RenameOp>(
        rc::gen::set(&RenameOp::function, rc::gen::inRange(0, 5)), rc::gen::set(&RenameOp::sender, GenSender()),
        rc::gen::set(&RenameOp::name_length,
                     rc::gen::weightedElement<int>({{1, 0}, {6, 5}, {1, 100}, {1, 101}}))));
    World world;
    Orchestrator& core = world.core();
    const TaskKind kinds[] = {TaskKind::kTrain, TaskKind::kAggregate, TaskKind::kComposite, TaskKind::kEvaluate};
    std::vector<pb::Function> expected;
    for (TaskKind kind : kinds) {
      pb::GetFunctionParam get;
      get.set_key(world.function_key(kind));
      expected.push_back(Must(core.GetFunction(As(kOther), get), "GetFunction"));
    }
    for (const RenameOp& op : ops) {
      pb::UpdateFunctionParam request;
      request.set_key(op.function < 4 ? world.function_key(kinds[op.function]) : KeyNumber(0xdead, 1));
      request.set_name(std::string(static_cast<std::size_t>(op.name_length), 'n'));
      std::optional<ErrorKind> predicted;
      if (op.name_length < 1 || op.name_length > 100) {
        predicted = ErrorKind::kInvalidAsset;
      } else if (op.function == 4) {
        predicted = ErrorKind::kNotFound;
      } else if (SenderId(op.sender) != kOwner) {
        predicted = ErrorKind::kPermissionDenied;
      }
      auto result = core.UpdateFunction(As(SenderId(op.sender)), request);
      RC_LOG() << "outcome: core " << (result.ok() ? std::string("OK") : result.error().message()) << ", model "
               << OutcomeName(predicted) << "\n";
      RC_ASSERT(OutcomeName(ErrorOf(result)) == OutcomeName(predicted));
      RC_ASSERT(world.NewEvents().size() == (predicted ? 0u : 1u));
      if (!predicted) expected[static_cast<std::size_t>(op.function)].set_name(request.name());
      for (std::size_t i = 0; i < expected.size(); ++i) {
        pb::GetFunctionParam get;
        get.set_key(expected[i].key());
        pb::Function stored = Must(core.GetFunction(As(kOther), get), "GetFunction");
        RC_ASSERT(google::protobuf::util::MessageDifferencer::Equals(stored, expected[i]));
      }
    }
  }));
}

// ---------------------------------------------------------------------
// Permissions
// ---------------------------------------------------------------------

const std::vector<std::string> kRegistered = {kOwner, kWorker, kOther};

// A permission set: public, or a list of organisations (possibly with an
// unregistered one, which registration must reject).
struct PermissionDraw {
  bool is_public = false;
  std::vector<std::string> ids;
};

void showValue(const PermissionDraw& draw, std::ostream& out) {
  out << (draw.is_public ? "public" : "private") << " [";
  for (const std::string& id : draw.ids) out << " " << id;
  out << " ]";
}

rc::Gen<PermissionDraw> GenPermission() {
  return rc::gen::build<PermissionDraw>(
      rc::gen::set(&PermissionDraw::is_public, rc::gen::weightedElement<bool>({{1, true}, {3, false}})),
      rc::gen::set(&PermissionDraw::ids,
                   rc::gen::resize(3, rc::gen::container<std::vector<std::string>>(rc::gen::weightedElement<std::string>(
                                          {{3, kOwner}, {3, kWorker}, {3, kOther}, {1, kGhost}})))));
}

pb::NewPermissions ToNew(const PermissionDraw& draw) {
  pb::NewPermissions permissions;
  permissions.set_public_(draw.is_public);
  for (const std::string& id : draw.ids) permissions.add_authorized_ids(id);
  return permissions;
}

bool Contains(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// Whether registration accepts the draw: a private set may only name
// registered organisations.
bool Valid(const PermissionDraw& draw) { return draw.is_public || !Contains(draw.ids, kGhost); }

// Who may process an asset created by `owner` with `draw`: everyone when
// public, else the listed organisations and the owner.
bool MayProcess(const PermissionDraw& draw, const std::string& owner, const std::string& org) {
  return draw.is_public || org == owner || Contains(draw.ids, org);
}

void CheckPermissionSet(const pb::Permission& permission, const PermissionDraw& draw, const std::string& owner) {
  RC_ASSERT(permission.public_() == draw.is_public);
  std::set<std::string> expected(draw.ids.begin(), draw.ids.end());
  expected.insert(owner);
  std::set<std::string> actual(permission.authorized_ids().begin(), permission.authorized_ids().end());
  RC_ASSERT(actual == expected);
}

TEST(PermissionProperty, DecidesWhoProcessesAndDownloads) {
  EXPECT_TRUE(rc::check("permissions decide who may use an asset", [] {
    const PermissionDraw manager_draw = *GenPermission();
    const PermissionDraw function_draw = *GenPermission();
    const PermissionDraw output_draw = *GenPermission();
    const std::string data_owner = *rc::gen::elementOf(kRegistered);
    const std::string function_owner = *rc::gen::elementOf(kRegistered);
    const std::string child_worker = *rc::gen::elementOf(kRegistered);

    World world;
    Orchestrator& core = world.core();

    // A data manager with a sample, and a function, with the drawn permissions.
    pb::NewDataManager manager;
    manager.set_key(world.NewKey());
    manager.set_name("drawn data");
    manager.set_type("csv");
    *manager.mutable_description() = Address("description", manager.key());
    *manager.mutable_opener() = Address("opener", manager.key());
    *manager.mutable_new_permissions() = ToNew(manager_draw);
    manager.mutable_logs_permission()->set_public_(true);
    auto registered_manager = core.RegisterDataManager(As(data_owner), manager);
    RC_ASSERT(registered_manager.ok() == Valid(manager_draw));
    if (!registered_manager.ok()) return;
    CheckPermissionSet(registered_manager->permissions().process(), manager_draw, data_owner);
    CheckPermissionSet(registered_manager->permissions().download(), manager_draw, data_owner);

    pb::RegisterDataSamplesParam samples;
    pb::NewDataSample* sample = samples.add_samples();
    sample->set_key(world.NewKey());
    sample->add_data_manager_keys(manager.key());
    sample->set_checksum(kChecksum);
    Must(core.RegisterDataSamples(As(data_owner), samples), "RegisterDataSamples");

    pb::NewFunction function;
    function.set_key(world.NewKey());
    function.set_name("drawn function");
    *function.mutable_description() = Address("description", function.key());
    *function.mutable_function() = Address("archive", function.key());
    *function.mutable_new_permissions() = ToNew(function_draw);
    (*function.mutable_inputs())["opener"] = Input(pb::ASSET_DATA_MANAGER, false, false);
    (*function.mutable_inputs())["datasamples"] = Input(pb::ASSET_DATA_SAMPLE, true, false);
    (*function.mutable_inputs())["model"] = Input(pb::ASSET_MODEL, true, true);
    (*function.mutable_outputs())["model"] = Output(pb::ASSET_MODEL);
    auto registered_function = core.RegisterFunction(As(function_owner), function);
    RC_ASSERT(registered_function.ok() == Valid(function_draw));
    if (!registered_function.ok()) return;
    CheckPermissionSet(registered_function->permissions().process(), function_draw, function_owner);

    // The plan owner registers a task on the drawn data with the drawn
    // function, its output carrying the drawn permissions. The requester
    // must be allowed to process both.
    auto task_on_data = [&](int index, const PermissionDraw& outputs) {
      pb::NewComputeTask task;
      task.set_key(TaskKey(index));
      task.set_compute_plan_key(world.plan_key());
      task.set_function_key(function.key());
      pb::ComputeTaskInput* opener = task.add_inputs();
      opener->set_identifier("opener");
      opener->set_asset_key(manager.key());
      pb::ComputeTaskInput* data = task.add_inputs();
      data->set_identifier("datasamples");
      data->set_asset_key(sample->key());
      *(*task.mutable_outputs())["model"].mutable_permissions() = ToNew(outputs);
      return task;
    };
    bool may_register = MayProcess(manager_draw, data_owner, kOwner) &&
                        MayProcess(function_draw, function_owner, kOwner) && Valid(output_draw);
    pb::RegisterTasksParam parent_request;
    *parent_request.add_tasks() = task_on_data(0, output_draw);
    auto parent = core.RegisterTasks(As(kOwner), parent_request);
    RC_LOG() << "parent registration: " << (parent.ok() ? "OK" : parent.error().message()) << "\n";
    RC_ASSERT(parent.ok() == may_register);
    if (!parent.ok()) {
      // The core checks the function, then the output permissions, then the data.
      bool output_first = MayProcess(function_draw, function_owner, kOwner) && !Valid(output_draw);
      RC_ASSERT(parent.error().kind() == (output_first ? ErrorKind::kBadRequest : ErrorKind::kPermissionDenied));
      return;
    }
    const pb::ComputeTask& parent_task = parent->tasks(0);
    RC_ASSERT(parent_task.worker() == data_owner);
    CheckPermissionSet(parent_task.outputs().at("model").permissions().process(), output_draw, kOwner);
    CheckPermissionSet(parent_task.outputs().at("model").permissions().download(), output_draw, kOwner);

    // A model registered under the output inherits its permissions.
    pb::ApplyTaskActionParam start;
    start.set_compute_task_key(parent_task.key());
    start.set_action(pb::TASK_ACTION_DOING);
    Must(core.ApplyTaskAction(As(data_owner), start), "start");
    pb::NewModel model;
    model.set_key(world.NewKey());
    model.set_compute_task_key(parent_task.key());
    model.set_compute_task_output_identifier("model");
    *model.mutable_address() = Address("model", model.key());
    pb::Model stored = Must(core.RegisterModel(As(data_owner), model), "RegisterModel");
    CheckPermissionSet(stored.permissions().process(), output_draw, kOwner);
    CheckPermissionSet(stored.permissions().download(), output_draw, kOwner);

    // A child aggregate run by `child_worker` may consume the output only
    // when that worker may process it.
    pb::RegisterTasksParam child_request;
    pb::NewComputeTask child = world.NewTask(1, TaskKind::kAggregate, child_worker,
                                             {ParentRef{0, "model", "model"}});
    *child_request.add_tasks() = child;
    auto registered_child = core.RegisterTasks(As(kOwner), child_request);
    bool may_consume = MayProcess(output_draw, kOwner, child_worker);
    RC_LOG() << "child registration: " << (registered_child.ok() ? "OK" : registered_child.error().message())
             << "\n";
    RC_ASSERT(registered_child.ok() == may_consume);
    if (!may_consume) RC_ASSERT(registered_child.error().kind() == ErrorKind::kPermissionDenied);
  }));
}

}  // namespace
}  // namespace orc::prop
