// Page tokens and sizes. A token is the decimal offset of the page's first
// item in the ordered result set; "" is the first page.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/persistence/store.h"

namespace orc::service {

// Page size used when a request sets 0.
inline constexpr std::uint32_t kDefaultPageSize = 50;

// Parses a request's token and size. A token that is not a decimal offset
// fails with InvalidAsset naming `page_token`.
persistence::PageRequest ParsePage(std::string_view page_token, std::uint32_t page_size);

// Token of the page after `page`, or "" when `page` was the last one.
template <class T>
std::string NextPageToken(const persistence::PageRequest& request, const persistence::Page<T>& page) {
  if (!page.has_more || page.items.size() < request.size) return "";
  return std::to_string(request.offset + page.items.size());
}

}  // namespace orc::service
