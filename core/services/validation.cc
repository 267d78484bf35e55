#include "core/services/validation.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace orc::service {

namespace {

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool IsLowerHexDigit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsSpaceOrControl(char c) {
  auto byte = static_cast<unsigned char>(c);
  return byte <= 0x20 || byte == 0x7f;
}
bool IsNonAscii(char c) { return static_cast<unsigned char>(c) >= 0x80; }

std::size_t CountRunes(std::string_view value) {
  return static_cast<std::size_t>(std::count_if(value.begin(), value.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  }));
}

bool IsIpv4(std::string_view host) {
  int parts = 0;
  std::size_t start = 0;
  while (start <= host.size()) {
    std::size_t end = host.find('.', start);
    if (end == std::string_view::npos) end = host.size();
    std::string_view part = host.substr(start, end - start);
    if (part.empty() || part.size() > 3 || !std::all_of(part.begin(), part.end(), IsDigit)) return false;
    if (std::stoi(std::string(part)) > 255) return false;
    ++parts;
    start = end + 1;
  }
  return parts == 4;
}

bool IsIpv6Literal(std::string_view host) {
  if (host.size() < 4 || host.front() != '[' || host.back() != ']') return false;
  std::string_view inner = host.substr(1, host.size() - 2);
  return std::all_of(inner.begin(), inner.end(), [](char c) { return IsHexDigit(c) || c == ':' || c == '.'; }) &&
         inner.find(':') != std::string_view::npos;
}

// Host names: labels of letters, digits, '-', '_' or non-ASCII bytes, joined
// by single dots, with an optional final dot.
bool IsHostName(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty() || host.front() == '.' || host.front() == '-') return false;
  std::size_t start = 0;
  while (start <= host.size()) {
    std::size_t end = host.find('.', start);
    if (end == std::string_view::npos) end = host.size();
    std::string_view label = host.substr(start, end - start);
    if (label.empty()) return false;
    for (char c : label) {
      if (!(IsAsciiLetter(c) || IsDigit(c) || c == '-' || c == '_' || IsNonAscii(c))) return false;
    }
    start = end + 1;
  }
  return true;
}

bool IsPort(std::string_view port) {
  return !port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), IsDigit);
}

// host[:port] of an authority, after any user information.
bool IsHostAndPort(std::string_view authority) {
  std::string_view host = authority;
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    host = authority.substr(0, close + 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !IsPort(rest.substr(1)))) return false;
    return IsIpv6Literal(host);
  }
  std::size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos) {
    if (!IsPort(authority.substr(colon + 1))) return false;
    host = authority.substr(0, colon);
  }
  return IsIpv4(host) || IsHostName(host);
}

}  // namespace

bool IsUuid(std::string_view value) {
  if (value.size() != 36) return false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? value[i] != '-' : !IsLowerHexDigit(value[i])) return false;
  }
  return true;
}

bool IsHexadecimal(std::string_view value) {
  return !value.empty() && std::all_of(value.begin(), value.end(), IsHexDigit);
}

bool IsUrl(std::string_view value) {
  if (value.size() <= 3 || CountRunes(value) >= 2083 || value.front() == '.') return false;
  if (std::any_of(value.begin(), value.end(), IsSpaceOrControl)) return false;

  std::string_view rest = value;
  std::size_t separator = value.find("://");
  bool has_scheme = separator != std::string_view::npos;
  if (has_scheme) {
    static constexpr std::string_view kSchemes[] = {"http", "https", "ftp", "tcp", "udp", "ws", "wss"};
    std::string_view scheme = value.substr(0, separator);
    if (std::find(std::begin(kSchemes), std::end(kSchemes), scheme) == std::end(kSchemes)) return false;
    rest = value.substr(separator + 3);
  }

  std::size_t path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view path = path_start == std::string_view::npos ? "" : rest.substr(path_start);
  // A string without scheme and without ':' parses as a bare path in Go,
  // which is accepted only when it contains a dot.
  if (!has_scheme && value.find(':') == std::string_view::npos && path.empty() &&
      authority.find('.') == std::string_view::npos) {
    return false;
  }
  std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority = authority.substr(at + 1);
  return IsHostAndPort(authority);
}

