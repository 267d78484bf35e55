// Scenario files: a strict YAML reader and the semantic checks that make a
// scenario playable. docs/scenarios.md documents the schema.
//
// The reader works in two layers. `Reader` checks the shape and type of one
// YAML node and raises ScenarioError with the file, line, column and dotted
// field path. `ScenarioParser` reads the sections in a fixed order:
// organizations, functions, data, plan, then the rest. Every reference is
// checked against the sections read before it, while the YAML node of the
// referring field is still at hand for the error position.
#include "sim/scenario.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <set>
#include <string_view>
#include <utility>

namespace orc::sim {

namespace {

// 0.37 rejects function input and output identifiers longer than this.
constexpr std::size_t kMaxIdentifierBytes = 100;
// Upper bound on the tasks one plan may generate, so that a typing mistake
// such as `rounds: 100000000` fails at once instead of exhausting memory.
constexpr long long kMaxPlanTasks = 1'000'000;
// A cycle message lists at most this many task ids.
constexpr std::size_t kMaxCycleTasksShown = 10;

const std::vector<std::string> kStrategies = {"fedavg", "cyclic", "composite", "explicit"};
const std::vector<std::string> kOrganizationRoles = {"aggregator", "data"};
const std::vector<std::string> kInputKinds = {"model", "data_manager", "data_sample"};
const std::vector<std::string> kOutputKinds = {"model", "performance"};
const std::vector<std::string> kTaskStatuses = {"waiting", "todo", "doing", "done", "canceled", "failed"};
const std::vector<std::string> kPlanStatuses = {"done", "failed", "canceled", "running"};
const std::vector<std::string> kTopLevelKeys = {
    "name",     "description", "seed",     "channel", "organizations", "data",                "functions",
    "plan",     "durations",   "failures", "cancel",  "performance",   "max_virtual_seconds", "expect",
    "faults"};
const std::vector<std::string> kFunctionKeys = {"name", "inputs", "outputs", "duration", "failure_probability"};
const std::vector<std::string> kTaskKeys = {"id", "function", "worker", "data", "round", "inputs"};

// Roles of each strategy, in the order their default functions are added.
std::vector<std::string> StrategyRoles(const std::string& strategy) {
  if (strategy == "fedavg") return {"train", "aggregate", "predict", "test"};
  if (strategy == "cyclic") return {"train", "predict", "test"};
  if (strategy == "composite") return {"composite", "aggregate", "predict", "test"};
  return {};
}

bool Contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

std::string JoinNames(const std::vector<std::string>& names, std::string_view separator = ", ") {
  std::string joined;
  for (const std::string& name : names) {
    if (!joined.empty()) joined += separator;
    joined += name;
  }
  return joined;
}

std::string Quote(const std::string& text) { return "\"" + text + "\""; }

// Shortest decimal form that reads back as the same double ("60", "0.25").
std::string FormatNumber(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

// A YAML node and its dotted path from the document root, such as
// `plan.tasks[2].inputs[0].parent`. `mark` is where errors about the node
// point: the node itself, or the key in front of it when the value is empty
// (yaml-cpp places an empty value at the start of the next line).
struct Field {
  YAML::Node node;
  std::string path;
  YAML::Mark mark;
};

std::string ChildPath(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string ItemPath(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

class Reader;

// The entries of one YAML mapping, after its keys were checked: every key is a
// unique scalar, and one of the allowed keys unless the mapping is keyed by
// user-chosen names (function inputs, plan roles, expected task counts).
class Mapping {
 public:
  struct Entry {
    std::string key;
    YAML::Mark key_mark;
    Field value;
  };

  Mapping(const Reader& reader, Field field, std::vector<Entry> entries)
      : reader_(&reader), field_(std::move(field)), entries_(std::move(entries)) {}

  const Field& field() const { return field_; }
  const std::vector<Entry>& entries() const { return entries_; }
  bool Has(std::string_view key) const { return FindEntry(key) != nullptr; }
  std::optional<Field> Find(std::string_view key) const;
  // The value of `key`; raises ScenarioError when the key is missing.
  Field Require(std::string_view key) const;
  // A field that points at the key itself, for "this key is not allowed here".
  Field KeyField(std::string_view key) const;

 private:
  const Entry* FindEntry(std::string_view key) const;

  const Reader* reader_;
  Field field_;
  std::vector<Entry> entries_;
};

// Shape and type checks on single YAML nodes. Every failure raises
// ScenarioError as `FILE:LINE:COLUMN: FIELD.PATH: problem`.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void Fail(const YAML::Mark& mark, const std::string& path, const std::string& problem) const;
  [[noreturn]] void Fail(const Field& field, const std::string& problem) const {
    Fail(field.mark, field.path, problem);
  }

  // A mapping whose keys must be among `allowed`.
  Mapping Map(const Field& field, const std::vector<std::string>& allowed) const;
  // A mapping keyed by user-chosen names.
  Mapping NamedMap(const Field& field) const;
  std::vector<Field> Items(const Field& field) const;

  std::string String(const Field& field) const;
  std::string NonEmptyString(const Field& field) const;
  std::string Enum(const Field& field, const std::vector<std::string>& allowed) const;
  bool Bool(const Field& field) const;
  long long Integer(const Field& field, long long min, long long max) const;
  int Int(const Field& field, int min) const;
  double Number(const Field& field) const;
  double NumberAtLeast(const Field& field, double min) const;
  double NumberBetween(const Field& field, double min, double max) const;
  double Probability(const Field& field) const { return NumberBetween(field, 0, 1); }
  Distribution ReadDistribution(const Field& field) const;
  // The node's type, or its text for a scalar, for "expected X, got Y".
  std::string Describe(const YAML::Node& node) const;

 private:
  Mapping ReadMapping(const Field& field, const std::vector<std::string>* allowed) const;
  std::string PlainScalar(const Field& field, const char* expected) const;

  std::string file_;
};

SourceMark ToSourceMark(const YAML::Mark& mark) {
  if (mark.is_null()) return SourceMark{};
  return SourceMark{mark.line + 1, mark.column + 1};
}

void Reader::Fail(const YAML::Mark& mark, const std::string& path, const std::string& problem) const {
  const SourceMark position = mark.is_null() ? SourceMark{1, 1} : ToSourceMark(mark);
  std::string message = file_ + ":" + std::to_string(position.line) + ":" + std::to_string(position.column) + ": ";
  if (!path.empty()) message += path + ": ";
  throw ScenarioError(message + problem);
}

std::string Reader::Describe(const YAML::Node& node) const {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "an empty value";
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Scalar:
      break;
  }
  if (node.Tag() == "!") return "the quoted string " + Quote(node.Scalar());
  return Quote(node.Scalar());
}

Mapping Reader::ReadMapping(const Field& field, const std::vector<std::string>* allowed) const {
  if (!field.node.IsMap()) Fail(field, "expected a mapping, got " + Describe(field.node));

  std::vector<Mapping::Entry> entries;
  for (auto it = field.node.begin(); it != field.node.end(); ++it) {
    const YAML::Node key_node = it->first;
    const YAML::Node value = it->second;
    if (!key_node.IsScalar()) {
      Fail(key_node.Mark(), field.path, "expected a plain name as key, got " + Describe(key_node));
    }
    const std::string key = key_node.Scalar();
    const std::string path = ChildPath(field.path, key);

    if (allowed != nullptr && !Contains(*allowed, key)) {
      Fail(key_node.Mark(), path, "unknown key (allowed keys: " + JoinNames(*allowed) + ")");
    }
    for (const Mapping::Entry& earlier : entries) {
      if (earlier.key == key) {
        Fail(key_node.Mark(), path, "duplicate key (first at line " + std::to_string(earlier.key_mark.line + 1) + ")");
      }
    }
    const YAML::Mark value_mark = value.IsNull() ? key_node.Mark() : value.Mark();
    entries.push_back(Mapping::Entry{key, key_node.Mark(), Field{value, path, value_mark}});
  }
  return Mapping(*this, field, std::move(entries));
}

Mapping Reader::Map(const Field& field, const std::vector<std::string>& allowed) const {
  return ReadMapping(field, &allowed);
}

Mapping Reader::NamedMap(const Field& field) const { return ReadMapping(field, nullptr); }

std::vector<Field> Reader::Items(const Field& field) const {
  if (!field.node.IsSequence()) Fail(field, "expected a sequence, got " + Describe(field.node));

  std::vector<Field> items;
  std::size_t index = 0;
  for (auto it = field.node.begin(); it != field.node.end(); ++it, ++index) {
    const YAML::Node item = *it;
    const YAML::Mark mark = item.IsNull() ? field.mark : item.Mark();
    items.push_back(Field{item, ItemPath(field.path, index), mark});
  }
  return items;
}

std::optional<Field> Mapping::Find(std::string_view key) const {
  const Entry* entry = FindEntry(key);
  if (entry == nullptr) return std::nullopt;
  return entry->value;
}

Field Mapping::Require(std::string_view key) const {
  const Entry* entry = FindEntry(key);
  if (entry == nullptr) reader_->Fail(field_.mark, ChildPath(field_.path, std::string(key)), "missing required key");
  return entry->value;
}

Field Mapping::KeyField(std::string_view key) const {
  const Entry* entry = FindEntry(key);
  if (entry == nullptr) return field_;
  return Field{entry->value.node, entry->value.path, entry->key_mark};
}

const Mapping::Entry* Mapping::FindEntry(std::string_view key) const {
  for (const Entry& entry : entries_) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

std::string Reader::String(const Field& field) const {
  if (!field.node.IsScalar()) Fail(field, "expected a string, got " + Describe(field.node));
  return field.node.Scalar();
}

std::string Reader::NonEmptyString(const Field& field) const {
  std::string value = String(field);
  if (value.empty()) Fail(field, "must not be empty");
  return value;
}

std::string Reader::Enum(const Field& field, const std::vector<std::string>& allowed) const {
  if (!field.node.IsScalar() || !Contains(allowed, field.node.Scalar())) {
    Fail(field, "expected one of " + JoinNames(allowed) + ", got " + Describe(field.node));
  }
  return field.node.Scalar();
}

// The text of an unquoted scalar, for numbers and booleans: a quoted "5" is a
// string in YAML, and accepting it would hide a type mistake.
std::string Reader::PlainScalar(const Field& field, const char* expected) const {
  if (!field.node.IsScalar() || field.node.Tag() == "!") {
    Fail(field, std::string("expected ") + expected + ", got " + Describe(field.node));
  }
  return field.node.Scalar();
}

// Booleans follow YAML 1.2: true and false only, so `yes`, `on` or `1` are
// rejected instead of being read the YAML 1.1 way.
bool Reader::Bool(const Field& field) const {
  const std::string text = PlainScalar(field, "true or false");
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  Fail(field, "expected true or false, got " + Describe(field.node));
}

long long Reader::Integer(const Field& field, long long min, long long max) const {
  const std::string text = PlainScalar(field, "an integer");
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (begin != end && *begin == '+' && begin + 1 != end && begin[1] != '-') ++begin;

  long long value = 0;
  const auto [ptr, error] = std::from_chars(begin, end, value);
  if (error == std::errc::result_out_of_range) Fail(field, "integer " + text + " is out of range");
  if (error != std::errc() || ptr != end || text.empty()) {
    Fail(field, "expected an integer, got " + Describe(field.node));
  }
  if (value < min) Fail(field, "must be at least " + std::to_string(min) + ", got " + text);
  if (value > max) Fail(field, "must be at most " + std::to_string(max) + ", got " + text);
  return value;
}

int Reader::Int(const Field& field, int min) const {
  return static_cast<int>(Integer(field, min, std::numeric_limits<int>::max()));
}

double Reader::Number(const Field& field) const {
  const std::string text = PlainScalar(field, "a number");
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (begin != end && *begin == '+' && begin + 1 != end && begin[1] != '-') ++begin;

  // from_chars also reads "inf" and "nan", which are not durations or
  // probabilities, so the text must start like a decimal number.
  const bool starts_like_number = begin != end && (std::isdigit(static_cast<unsigned char>(*begin)) != 0 ||
                                                   *begin == '-' || *begin == '.');
  double value = 0;
  const auto [ptr, error] = std::from_chars(begin, end, value);
  if (!starts_like_number || error != std::errc() || ptr != end || !std::isfinite(value)) {
    Fail(field, "expected a number, got " + Describe(field.node));
  }
  return value;
}

double Reader::NumberAtLeast(const Field& field, double min) const {
  const double value = Number(field);
  if (value < min) Fail(field, "must be at least " + FormatNumber(min) + ", got " + field.node.Scalar());
  return value;
}

double Reader::NumberBetween(const Field& field, double min, double max) const {
  const double value = Number(field);
  if (value < min || value > max) {
    Fail(field, "must be between " + FormatNumber(min) + " and " + FormatNumber(max) + ", got " + field.node.Scalar());
  }
  return value;
}

// DIST: a bare number (fixed), {fixed: X}, {uniform: [MIN, MAX]} or
// {normal: {mean: M, stddev: S}}. Every parameter is a non-negative number of
// virtual seconds.
Distribution Reader::ReadDistribution(const Field& field) const {
  if (field.node.IsScalar()) return Distribution{Distribution::Kind::kFixed, NumberAtLeast(field, 0), 0};

  const Mapping mapping = Map(field, {"fixed", "uniform", "normal"});
  if (mapping.entries().size() != 1) {
    Fail(field, "expected exactly one of fixed, uniform or normal, got " + std::to_string(mapping.entries().size()));
  }
  const Mapping::Entry& entry = mapping.entries().front();
  if (entry.key == "fixed") return Distribution{Distribution::Kind::kFixed, NumberAtLeast(entry.value, 0), 0};

  if (entry.key == "uniform") {
    const std::vector<Field> bounds = Items(entry.value);
    if (bounds.size() != 2) {
      Fail(entry.value, "expected [min, max], got " + std::to_string(bounds.size()) + " values");
    }
    const double min = NumberAtLeast(bounds[0], 0);
    const double max = NumberAtLeast(bounds[1], 0);
    if (min > max) Fail(entry.value, "min " + FormatNumber(min) + " is greater than max " + FormatNumber(max));
    return Distribution{Distribution::Kind::kUniform, min, max};
  }

  const Mapping normal = Map(entry.value, {"mean", "stddev"});
  const double mean = NumberAtLeast(normal.Require("mean"), 0);
  const double stddev = NumberAtLeast(normal.Require("stddev"), 0);
  return Distribution{Distribution::Kind::kNormal, mean, stddev};
}

// Builds a Scenario from a parsed YAML document. Each Read* step reads one
// top-level section and checks it against the sections read before it.
class ScenarioParser {
 public:
  ScenarioParser(const std::string& path, YAML::Node root) : reader_(path), root_{root, "", root.Mark()} {
    scenario_.path = path;
  }

  Scenario Parse();

 private:
  void ReadHeader(const Mapping& top);
  void ReadOrganizations(const Field& field);
  void ReadFunctions(const std::optional<Field>& field);
  void ReadFunction(const Mapping& mapping, FunctionSpec& function);
  void ReadFunctionInputs(const Field& field, FunctionSpec& function);
  void ReadFunctionOutputs(const Field& field, FunctionSpec& function);
  void CheckIdentifier(const Field& field, const std::string& identifier) const;
  void ReadData(const std::optional<Field>& field);
  void CheckDataOrganizations() const;
  void ReadPlan(const Field& field);
  void ReadPlanOwner(const Mapping& plan);
  void CheckStrategyOrganizations(const Mapping& plan) const;
  void ReadRoles(const Mapping& plan);
  void CheckRoleFunction(const std::string& role, const FunctionSpec& function, const Field& role_field) const;
  void CheckPlanSize(const Mapping& plan) const;
  void ReadTasks(const Field& field);
  TaskSpec ReadTask(const Field& field) const;
  void ReadTaskData(const Mapping& mapping, const FunctionSpec& function, TaskSpec& task) const;
  TaskInputSpec ReadTaskInput(const Field& field, const FunctionSpec& function,
                              std::set<std::string>& seen_identifiers) const;
  void CheckTaskGraphAcyclic() const;
  void ReadDurations(const Field& field);
  void ReadFailures(const std::optional<Field>& field);
  void ReadCancel(const Field& field);
  void ReadFaults(const Field& field);
  void ReadPerformance(const Field& field);
  void ReadExpectations(const Field& field);

  // A task named by `task`, or by function, organization and round;
  // injected failures and expected task checks share this form.
  struct TaskSelector {
    std::string function;
    std::string organization;
    int round = 0;
    std::string task;
  };
  TaskSelector ReadTaskSelector(const Mapping& mapping) const;
  void CheckStrategyTask(const Field& function_field, const Organization& organization,
                         const Field& organization_field, const Field& round_field,
                         const TaskSelector& selector) const;

  const Organization* CheckOrganizationReference(const Field& field) const;
  const FunctionSpec* CheckFunctionReference(const Field& field) const;
  int MaxSamples() const;

  Reader reader_;
  Field root_;
  Scenario scenario_;
  // YAML node of each declared function, for errors found later on.
  std::map<std::string, Field> function_fields_;
  std::set<std::string> functions_with_failure_probability_;
  std::vector<Field> organization_fields_;
  // YAML node and function name of each explicit task, by task id.
  std::map<std::string, Field> task_fields_;
  std::map<std::string, std::string> task_functions_;
};

Scenario ScenarioParser::Parse() {
  if (root_.node.IsNull()) {
    reader_.Fail(root_, "the file contains no scenario (expected a mapping with name, organizations and plan)");
  }
  if (!root_.node.IsMap()) {
    reader_.Fail(root_,
                 "a scenario is a mapping with name, organizations and plan, got " + reader_.Describe(root_.node));
  }
  const Mapping top = reader_.Map(root_, kTopLevelKeys);

  ReadHeader(top);
  ReadOrganizations(top.Require("organizations"));
  ReadFunctions(top.Find("functions"));
  ReadData(top.Find("data"));
  ReadPlan(top.Require("plan"));
  if (auto durations = top.Find("durations")) ReadDurations(*durations);
  ReadFailures(top.Find("failures"));
  if (auto cancel = top.Find("cancel")) ReadCancel(*cancel);
  if (auto faults = top.Find("faults")) ReadFaults(*faults);
  if (auto performance = top.Find("performance")) ReadPerformance(*performance);
  if (auto max_seconds = top.Find("max_virtual_seconds")) {
    scenario_.max_virtual_seconds = reader_.Number(*max_seconds);
    if (scenario_.max_virtual_seconds <= 0) {
      reader_.Fail(*max_seconds, "must be greater than 0, got " + max_seconds->node.Scalar());
    }
  }
  if (auto expect = top.Find("expect")) ReadExpectations(*expect);
  return std::move(scenario_);
}

void ScenarioParser::ReadHeader(const Mapping& top) {
  scenario_.name = reader_.NonEmptyString(top.Require("name"));
  if (auto description = top.Find("description")) scenario_.description = reader_.String(*description);
  if (auto seed = top.Find("seed")) {
    // Read as a signed 64-bit integer, so the maximum seed is 2^63 - 1.
    scenario_.seed = static_cast<std::uint64_t>(reader_.Integer(*seed, 0, std::numeric_limits<long long>::max()));
  }
  if (auto channel = top.Find("channel")) scenario_.channel = reader_.NonEmptyString(*channel);
}

void ScenarioParser::ReadOrganizations(const Field& field) {
  const std::vector<Field> items = reader_.Items(field);
  if (items.empty()) reader_.Fail(field, "at least one organization is required");

  for (const Field& item : items) {
    const Mapping mapping = reader_.Map(item, {"id", "roles", "compute_slots"});
    Organization organization;
    const Field id = mapping.Require("id");
    organization.id = reader_.NonEmptyString(id);
    if (const Organization* earlier = scenario_.FindOrganization(organization.id)) {
      reader_.Fail(id, "duplicate organization id " + Quote(organization.id) + " (first defined at line " +
                           std::to_string(earlier->mark.line) + ")");
    }

    for (const Field& role_field : reader_.Items(mapping.Require("roles"))) {
      const std::string role = reader_.Enum(role_field, kOrganizationRoles);
      bool& flag = role == "aggregator" ? organization.aggregator : organization.data;
      if (flag) reader_.Fail(role_field, "duplicate role " + Quote(role));
      flag = true;
    }
    if (auto slots = mapping.Find("compute_slots")) organization.compute_slots = reader_.Int(*slots, 1);
    organization.mark = ToSourceMark(item.mark);
    organization_fields_.push_back(item);
    scenario_.organizations.push_back(std::move(organization));
  }
}

void ScenarioParser::ReadFunctions(const std::optional<Field>& field) {
  if (!field) return;
  for (const Field& item : reader_.Items(*field)) {
    const Mapping mapping = reader_.Map(item, kFunctionKeys);
    const Field name_field = mapping.Require("name");
    FunctionSpec function;
    function.name = reader_.NonEmptyString(name_field);
    function.mark = ToSourceMark(item.mark);
    if (const FunctionSpec* earlier = scenario_.FindFunction(function.name)) {
      reader_.Fail(name_field, "duplicate function name " + Quote(function.name) + " (first defined at line " +
                                   std::to_string(earlier->mark.line) + ")");
    }

    ReadFunction(mapping, function);
    function_fields_.emplace(function.name, item);
    scenario_.functions.push_back(std::move(function));
  }
}

void ScenarioParser::ReadFunction(const Mapping& mapping, FunctionSpec& function) {
  if (auto inputs = mapping.Find("inputs")) ReadFunctionInputs(*inputs, function);
  if (auto outputs = mapping.Find("outputs")) ReadFunctionOutputs(*outputs, function);
  if (auto duration = mapping.Find("duration")) function.duration = reader_.ReadDistribution(*duration);
  if (auto probability = mapping.Find("failure_probability")) {
    function.failure_probability = reader_.Probability(*probability);
    functions_with_failure_probability_.insert(function.name);
  }
}

void ScenarioParser::CheckIdentifier(const Field& field, const std::string& identifier) const {
  if (identifier.empty()) reader_.Fail(field, "identifier must not be empty");
  if (identifier.size() > kMaxIdentifierBytes) {
    reader_.Fail(field, "identifier is " + std::to_string(identifier.size()) + " bytes long, the maximum is " +
                            std::to_string(kMaxIdentifierBytes));
  }
}

// Function inputs follow the 0.37 rules for RegisterFunction: a data_manager
// input exists if and only if a data_sample input exists, there is at most
// one data_manager input, and it is neither multiple nor optional.
void ScenarioParser::ReadFunctionInputs(const Field& field, FunctionSpec& function) {
  const Mapping inputs = reader_.NamedMap(field);
  const Mapping::Entry* data_manager = nullptr;
  const Mapping::Entry* data_sample = nullptr;

  for (const Mapping::Entry& entry : inputs.entries()) {
    CheckIdentifier(entry.value, entry.key);
    const Mapping mapping = reader_.Map(entry.value, {"kind", "multiple", "optional"});
    FunctionInputSpec input;
    input.kind = reader_.Enum(mapping.Require("kind"), kInputKinds);
    if (auto multiple = mapping.Find("multiple")) input.multiple = reader_.Bool(*multiple);
    if (auto optional = mapping.Find("optional")) input.optional = reader_.Bool(*optional);

    if (input.kind == "data_manager") {
      if (data_manager != nullptr) {
        reader_.Fail(entry.value, "a function has at most one data_manager input, and " + Quote(data_manager->key) +
                                      " is one already");
      }
      if (input.multiple || input.optional) {
        reader_.Fail(entry.value, "a data_manager input can be neither multiple nor optional");
      }
      data_manager = &entry;
    }
    if (input.kind == "data_sample") data_sample = &entry;
    function.inputs.emplace(entry.key, input);
  }

  if (data_manager != nullptr && data_sample == nullptr) {
    reader_.Fail(data_manager->value, "a function with a data_manager input also needs a data_sample input");
  }
  if (data_sample != nullptr && data_manager == nullptr) {
    reader_.Fail(data_sample->value, "a function with a data_sample input also needs a data_manager input");
  }
}

void ScenarioParser::ReadFunctionOutputs(const Field& field, FunctionSpec& function) {
  const Mapping outputs = reader_.NamedMap(field);
  for (const Mapping::Entry& entry : outputs.entries()) {
    CheckIdentifier(entry.value, entry.key);
    const Mapping mapping = reader_.Map(entry.value, {"kind", "multiple"});
    FunctionOutputSpec output;
    output.kind = reader_.Enum(mapping.Require("kind"), kOutputKinds);
    if (auto multiple = mapping.Find("multiple")) output.multiple = reader_.Bool(*multiple);
    if (output.kind == "performance" && output.multiple) {
      reader_.Fail(entry.value, "a performance output cannot be multiple");
    }
    function.outputs.emplace(entry.key, output);
  }
}

void ScenarioParser::ReadData(const std::optional<Field>& field) {
  if (field) {
    for (const Field& item : reader_.Items(*field)) {
      const Mapping mapping = reader_.Map(item, {"organization", "samples", "type", "public"});
      DataSpec data;
      const Field organization_field = mapping.Require("organization");
      const Organization* organization = CheckOrganizationReference(organization_field);
      data.organization = organization->id;
      if (!organization->data) {
        reader_.Fail(organization_field, "organization " + Quote(data.organization) +
                                             " has no data role, so it cannot hold data (add data to its roles)");
      }
      for (const DataSpec& earlier : scenario_.data) {
        if (earlier.organization == data.organization) {
          reader_.Fail(organization_field, "organization " + Quote(data.organization) +
                                               " already has data at line " + std::to_string(earlier.mark.line) +
                                               " (one entry per organization)");
        }
      }
      if (auto samples = mapping.Find("samples")) data.samples = reader_.Int(*samples, 1);
      if (auto type = mapping.Find("type")) data.type = reader_.NonEmptyString(*type);
      if (auto is_public = mapping.Find("public")) data.public_data = reader_.Bool(*is_public);
      data.mark = ToSourceMark(item.mark);
      scenario_.data.push_back(std::move(data));
    }
  }
  CheckDataOrganizations();
}

void ScenarioParser::CheckDataOrganizations() const {
  for (std::size_t i = 0; i < scenario_.organizations.size(); ++i) {
    const Organization& organization = scenario_.organizations[i];
    if (!organization.data) continue;
    const bool has_data = std::any_of(scenario_.data.begin(), scenario_.data.end(),
                                      [&](const DataSpec& data) { return data.organization == organization.id; });
    if (!has_data) {
      reader_.Fail(organization_fields_[i],
                   "organization " + Quote(organization.id) + " has the data role but no entry in data");
    }
  }
}

void ScenarioParser::ReadPlan(const Field& field) {
  const Mapping plan = reader_.Map(
      field, {"strategy", "owner", "rounds", "evaluation_every", "batch_size", "roles", "tasks"});
  PlanSpec& spec = scenario_.plan;
  spec.mark = ToSourceMark(field.mark);
  if (auto strategy = plan.Find("strategy")) spec.strategy = reader_.Enum(*strategy, kStrategies);
  const bool is_explicit = spec.strategy == "explicit";

  if (is_explicit) {
    for (const char* key : {"rounds", "evaluation_every", "roles"}) {
      if (plan.Has(key)) {
        reader_.Fail(plan.KeyField(key), "not used by the explicit strategy (describe the graph in plan.tasks)");
      }
    }
  } else if (plan.Has("tasks")) {
    reader_.Fail(plan.KeyField("tasks"), "tasks are only allowed with strategy: explicit");
  }

  if (auto rounds = plan.Find("rounds")) spec.rounds = reader_.Int(*rounds, 1);
  if (auto every = plan.Find("evaluation_every")) spec.evaluation_every = reader_.Int(*every, 1);
  if (auto batch_size = plan.Find("batch_size")) spec.batch_size = reader_.Int(*batch_size, 1);
  ReadPlanOwner(plan);

  if (is_explicit) {
    ReadTasks(plan.Require("tasks"));
  } else {
    CheckStrategyOrganizations(plan);
    ReadRoles(plan);
  }
  CheckPlanSize(plan);
}

void ScenarioParser::ReadPlanOwner(const Mapping& plan) {
  if (auto owner = plan.Find("owner")) {
    scenario_.plan.owner = CheckOrganizationReference(*owner)->id;
    return;
  }
  for (const Organization& organization : scenario_.organizations) {
    if (organization.aggregator) {
      scenario_.plan.owner = organization.id;
      return;
    }
  }
  scenario_.plan.owner = scenario_.organizations.front().id;
}

void ScenarioParser::CheckStrategyOrganizations(const Mapping& plan) const {
  const std::string& strategy = scenario_.plan.strategy;
  const Field where = plan.Has("strategy") ? *plan.Find("strategy") : plan.field();
  const auto count = [&](bool Organization::*role) {
    return std::count_if(scenario_.organizations.begin(), scenario_.organizations.end(),
                         [&](const Organization& organization) { return organization.*role; });
  };
  if (count(&Organization::data) == 0) {
    reader_.Fail(where, "the " + strategy + " strategy needs at least one organization with the data role");
  }
  if ((strategy == "fedavg" || strategy == "composite") && count(&Organization::aggregator) == 0) {
    reader_.Fail(where, "the " + strategy + " strategy needs an organization with the aggregator role");
  }
}

// Fills plan.roles with every role of the strategy. A role left unset uses
// the function named like the role. A role function that is not declared is
// added with the role's standard shape.
void ScenarioParser::ReadRoles(const Mapping& plan) {
  const std::vector<std::string> roles = StrategyRoles(scenario_.plan.strategy);
  std::optional<Mapping> role_mapping;
  if (auto field = plan.Find("roles")) role_mapping = reader_.Map(*field, roles);

  for (const std::string& role : roles) {
    std::optional<Field> role_field;
    if (role_mapping) role_field = role_mapping->Find(role);
    const std::string name = role_field ? reader_.NonEmptyString(*role_field) : role;
    // Failures and checks name a task by its function, so one function
    // playing two roles would make them ambiguous.
    for (const auto& [other_role, other_name] : scenario_.plan.roles) {
      if (other_name == name) {
        reader_.Fail(role_field.value_or(plan.field()), "function " + Quote(name) + " already plays the " +
                                                           other_role + " role, and each role needs its own function");
      }
    }
    scenario_.plan.roles[role] = name;

    if (const FunctionSpec* function = scenario_.FindFunction(name)) {
      CheckRoleFunction(role, *function, role_field.value_or(plan.field()));
      continue;
    }
    scenario_.functions.push_back(StandardFunction(role, name, scenario_.plan.strategy));
  }
}

// A declared function playing a role must accept what the strategy feeds it
// and produce what the strategy reads from it. The standard function of the
// role lists both. A model input receives several models only for
// aggregate, and datasamples receives several samples when some data entry
// has more than one. Every other input of the function must be optional,
// because the strategy supplies nothing for it.
void ScenarioParser::CheckRoleFunction(const std::string& role, const FunctionSpec& function,
                                       const Field& role_field) const {
  const FunctionSpec shape = StandardFunction(role, function.name, scenario_.plan.strategy);
  // An error about a declared function points at its declaration. A function
  // added for an earlier role and reused for this one has none, so the error
  // points at this role.
  const auto declared = function_fields_.find(function.name);
  const Field& where = declared != function_fields_.end() ? declared->second : role_field;
  const std::string used_as = "function " + Quote(function.name) + " plays the " + role + " role of the " +
                              scenario_.plan.strategy + " strategy (plan.roles." + role + ")";
  const auto fail = [&](const std::string& problem) { reader_.Fail(where, used_as + ", but " + problem); };

  for (const auto& [identifier, expected] : shape.inputs) {
    const auto it = function.inputs.find(identifier);
    if (it == function.inputs.end()) fail("it has no input " + Quote(identifier) + " of kind " + expected.kind);
    const FunctionInputSpec& input = it->second;
    if (input.kind != expected.kind) {
      fail("its input " + Quote(identifier) + " has kind " + input.kind + " instead of " + expected.kind);
    }
    const bool needs_multiple = role == "aggregate" || (input.kind == "data_sample" && MaxSamples() > 1);
    if (needs_multiple && !input.multiple) {
      fail("its input " + Quote(identifier) + " must be multiple: the strategy passes several values");
    }
    if (expected.optional && !input.optional) {
      fail("its input " + Quote(identifier) + " must be optional: the first round has no value for it");
    }
  }
  for (const auto& [identifier, input] : function.inputs) {
    if (shape.inputs.count(identifier) == 0 && !input.optional) {
      fail("its input " + Quote(identifier) + " is not supplied by the strategy, so it must be optional");
    }
  }
  for (const auto& [identifier, expected] : shape.outputs) {
    const auto it = function.outputs.find(identifier);
    if (it == function.outputs.end()) fail("it has no output " + Quote(identifier) + " of kind " + expected.kind);
    if (it->second.kind != expected.kind) {
      fail("its output " + Quote(identifier) + " has kind " + it->second.kind + " instead of " + expected.kind);
    }
    if (it->second.multiple) fail("its output " + Quote(identifier) + " must not be multiple");
  }
}

void ScenarioParser::CheckPlanSize(const Mapping& plan) const {
  const PlanSpec& spec = scenario_.plan;
  long long tasks = static_cast<long long>(spec.tasks.size());
  if (spec.strategy != "explicit") {
    const long long data_organizations =
        std::count_if(scenario_.organizations.begin(), scenario_.organizations.end(),
                      [](const Organization& organization) { return organization.data; });
    const long long aggregate_tasks = spec.strategy == "cyclic" ? 0 : 1;
    // Every evaluation_every-th round, plus the last round when it is not one of them.
    const long long evaluations =
        spec.rounds / spec.evaluation_every + (spec.rounds % spec.evaluation_every != 0 ? 1 : 0);
    tasks = spec.rounds * (data_organizations + aggregate_tasks) + evaluations * 2 * data_organizations;
  }
  if (tasks > kMaxPlanTasks) {
    reader_.Fail(plan.Has("rounds") ? *plan.Find("rounds") : plan.field(),
                 "the plan would have " + std::to_string(tasks) + " tasks, more than the limit of " +
                     std::to_string(kMaxPlanTasks));
  }
}

// Explicit task graphs. A first pass collects every task id and its function
// so that inputs may name parents defined further down the list.
void ScenarioParser::ReadTasks(const Field& field) {
  const std::vector<Field> items = reader_.Items(field);
  if (items.empty()) reader_.Fail(field, "an explicit plan needs at least one task");

  for (const Field& item : items) {
    const Mapping mapping = reader_.Map(item, kTaskKeys);
    const Field id_field = mapping.Require("id");
    const std::string id = reader_.NonEmptyString(id_field);
    if (task_fields_.count(id) != 0) {
      reader_.Fail(id_field, "duplicate task id " + Quote(id) + " (first defined at line " +
                                 std::to_string(task_fields_.at(id).mark.line + 1) + ")");
    }
    task_fields_.emplace(id, item);
    task_functions_.emplace(id, reader_.NonEmptyString(mapping.Require("function")));
  }

  for (const Field& item : items) scenario_.plan.tasks.push_back(ReadTask(item));
  CheckTaskGraphAcyclic();
}

TaskSpec ScenarioParser::ReadTask(const Field& field) const {
  const Mapping mapping = reader_.Map(field, kTaskKeys);
  TaskSpec task;
  task.id = reader_.NonEmptyString(mapping.Require("id"));
  task.mark = ToSourceMark(field.mark);
  const FunctionSpec* function = CheckFunctionReference(mapping.Require("function"));
  task.function = function->name;
  task.worker = CheckOrganizationReference(mapping.Require("worker"))->id;
  if (auto round = mapping.Find("round")) task.round = reader_.Int(*round, 0);
  ReadTaskData(mapping, *function, task);

  std::set<std::string> seen_identifiers;
  if (auto inputs = mapping.Find("inputs")) {
    for (const Field& item : reader_.Items(*inputs)) {
      task.inputs.push_back(ReadTaskInput(item, *function, seen_identifiers));
    }
  }
  for (const auto& [identifier, declared] : function->inputs) {
    if (declared.kind == "model" && !declared.optional && seen_identifiers.count(identifier) == 0) {
      reader_.Fail(mapping.Find("inputs").value_or(field), "missing input " + Quote(identifier) + ", which function " +
                                                               Quote(function->name) + " requires");
    }
  }
  return task;
}

// `data: true` gives the task the worker's data manager and samples, which
// is how the simulator fills a function's data_manager and data_sample
// inputs. So it is required exactly when the function has those inputs.
void ScenarioParser::ReadTaskData(const Mapping& mapping, const FunctionSpec& function, TaskSpec& task) const {
  const bool reads_data = std::any_of(function.inputs.begin(), function.inputs.end(),
                                      [](const auto& input) { return input.second.kind == "data_manager"; });
  const std::optional<Field> data_field = mapping.Find("data");
  if (data_field) task.uses_data = reader_.Bool(*data_field);

  if (task.uses_data && !reads_data) {
    reader_.Fail(*data_field, "function " + Quote(task.function) + " has no data_manager input, so data must be false");
  }
  if (!task.uses_data && reads_data) {
    reader_.Fail(data_field.value_or(mapping.field()), "function " + Quote(task.function) +
                                                           " has a data_manager input, so the task needs data: true");
  }
  if (task.uses_data) {
    const bool worker_has_data = std::any_of(scenario_.data.begin(), scenario_.data.end(),
                                             [&](const DataSpec& data) { return data.organization == task.worker; });
    if (!worker_has_data) {
      reader_.Fail(*data_field, "the worker " + Quote(task.worker) + " has no entry in data, so it has no data to use");
    }
  }
}

// Reads a task input, which references a parent's output. The checks are
// those of 0.37 RegisterTasks for such inputs. The identifier is declared by
// the function and repeated only when multiple. The parent's function declares
// the output with the same kind, and a multiple output feeds only a multiple
// input.
TaskInputSpec ScenarioParser::ReadTaskInput(const Field& field, const FunctionSpec& function,
                                            std::set<std::string>& seen_identifiers) const {
  const Mapping mapping = reader_.Map(field, {"identifier", "parent", "output"});
  TaskInputSpec input;
  input.mark = ToSourceMark(field.mark);

  const Field identifier_field = mapping.Require("identifier");
  input.identifier = reader_.NonEmptyString(identifier_field);
  const auto declared = function.inputs.find(input.identifier);
  if (declared == function.inputs.end()) {
    reader_.Fail(identifier_field,
                 "function " + Quote(function.name) + " declares no input " + Quote(input.identifier));
  }
  const FunctionInputSpec& declared_input = declared->second;
  if (declared_input.kind != "model") {
    reader_.Fail(identifier_field, "input " + Quote(input.identifier) + " is a " + declared_input.kind +
                                       " input, which data: true supplies, so it cannot be listed here");
  }
  if (!seen_identifiers.insert(input.identifier).second && !declared_input.multiple) {
    reader_.Fail(identifier_field, "input " + Quote(input.identifier) + " is given twice but is not multiple");
  }

  const Field parent_field = mapping.Require("parent");
  input.parent = reader_.NonEmptyString(parent_field);
  const auto parent = task_functions_.find(input.parent);
  if (parent == task_functions_.end()) {
    reader_.Fail(parent_field, "task " + Quote(input.parent) + " is not defined in plan.tasks");
  }
  const FunctionSpec* parent_function = scenario_.FindFunction(parent->second);
  if (parent_function == nullptr) {
    reader_.Fail(parent_field, "task " + Quote(input.parent) + " uses the undefined function " + Quote(parent->second));
  }

  const Field output_field = mapping.Require("output");
  input.output = reader_.NonEmptyString(output_field);
  const auto output = parent_function->outputs.find(input.output);
  if (output == parent_function->outputs.end()) {
    reader_.Fail(output_field, "function " + Quote(parent_function->name) + " of task " + Quote(input.parent) +
                                   " declares no output " + Quote(input.output));
  }
  if (output->second.kind != declared_input.kind) {
    reader_.Fail(output_field, "output " + Quote(input.output) + " has kind " + output->second.kind + " but input " +
                                   Quote(input.identifier) + " expects " + declared_input.kind);
  }
  if (output->second.multiple && !declared_input.multiple) {
    reader_.Fail(output_field, "output " + Quote(input.output) + " is multiple and cannot feed input " +
                                   Quote(input.identifier) + ", which is not multiple");
  }
  return input;
}

// Depth-first search over parent links, with an explicit stack so that a
// long chain of tasks cannot overflow the call stack. A parent met again while
// it is still on the current path closes a cycle, which is reported in
// parent-to-child order at the line of the task where the search met it again.
void ScenarioParser::CheckTaskGraphAcyclic() const {
  const std::vector<TaskSpec>& tasks = scenario_.plan.tasks;
  std::map<std::string, const TaskSpec*> by_id;
  for (const TaskSpec& task : tasks) by_id.emplace(task.id, &task);

  enum class State { kNew, kOnPath, kDone };
  std::map<std::string, State> state;
  struct Frame {
    const TaskSpec* task;
    std::size_t next_input;
  };
  std::vector<Frame> path;

  for (const TaskSpec& root : tasks) {
    if (state[root.id] != State::kNew) continue;
    state[root.id] = State::kOnPath;
    path.push_back(Frame{&root, 0});

    while (!path.empty()) {
      Frame& frame = path.back();
      if (frame.next_input == frame.task->inputs.size()) {
        state[frame.task->id] = State::kDone;
        path.pop_back();
        continue;
      }
      const TaskSpec& parent = *by_id.at(frame.task->inputs[frame.next_input].parent);
      ++frame.next_input;

      if (state[parent.id] == State::kOnPath) {
        // The path runs from child to parent, so the cycle is read backwards.
        std::vector<std::string> cycle = {parent.id};
        for (auto it = path.rbegin(); it->task != &parent; ++it) cycle.push_back(it->task->id);
        const std::size_t length = cycle.size();
        if (length > kMaxCycleTasksShown) {
          cycle.resize(kMaxCycleTasksShown);
          cycle.push_back("... (" + std::to_string(length) + " tasks in the cycle)");
        }
        cycle.push_back(parent.id);
        reader_.Fail(task_fields_.at(parent.id), "the task graph has a cycle: " + JoinNames(cycle, " -> "));
      }
      if (state[parent.id] == State::kNew) {
        state[parent.id] = State::kOnPath;
        path.push_back(Frame{&parent, 0});
      }
    }
  }
}

void ScenarioParser::ReadDurations(const Field& field) {
  const Mapping mapping = reader_.Map(field, {"default", "reaction_delay"});
  if (auto duration = mapping.Find("default")) scenario_.default_duration = reader_.ReadDistribution(*duration);
  if (auto delay = mapping.Find("reaction_delay")) scenario_.reaction_delay = reader_.ReadDistribution(*delay);
}

void ScenarioParser::ReadFailures(const std::optional<Field>& field) {
  std::optional<Mapping> mapping;
  if (field) mapping = reader_.Map(*field, {"probability", "inject"});
  if (mapping) {
    if (auto probability = mapping->Find("probability")) {
      scenario_.failure_probability = reader_.Probability(*probability);
    }
  }
  for (FunctionSpec& function : scenario_.functions) {
    if (functions_with_failure_probability_.count(function.name) == 0) {
      function.failure_probability = scenario_.failure_probability;
    }
  }
  if (!mapping) return;

  if (auto inject = mapping->Find("inject")) {
    for (const Field& item : reader_.Items(*inject)) {
      const TaskSelector selector = ReadTaskSelector(reader_.Map(item, {"function", "organization", "round", "task"}));
      InjectedFailure failure;
      failure.function = selector.function;
      failure.organization = selector.organization;
      failure.round = selector.round;
      failure.task = selector.task;
      failure.mark = ToSourceMark(item.mark);
      scenario_.injected_failures.push_back(std::move(failure));
    }
  }
}

// Reads a task selector and checks that it names a task the plan will have.
// An explicit plan names a task by id. A strategy plan names a role function,
// an organization that runs that role, and a round in which the role runs.
ScenarioParser::TaskSelector ScenarioParser::ReadTaskSelector(const Mapping& mapping) const {
  TaskSelector selector;
  if (scenario_.plan.strategy == "explicit") {
    for (const char* key : {"function", "organization", "round"}) {
      if (mapping.Has(key)) reader_.Fail(mapping.KeyField(key), "an explicit plan names the task by its id in task");
    }
    const Field task_field = mapping.Require("task");
    selector.task = reader_.NonEmptyString(task_field);
    if (task_fields_.count(selector.task) == 0) {
      reader_.Fail(task_field, "task " + Quote(selector.task) + " is not defined in plan.tasks");
    }
    return selector;
  }

  if (mapping.Has("task")) {
    reader_.Fail(mapping.KeyField("task"),
                 "task ids exist only in explicit plans, so name the task by function, organization and round");
  }
  const Field function_field = mapping.Require("function");
  selector.function = CheckFunctionReference(function_field)->name;
  const Field organization_field = mapping.Require("organization");
  const Organization* organization = CheckOrganizationReference(organization_field);
  selector.organization = organization->id;
  const Field round_field = mapping.Require("round");
  selector.round = reader_.Int(round_field, 1);
  if (selector.round > scenario_.plan.rounds) {
    reader_.Fail(round_field, "round " + std::to_string(selector.round) +
                                  " is after the last round of the plan (rounds: " +
                                  std::to_string(scenario_.plan.rounds) + ")");
  }

  CheckStrategyTask(function_field, *organization, organization_field, round_field, selector);
  return selector;
}

// Checks that the strategy runs the selected function on that organization
// in that round. ReadRoles ensures that each function plays at most one role.
void ScenarioParser::CheckStrategyTask(const Field& function_field, const Organization& organization,
                                       const Field& organization_field, const Field& round_field,
                                       const TaskSelector& selector) const {
  const auto& roles = scenario_.plan.roles;
  const auto played = std::find_if(roles.begin(), roles.end(),
                                   [&](const auto& role) { return role.second == selector.function; });
  if (played == roles.end()) {
    reader_.Fail(function_field, "function " + Quote(selector.function) + " plays no role in the " +
                                     scenario_.plan.strategy + " plan, so no task runs it");
  }

  const std::string& role = played->first;
  const Organization* aggregator = scenario_.FindAggregator();
  if (role == "aggregate" && &organization != aggregator) {
    reader_.Fail(organization_field, "aggregate tasks run on " + Quote(aggregator->id) + ", not on " +
                                         Quote(organization.id));
  }
  if (role != "aggregate" && !organization.data) {
    reader_.Fail(organization_field, role + " tasks run on organizations with the data role, and " +
                                         Quote(organization.id) + " has none");
  }
  if ((role == "predict" || role == "test") && !scenario_.plan.EvaluatesInRound(selector.round)) {
    reader_.Fail(round_field, "the plan does not evaluate in round " + std::to_string(selector.round) +
                                  " (evaluation_every: " + std::to_string(scenario_.plan.evaluation_every) + ")");
  }
}

void ScenarioParser::ReadCancel(const Field& field) {
  const Mapping mapping = reader_.Map(field, {"after_done_tasks", "at_seconds"});
  if (mapping.entries().size() != 1) {
    reader_.Fail(field, "expected exactly one of after_done_tasks or at_seconds");
  }
  CancelSpec cancel;
  cancel.mark = ToSourceMark(field.mark);
  if (auto after = mapping.Find("after_done_tasks")) cancel.after_done_tasks = reader_.Int(*after, 0);
  if (auto at = mapping.Find("at_seconds")) cancel.at_seconds = reader_.NumberAtLeast(*at, 0);
  scenario_.cancel = cancel;
}

void ScenarioParser::ReadFaults(const Field& field) {
  const Mapping mapping = reader_.Map(field, {"agent_crash", "lost_response", "duplicate_request", "server_restart",
                                              "partition", "slow_response"});
  FaultSpec& faults = scenario_.faults;
  faults.mark = ToSourceMark(field.mark);
  // Each fault is a mapping with its probability and, for some, a duration.
  auto read = [this, &mapping](const char* name, double& probability, const char* duration_key,
                               Distribution* duration) {
    auto entry = mapping.Find(name);
    if (!entry) return;
    std::vector<std::string> allowed = {"probability"};
    if (duration_key != nullptr) allowed.emplace_back(duration_key);
    const Mapping fault = reader_.Map(*entry, allowed);
    probability = reader_.Probability(fault.Require("probability"));
    if (duration_key == nullptr) return;
    if (auto value = fault.Find(duration_key)) *duration = reader_.ReadDistribution(*value);
  };
  read("agent_crash", faults.agent_crash, "restart_after", &faults.agent_restart_delay);
  read("lost_response", faults.lost_response, nullptr, nullptr);
  read("duplicate_request", faults.duplicate_request, nullptr, nullptr);
  read("server_restart", faults.server_restart, nullptr, nullptr);
  read("partition", faults.partition, "duration", &faults.partition_duration);
  read("slow_response", faults.slow_response, "delay", &faults.slow_delay);
}

void ScenarioParser::ReadPerformance(const Field& field) {
  const Mapping mapping = reader_.Map(field, {"start", "end", "rate", "noise"});
  PerformanceCurve& curve = scenario_.performance;
  // The simulator clamps performance values to [0, 1], so the curve must
  // stay inside that range.
  if (auto start = mapping.Find("start")) curve.start = reader_.NumberBetween(*start, 0, 1);
  if (auto end = mapping.Find("end")) curve.end = reader_.NumberBetween(*end, 0, 1);
  if (auto rate = mapping.Find("rate")) curve.rate = reader_.NumberAtLeast(*rate, 0);
  if (auto noise = mapping.Find("noise")) curve.noise = reader_.NumberAtLeast(*noise, 0);
}

void ScenarioParser::ReadExpectations(const Field& field) {
  const Mapping mapping =
      reader_.Map(field, {"plan_status", "tasks", "plan_running", "performances", "min_events", "checks"});
  Expectations& expect = scenario_.expect;
  if (auto status = mapping.Find("plan_status")) expect.plan_status = reader_.Enum(*status, kPlanStatuses);
  if (auto tasks = mapping.Find("tasks")) {
    const Mapping counts = reader_.Map(*tasks, kTaskStatuses);
    for (const Mapping::Entry& entry : counts.entries()) expect.tasks[entry.key] = reader_.Int(entry.value, 0);
  }
  if (auto running = mapping.Find("plan_running")) expect.plan_running = reader_.Bool(*running);
  if (auto performances = mapping.Find("performances")) expect.performances = reader_.Int(*performances, 0);
  if (auto min_events = mapping.Find("min_events")) expect.min_events = reader_.Int(*min_events, 0);

  if (auto checks = mapping.Find("checks")) {
    for (const Field& item : reader_.Items(*checks)) {
      const Mapping check = reader_.Map(item, {"function", "organization", "round", "task", "status"});
      const TaskSelector selector = ReadTaskSelector(check);
      ExpectedTask expected;
      expected.function = selector.function;
      expected.organization = selector.organization;
      expected.round = selector.round;
      expected.task = selector.task;
      expected.status = reader_.Enum(check.Require("status"), kTaskStatuses);
      expected.mark = ToSourceMark(item.mark);
      expect.task_checks.push_back(std::move(expected));
    }
  }
}

const Organization* ScenarioParser::CheckOrganizationReference(const Field& field) const {
  const std::string id = reader_.NonEmptyString(field);
  const Organization* organization = scenario_.FindOrganization(id);
  if (organization == nullptr) reader_.Fail(field, "organization " + Quote(id) + " is not defined in organizations");
  return organization;
}

const FunctionSpec* ScenarioParser::CheckFunctionReference(const Field& field) const {
  const std::string name = reader_.NonEmptyString(field);
  const FunctionSpec* function = scenario_.FindFunction(name);
  if (function == nullptr) {
    std::string problem = "function " + Quote(name) + " is not defined in functions";
    const std::string& strategy = scenario_.plan.strategy;
    std::vector<std::string> roles = StrategyRoles(strategy);
    bool is_other_role = name == "train" || name == "aggregate" || name == "predict" || name == "test" ||
                         name == "composite";
    if (is_other_role && std::find(roles.begin(), roles.end(), name) == roles.end()) {
      problem += ", and the " + strategy + " strategy has no " + Quote(name) + " role";
    }
    reader_.Fail(field, problem);
  }
  return function;
}

int ScenarioParser::MaxSamples() const {
  int max = 0;
  for (const DataSpec& data : scenario_.data) max = std::max(max, data.samples);
  return max;
}

}  // namespace

bool PlanSpec::EvaluatesInRound(int round) const {
  return round == rounds || (evaluation_every > 0 && round % evaluation_every == 0);
}

const Organization* Scenario::FindOrganization(const std::string& id) const {
  for (const Organization& organization : organizations) {
    if (organization.id == id) return &organization;
  }
  return nullptr;
}

const FunctionSpec* Scenario::FindFunction(const std::string& function_name) const {
  for (const FunctionSpec& function : functions) {
    if (function.name == function_name) return &function;
  }
  return nullptr;
}

const Organization* Scenario::FindAggregator() const {
  for (const Organization& organization : organizations) {
    if (organization.aggregator) return &organization;
  }
  return nullptr;
}

FunctionSpec StandardFunction(const std::string& role, const std::string& name, const std::string& strategy) {
  const FunctionInputSpec opener{"data_manager", false, false};
  const FunctionInputSpec samples{"data_sample", true, false};
  const FunctionInputSpec model{"model", false, false};
  const FunctionOutputSpec model_output{"model", false};

  FunctionSpec function;
  function.name = name;
  if (role == "train") {
    function.inputs = {{"opener", opener}, {"datasamples", samples}, {"model", {"model", true, true}}};
    function.outputs = {{"model", model_output}};
  } else if (role == "aggregate") {
    function.inputs = {{"model", {"model", true, false}}};
    function.outputs = {{"model", model_output}};
  } else if (role == "predict" && strategy == "composite") {
    function.inputs = {{"opener", opener}, {"datasamples", samples}, {"local", model}, {"shared", model}};
    function.outputs = {{"predictions", model_output}};
  } else if (role == "predict") {
    function.inputs = {{"opener", opener}, {"datasamples", samples}, {"model", model}};
    function.outputs = {{"predictions", model_output}};
  } else if (role == "test") {
    function.inputs = {{"opener", opener}, {"datasamples", samples}, {"predictions", model}};
    function.outputs = {{"performance", {"performance", false}}};
  } else if (role == "composite") {
    const FunctionInputSpec optional_model{"model", false, true};
    function.inputs = {{"opener", opener}, {"datasamples", samples}, {"local", optional_model},
                       {"shared", optional_model}};
    function.outputs = {{"local", model_output}, {"shared", model_output}};
  } else {
    throw std::invalid_argument("StandardFunction: unknown role \"" + role + "\"");
  }
  return function;
}

Scenario ParseScenario(const std::string& text, const std::string& path) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(text);
  } catch (const YAML::ParserException& error) {
    const SourceMark mark = ToSourceMark(error.mark);
    throw ScenarioError(path + ":" + std::to_string(mark.line) + ":" + std::to_string(mark.column) +
                        ": invalid YAML: " + error.msg);
  } catch (const YAML::Exception& error) {
    throw ScenarioError(path + ":1:1: invalid YAML: " + error.msg);
  }
  if (documents.size() > 1) {
    const SourceMark mark = ToSourceMark(documents[1].Mark());
    throw ScenarioError(path + ":" + std::to_string(mark.line) + ":" + std::to_string(mark.column) +
                        ": the file contains " + std::to_string(documents.size()) +
                        " YAML documents, a scenario file must contain exactly one");
  }
  YAML::Node root = documents.empty() ? YAML::Node() : documents.front();
  return ScenarioParser(path, root).Parse();
}

Scenario LoadScenario(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) throw ScenarioError(path + ": failed to open the scenario file: " + std::strerror(errno));

  std::string text;
  char buffer[65536];
  std::size_t count = 0;
  while ((count = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, count);
  const bool failed = std::ferror(file) != 0;
  const int read_errno = errno;
  std::fclose(file);
  if (failed) throw ScenarioError(path + ": failed to read the scenario file: " + std::strerror(read_errno));

  return ParseScenario(text, path);
}

}  // namespace orc::sim
