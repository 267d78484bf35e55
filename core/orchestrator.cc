#include "core/orchestrator.h"

#include <exception>
#include <string>

#include "core/services/services.h"

namespace orc {

namespace {

using persistence::TransactionMode;

// Fails with InvalidAsset unless the context names a requester and a channel.
void CheckContext(const RequestContext& context) {
  if (context.requester.empty()) Fail(ErrorKind::kInvalidAsset, "mspid: the requester's MSP ID is missing");
  if (context.channel.empty()) Fail(ErrorKind::kInvalidAsset, "channel: the channel is missing");
}

// Runs `body(scope)` in a new transaction and commits it. Every failure is
// returned as an Error and leaves the store unchanged. When the store reports
// a TransactionConflict, the whole request runs again in a new transaction
// with a new transaction time, for as long as Store::WaitBeforeRetry() agrees.
template <class Response, class Body>
Result<Response> RunInTransaction(persistence::Store& store, Clock& clock, const OrchestratorOptions& options,
                                  const RequestContext& context, TransactionMode mode, Body&& body) {
  for (int attempt = 1;; ++attempt) {
    try {
      CheckContext(context);
      auto tx = store.Begin(context.channel, mode, clock.Now());
      service::Scope scope{context.requester, *tx, options.version, options.test_faults};
      Response response = body(scope);
      tx->Commit();
      return response;
    } catch (const TransactionConflict& conflict) {
      if (store.WaitBeforeRetry(attempt)) continue;
      return Error(ErrorKind::kUnavailable, "the request conflicted with concurrent requests " +
                                                std::to_string(attempt) + " time(s) in a row, so retry it later (" +
                                                conflict.reason() + ")");
    } catch (const OrcError& error) {
      return error.error();
    } catch (const std::bad_alloc&) {
      return Error(ErrorKind::kInternal, "out of memory");
    } catch (const std::exception& error) {
      return Error(ErrorKind::kInternal, error.what());
    }
  }
}

}  // namespace

Orchestrator::Orchestrator(persistence::Store& store, Clock& clock, OrchestratorOptions options)
    : store_(store), clock_(clock), options_(std::move(options)) {}

#define ORC_DEFINE_RPC(Service, Method, Request, Response, ReadOnly)                                  \
  Result<::orchestrator::Response> Orchestrator::Method(const RequestContext& context,                \
                                                        const ::orchestrator::Request& request) {     \
    return RunInTransaction<::orchestrator::Response>(                                                \
        store_, clock_, options_, context,                                                    \
        (ReadOnly) ? TransactionMode::kReadOnly : TransactionMode::kReadWrite,                        \
        [&request](service::Scope& scope) { return service::Method(scope, request); });               \
  }
ORC_FOR_EACH_RPC(ORC_DEFINE_RPC)
#undef ORC_DEFINE_RPC

Result<EventBatch> Orchestrator::ReadEvents(const RequestContext& context, const std::string& start_event_id,
                                            std::size_t limit) {
  return RunInTransaction<EventBatch>(
      store_, clock_, options_, context, TransactionMode::kReadOnly, [&](service::Scope& scope) {
        std::uint64_t after = 0;
        if (!start_event_id.empty()) {
          auto position = scope.tx.FindEventPosition(start_event_id);
          if (!position) Fail(ErrorKind::kNotFound, "event with key \"" + start_event_id + "\" not found");
          after = *position;
        }
        EventBatch batch;
        batch.last_event_id = start_event_id;
        for (const StoredEventPtr& event : scope.tx.ReadEventsAfter(after, limit)) {
          batch.events.push_back(ToProto(*event, scope.channel()));
          batch.last_event_id = event->id;
        }
        return batch;
      });
}

}  // namespace orc