bool IsRequestUrl(std::string_view value) {
  std::size_t colon = value.find(':');
  if (colon == std::string_view::npos || colon == 0 || !IsAsciiLetter(value.front())) return false;
  std::string_view scheme = value.substr(0, colon);
  bool scheme_ok = std::all_of(scheme.begin(), scheme.end(), [](char c) {
    return IsAsciiLetter(c) || IsDigit(c) || c == '+' || c == '-' || c == '.';
  });
  if (!scheme_ok) return false;
  std::string_view rest = value.substr(colon + 1);
  if (rest.empty() || rest.front() != '/') return false;
  return std::none_of(value.begin(), value.end(), IsSpaceOrControl);
}

void Validator::Check(bool ok, std::string_view field, std::string_view problem) {
  if (ok) return;
  std::string entry;
  entry.append(field).append(": ").append(problem);
  problems_.push_back(std::move(entry));
}

void Validator::Required(std::string_view value, std::string_view field) {
  Check(!value.empty(), field, "cannot be blank");
}

void Validator::RequiredUuid(std::string_view value, std::string_view field) {
  if (value.empty()) {
    Check(false, field, "cannot be blank");
    return;
  }
  Uuid(value, field);
}

void Validator::Uuid(std::string_view value, std::string_view field) {
  Check(value.empty() || IsUuid(value), field, "must be a valid UUID");
}

void Validator::Length(std::string_view value, std::size_t min, std::size_t max, std::string_view field) {
  bool ok = value.empty() || (value.size() >= min && value.size() <= max);
  Check(ok, field, "the length must be between " + std::to_string(min) + " and " + std::to_string(max));
}

void Validator::Name(std::string_view value, std::string_view field) {
  if (value.empty()) {
    Check(false, field, "cannot be blank");
    return;
  }
  Length(value, 1, 100, field);
}

void Validator::Metadata(const google::protobuf::Map<std::string, std::string>& metadata,
                         std::string_view field) {
  constexpr std::size_t kMaxMetadataBytes = 100;
  // Sorted so that the message does not depend on the map's iteration order.
  std::vector<std::string_view> keys;
  for (const auto& [key, value] : metadata) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  for (std::string_view key : keys) {
    const std::string& value = metadata.at(std::string(key));
    std::string quoted = "\"" + std::string(key) + "\"";
    Check(key.size() <= kMaxMetadataBytes, field, "metadata key " + quoted + " is too long");
    Check(value.size() <= kMaxMetadataBytes, field, "metadata value for key " + quoted + " is too long");
  }
}

void Validator::Addressable(bool present, const ::orchestrator::Addressable& value,
                            std::string_view field) {
  if (!present) {
    Check(false, field, "cannot be blank");
    return;
  }
  std::string prefix(field);
  const std::string& checksum = value.checksum();
  Required(checksum, prefix + ".checksum");
  if (!checksum.empty()) {
    Check(checksum.size() == 64, prefix + ".checksum", "the length must be exactly 64");
    Check(IsHexadecimal(checksum), prefix + ".checksum", "must contain hexadecimal characters only");
  }
  Required(value.storage_address(), prefix + ".storage_address");
  if (!value.storage_address().empty()) {
    Check(IsUrl(value.storage_address()), prefix + ".storage_address", "must be a valid URL");
  }
}

void Validator::Present(bool present, std::string_view field) { Check(present, field, "is required"); }

void Validator::Finish() const {
  if (problems_.empty()) return;
  std::vector<std::string> sorted = problems_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const std::string& a, const std::string& b) {
    return a.substr(0, a.find(": ")) < b.substr(0, b.find(": "));
  });
  std::string detail = asset_kind_ + " is not valid: ";
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0) detail += "; ";
    detail += sorted[i];
  }
  detail += ".";
  Fail(ErrorKind::kInvalidAsset, detail);
}

}  // namespace orc::service
