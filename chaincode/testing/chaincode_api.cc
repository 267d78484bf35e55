#include "chaincode/testing/chaincode_api.h"

#include <cctype>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "chaincode/json.h"

namespace orc::chaincode::testing {

namespace {

constexpr ErrorKind kAllKinds[] = {
    ErrorKind::kByteArray,        ErrorKind::kNotFound,           ErrorKind::kBadRequest,
    ErrorKind::kConflict,         ErrorKind::kInternal,           ErrorKind::kUnimplemented,
    ErrorKind::kInvalidAsset,     ErrorKind::kPermissionDenied,   ErrorKind::kIncompatibleTaskStatus,
    ErrorKind::kCannotDisableModel, ErrorKind::kMissingTaskOutput, ErrorKind::kIncompatibleKind,
    ErrorKind::kCannotDisableOutput, ErrorKind::kTerminatedComputePlan, ErrorKind::kUnavailable,
};

std::string ContractName(std::string_view service) {
  constexpr std::string_view kSuffix = "Service";
  if (service.ends_with(kSuffix)) service.remove_suffix(kSuffix.size());
  std::string name;
  for (char c : service) name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return name;
}

}  // namespace

Error ErrorFromMessage(const std::string& message) {
  for (ErrorKind kind : kAllKinds) {
    const std::string prefix = std::string(ErrorCode(kind)) + ": ";
    if (message.starts_with(prefix)) return Error(kind, std::string_view(message).substr(prefix.size()));
  }
  return Error(ErrorKind::kInternal, message);
}

Outcome ChaincodeApi::Call(const RequestContext& context, const std::string& function,
                           const std::string& request_json, bool submit) {
  Proposal proposal;
  {
    std::lock_guard lock(mutex_);
    char txid[32];
    std::snprintf(txid, sizeof txid, "tx%016llx", static_cast<unsigned long long>(++transaction_count_));
    proposal.txid = txid;
    proposal.time = clock_.Now();
  }
  proposal.channel = context.channel;
  proposal.msp_id = context.requester;
  proposal.args = OrchestratorArgs(function, request_json, proposal.txid);
  Outcome outcome = submit ? peer_.Submit(proposal) : peer_.Execute(proposal);
  {
    std::lock_guard lock(mutex_);
    for (const auto& [type, count] : outcome.calls) state_call_count_ += static_cast<std::uint64_t>(count);
  }

  if (submit && outcome.validation == Validation::kValid && outcome.event) {
    auto events = nlohmann::json::parse(outcome.event->payload());
    std::lock_guard lock(mutex_);
    for (const auto& item : events) {
      ::orchestrator::Event event;
      std::string error = FromJson(item.dump(), &event);
      if (!error.empty()) throw std::runtime_error("chaincode event is not an Event: " + error);
      event.set_channel(context.channel);
      events_[context.channel].push_back(std::move(event));
    }
  }
  return outcome;
}

template <class Request, class Response>
Result<Response> ChaincodeApi::Forward(const RequestContext& context, const char* service, const char* method,
                                       const Request& request, bool read_only) {
  const std::string function = "orchestrator." + ContractName(service) + ":" + method;
  Outcome outcome = Call(context, function, ToJson(request), !read_only);
  if (outcome.type != protos::ChaincodeMessage::COMPLETED) {
    return Error(ErrorKind::kInternal, "transaction failed: " + outcome.error);
  }
  if (outcome.response.status() >= 400) return ErrorFromMessage(outcome.response.message());
  if (outcome.validation == Validation::kMvccReadConflict) {
    return Error(ErrorKind::kUnavailable, "transaction invalidated at commit: MVCC_READ_CONFLICT");
  }
  if (outcome.validation == Validation::kPhantomReadConflict) {
    return Error(ErrorKind::kUnavailable, "transaction invalidated at commit: PHANTOM_READ_CONFLICT");
  }

  Response response;
  if (outcome.response.payload().empty()) return response;
  auto wrapper = nlohmann::json::parse(outcome.response.payload(), nullptr, false);
  if (wrapper.is_discarded() || !wrapper.contains("msg") || !wrapper["msg"].is_string()) {
    return Error(ErrorKind::kInternal, "the chaincode payload is not a {\"msg\": ...} wrapper");
  }
  if (std::string error = FromJson(wrapper["msg"].get<std::string>(), &response); !error.empty()) {
    return Error(ErrorKind::kInternal, "the chaincode response is not a " + Response::descriptor()->full_name() + ": " + error);
  }
  return response;
}

#define ORC_CHAINCODE_API_DEFINE(Service, Method, Request, Response, ReadOnly)                             \
  Result<::orchestrator::Response> ChaincodeApi::Method(const RequestContext& context,                     \
                                                        const ::orchestrator::Request& request) {          \
    return Forward<::orchestrator::Request, ::orchestrator::Response>(context, #Service, #Method, request, \
                                                                      ReadOnly);                           \
  }
ORC_FOR_EACH_RPC(ORC_CHAINCODE_API_DEFINE)
#undef ORC_CHAINCODE_API_DEFINE

Result<EventBatch> ChaincodeApi::ReadEvents(const RequestContext& context, const std::string& start_event_id,
                                            std::size_t limit) {
  std::lock_guard lock(mutex_);
  const auto& log = events_[context.channel];
  std::size_t first = 0;
  if (!start_event_id.empty()) {
    std::size_t index = 0;
    while (index < log.size() && log[index].id() != start_event_id) ++index;
    if (index == log.size()) return Error(ErrorKind::kNotFound, "event with key \"" + start_event_id + "\" not found");
    first = index + 1;
  }
  EventBatch batch;
  batch.last_event_id = start_event_id;
  for (std::size_t i = first; i < log.size() && batch.events.size() < limit; ++i) {
    batch.events.push_back(log[i]);
    batch.last_event_id = log[i].id();
  }
  return batch;
}

}  // namespace orc::chaincode::testing
