// EventService: the unary query over stored events. SubscribeToEvents is
// served through Api::ReadEvents.
#include "core/services/pagination.h"
#include "core/services/services.h"

namespace orc::service {

namespace {

// Empty filter fields match every event. Sort orders other than DESCENDING
// (UNSPECIFIED included) list the oldest events first.
persistence::EventFilter ToEventFilter(const pb::QueryEventsParam& request) {
  const pb::EventQueryFilter& filter = request.filter();
  persistence::EventFilter result;
  result.asset_key = filter.asset_key();
  result.asset_kind = filter.asset_kind();
  result.event_kind = filter.event_kind();
  result.metadata.insert(filter.metadata().begin(), filter.metadata().end());
  if (filter.has_start()) result.start = ToMicros(filter.start());
  if (filter.has_end()) result.end = ToMicros(filter.end());
  result.descending = request.sort() == pb::DESCENDING;
  return result;
}

}  // namespace

pb::QueryEventsResponse QueryEvents(Scope& scope, const pb::QueryEventsParam& request) {
  persistence::PageRequest page = ParsePage(request.page_token(), request.page_size());
  auto result = scope.tx.QueryEvents(page, ToEventFilter(request));

  pb::QueryEventsResponse response;
  for (const StoredEventPtr& event : result.items) FillProto(*event, scope.channel(), response.add_events());
  response.set_next_page_token(NextPageToken(page, result));
  return response;
}

}  // namespace orc::service
