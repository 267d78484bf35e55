#include "chaincode/contract.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>

#include <nlohmann/json.hpp>

#include "chaincode/json.h"
#include "chaincode/world_state_store.h"
#include "core/orchestrator.h"

namespace orc::chaincode {

namespace {

// Fields of the argument and result wrapper.
constexpr char kMessageField[] = "msg";
constexpr char kRequestIdField[] = "request_id";

using Handler = std::function<Result<std::string>(Api& api, const RequestContext& context, const std::string& json)>;

// Contract name of a gRPC service: "ComputeTaskService" -> "computetask".
std::string ContractName(std::string_view service) {
  constexpr std::string_view kSuffix = "Service";
  if (service.ends_with(kSuffix)) service.remove_suffix(kSuffix.size());
  std::string name;
  for (char c : service) name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return name;
}

// Parses the request JSON, calls the API and writes the response JSON. An
// empty string stands for a response without fields.
template <class Request, class Response>
Result<std::string> Call(Result<Response> (Api::*method)(const RequestContext&, const Request&), Api& api,
                         const RequestContext& context, const std::string& json) {
  Request request;
  if (std::string error = FromJson(json, &request); !error.empty()) {
    return Error(ErrorKind::kInvalidAsset,
                 "msg: not a valid " + Request::descriptor()->full_name() + " in protobuf JSON: " + error);
  }
  Result<Response> response = (api.*method)(context, request);
  if (!response.ok()) return response.error();
  if (Response::descriptor()->field_count() == 0) return std::string();
  return ToJson(*response);
}

const std::map<std::string, Handler, std::less<>>& Handlers() {
  static const auto* handlers = [] {
    auto* table = new std::map<std::string, Handler, std::less<>>();
#define ORC_REGISTER_FUNCTION(Service, Method, Request, Response, ReadOnly)                       \
  table->emplace("orchestrator." + ContractName(#Service) + ":" #Method,                         \
                 [](Api& api, const RequestContext& context, const std::string& json) {          \
                   return Call<::orchestrator::Request, ::orchestrator::Response>(&Api::Method, api, \
                                                                                 context, json);  \
                 });
    ORC_FOR_EACH_RPC(ORC_REGISTER_FUNCTION)
#undef ORC_REGISTER_FUNCTION
    return table;
  }();
  return *handlers;
}

ContractResult Failure(const Error& error) {
  ContractResult result;
  result.status = 500;
  result.message = error.message();
  return result;
}

// Reads the wrapper argument. Returns the request JSON and the request id.
Result<std::pair<std::string, std::string>> ParseWrapper(const std::string& argument) {
  nlohmann::json wrapper = nlohmann::json::parse(argument, nullptr, false);
  if (wrapper.is_discarded() || !wrapper.is_object()) {
    return Error(ErrorKind::kInvalidAsset, "argument: not a JSON object {\"msg\": ..., \"request_id\": ...}");
  }
  auto message = wrapper.find(kMessageField);
  if (message == wrapper.end() || !message->is_string()) {
    return Error(ErrorKind::kInvalidAsset, "msg: missing, or not a string holding the request's protobuf JSON");
  }
  std::string request_id;
  if (auto id = wrapper.find(kRequestIdField); id != wrapper.end()) {
    if (!id->is_string()) return Error(ErrorKind::kInvalidAsset, "request_id: not a string");
    request_id = id->get<std::string>();
  }
  return std::pair{message->get<std::string>(), std::move(request_id)};
}

std::string EventPayload(const std::vector<::orchestrator::Event>& events) {
  std::string payload = "[";
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i > 0) payload += ',';
    payload += ToJson(events[i], JsonStyle{.proto_names = true, .defaults = true});
  }
  payload += ']';
  return payload;
}

}  // namespace

std::vector<std::string> FunctionNames() {
  std::vector<std::string> names;
  for (const auto& entry : Handlers()) names.push_back(entry.first);
  return names;
}

ContractResult Invoke(const Invocation& invocation, StateAccess& state, const ContractOptions& options) {
  if (invocation.args.empty() || invocation.args[0].empty()) {
    return Failure(Error(ErrorKind::kInvalidAsset, "function: the chaincode function name is missing"));
  }
  const std::string& function = invocation.args[0];
  auto handler = Handlers().find(function);
  if (handler == Handlers().end()) {
    return Failure(Error(ErrorKind::kUnimplemented, "function \"" + function + "\" is not a function of this chaincode"));
  }
  if (invocation.args.size() != 2) {
    return Failure(Error(ErrorKind::kInvalidAsset, "function \"" + function + "\" takes 1 argument, received " +
                                                      std::to_string(invocation.args.size() - 1)));
  }
  auto wrapper = ParseWrapper(invocation.args[1]);
  if (!wrapper.ok()) return Failure(wrapper.error());
  const auto& [request_json, request_id] = *wrapper;

  try {
    WorldStateStore store(state, invocation.transaction_id);
    ManualClock clock(invocation.time);
    Orchestrator core(store, clock, OrchestratorOptions{options.version});
    Result<std::string> response =
        handler->second(core, RequestContext{invocation.requester, invocation.channel}, request_json);
    if (!response.ok()) return Failure(response.error());

    ContractResult result;
    if (!response->empty()) {
      result.payload = "{\"" + std::string(kMessageField) + "\":" + JsonQuote(*response) + ",\"" + kRequestIdField +
                       "\":" + JsonQuote(request_id) + "}";
    }
    if (!store.committed_events().empty()) result.event_payload = EventPayload(store.committed_events());
    return result;
  } catch (const OrcError& error) {
    return Failure(error.error());
  }
}

}  // namespace orc::chaincode
