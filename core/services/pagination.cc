#include "core/services/pagination.h"

#include <charconv>

#include "core/error.h"

namespace orc::service {

persistence::PageRequest ParsePage(std::string_view page_token, std::uint32_t page_size) {
  persistence::PageRequest page;
  page.size = page_size == 0 ? kDefaultPageSize : page_size;
  if (page_token.empty()) return page;

  const char* end = page_token.data() + page_token.size();
  auto [parsed_end, error] = std::from_chars(page_token.data(), end, page.offset);
  if (error != std::errc() || parsed_end != end) {
    Fail(ErrorKind::kInvalidAsset, "page_token: invalid page token \"" + std::string(page_token) +
                                       "\": expected the next_page_token of a previous response");
  }
  return page;
}

}  // namespace orc::service
