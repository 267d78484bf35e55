// FunctionService. A function declares the inputs its tasks consume and the
// outputs they produce, each under an identifier. Only its name can change
// after registration.
#include <algorithm>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/services/pagination.h"
#include "core/services/permissions.h"
#include "core/services/services.h"
#include "core/services/validation.h"

namespace orc::service {

namespace {

constexpr std::size_t kMaxIdentifierBytes = 100;

// Returns the keys of a map in sorted order, so that validation messages do
// not depend on the iteration order of protobuf maps.
template <class Map>
std::vector<std::string> SortedKeys(const Map& map) {
  std::vector<std::string> keys;
  keys.reserve(map.size());
  for (const auto& [key, value] : map) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  return keys;
}

std::string EntryField(std::string_view map_field, const std::string& identifier) {
  return std::string(map_field) + "[\"" + identifier + "\"]";
}

void ValidateIdentifier(Validator& validator, const std::string& identifier, std::string_view map_field) {
  validator.Check(!identifier.empty(), map_field, "identifier cannot be blank");
  validator.Check(identifier.size() <= kMaxIdentifierBytes, map_field,
                  "identifier \"" + identifier + "\" is longer than 100 bytes");
}

// 0.37 accepts kind ASSET_UNKNOWN here and then fails on a database foreign
// key. orc rejects it during validation.
void ValidateInputs(Validator& validator,
                    const google::protobuf::Map<std::string, pb::FunctionInput>& inputs) {
  int data_manager_inputs = 0;
  int data_sample_inputs = 0;
  for (const std::string& identifier : SortedKeys(inputs)) {
    const pb::FunctionInput& input = inputs.at(identifier);
    std::string field = EntryField("inputs", identifier);
    ValidateIdentifier(validator, identifier, "inputs");

    pb::AssetKind kind = input.kind();
    validator.Check(kind == pb::ASSET_MODEL || kind == pb::ASSET_DATA_SAMPLE || kind == pb::ASSET_DATA_MANAGER,
                    field + ".kind", "must be ASSET_MODEL, ASSET_DATA_SAMPLE or ASSET_DATA_MANAGER");
    if (kind == pb::ASSET_DATA_MANAGER) {
      ++data_manager_inputs;
      validator.Check(!input.multiple(), field + ".multiple", "an ASSET_DATA_MANAGER input cannot be multiple");
      validator.Check(!input.optional(), field + ".optional", "an ASSET_DATA_MANAGER input cannot be optional");
    }
    if (kind == pb::ASSET_DATA_SAMPLE) ++data_sample_inputs;
  }

  validator.Check(data_manager_inputs <= 1, "inputs",
                  "at most one ASSET_DATA_MANAGER input is allowed, got " + std::to_string(data_manager_inputs));
  validator.Check(data_sample_inputs == 0 || data_manager_inputs > 0, "inputs",
                  "an ASSET_DATA_SAMPLE input requires an ASSET_DATA_MANAGER input");
  validator.Check(data_manager_inputs == 0 || data_sample_inputs > 0, "inputs",
                  "an ASSET_DATA_MANAGER input requires an ASSET_DATA_SAMPLE input");
}

void ValidateOutputs(Validator& validator,
                     const google::protobuf::Map<std::string, pb::FunctionOutput>& outputs) {
  for (const std::string& identifier : SortedKeys(outputs)) {
    const pb::FunctionOutput& output = outputs.at(identifier);
    std::string field = EntryField("outputs", identifier);
    ValidateIdentifier(validator, identifier, "outputs");

    pb::AssetKind kind = output.kind();
    validator.Check(kind == pb::ASSET_MODEL || kind == pb::ASSET_PERFORMANCE, field + ".kind",
                    "must be ASSET_MODEL or ASSET_PERFORMANCE");
    if (kind == pb::ASSET_PERFORMANCE) {
      validator.Check(!output.multiple(), field + ".multiple", "an ASSET_PERFORMANCE output cannot be multiple");
    }
  }
}

void ValidateNewFunction(const pb::NewFunction& request) {
  Validator validator("function");
  validator.RequiredUuid(request.key(), "key");
  validator.Name(request.name(), "name");
  validator.Addressable(request.has_description(), request.description(), "description");
  validator.Addressable(request.has_function(), request.function(), "function");
  validator.Metadata(request.metadata(), "metadata");
  validator.Present(request.has_new_permissions(), "new_permissions");
  ValidateInputs(validator, request.inputs());
  ValidateOutputs(validator, request.outputs());
  validator.Finish();
}

}  // namespace

pb::Function RegisterFunction(Scope& scope, const pb::NewFunction& request) {
  ValidateNewFunction(request);

  if (scope.tx.GetFunction(request.key()) != nullptr) {
    Fail(ErrorKind::kConflict, "function with key \"" + request.key() + "\" already exists");
  }
  pb::Permissions permissions = CreatePermissions(scope, scope.requester, &request.new_permissions());
  RequireRegisteredRequester(scope);

  pb::Function function;
  function.set_key(request.key());
  function.set_name(request.name());
  *function.mutable_description() = request.description();
  *function.mutable_function() = request.function();
  *function.mutable_permissions() = std::move(permissions);
  function.set_owner(scope.requester);
  SetTimestamp(scope.now(), function.mutable_creation_date());
  *function.mutable_metadata() = request.metadata();
  *function.mutable_inputs() = request.inputs();
  *function.mutable_outputs() = request.outputs();
  auto stored = std::make_shared<const pb::Function>(std::move(function));

  scope.tx.AddFunction(stored);
  scope.Emit(pb::EVENT_ASSET_CREATED, pb::ASSET_FUNCTION, stored->key(), stored);
  return *stored;
}

pb::Function GetFunction(Scope& scope, const pb::GetFunctionParam& request) {
  return *GetFunctionOrFail(scope, request.key());
}

pb::QueryFunctionsResponse QueryFunctions(Scope& scope, const pb::QueryFunctionsParam& request) {
  persistence::PageRequest page = ParsePage(request.page_token(), request.page_size());
  auto result = scope.tx.QueryFunctions(page, request.filter().compute_plan_key());

  pb::QueryFunctionsResponse response;
  for (const FunctionPtr& function : result.items) *response.add_functions() = *function;
  response.set_next_page_token(NextPageToken(page, result));
  return response;
}

pb::UpdateFunctionResponse UpdateFunction(Scope& scope, const pb::UpdateFunctionParam& request) {
  Validator validator("function");
  validator.RequiredUuid(request.key(), "key");
  validator.Name(request.name(), "name");
  validator.Finish();

  FunctionPtr function = GetFunctionOrFail(scope, request.key());
  if (function->owner() != scope.requester) {
    Fail(ErrorKind::kPermissionDenied, "requester does not own the function: organization \"" +
                                           scope.requester + "\" does not own function \"" +
                                           function->key() + "\"");
  }

  auto renamed = std::make_shared<pb::Function>(*function);
  renamed->set_name(request.name());
  FunctionPtr stored = std::move(renamed);

  scope.tx.UpdateFunction(stored);
  scope.Emit(pb::EVENT_ASSET_UPDATED, pb::ASSET_FUNCTION, stored->key(), stored);
  return {};
}

}  // namespace orc::service
