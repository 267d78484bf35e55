// Validation rules shared by the services, with the semantics 0.37 gets from
// ozzo-validation: "required" strings must be non-empty (whitespace counts),
// length rules count bytes and skip empty strings, format rules skip empty
// strings, enum rules accept the zero value unless stated otherwise.
//
// A Validator collects every violation of one request message and fails with
// InvalidAsset: `<kind> is not valid: <field>: <problem>; <field>: <problem>.`
// using the proto (snake_case) field names.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common.pb.h"
#include "google/protobuf/map.h"

namespace orc::service {

bool IsUuid(std::string_view value);
bool IsHexadecimal(std::string_view value);
// govalidator IsURL semantics (scheme, if any, among http, https, ftp, tcp,
// udp, ws, wss).
bool IsUrl(std::string_view value);
// Go url.ParseRequestURI succeeds and the scheme is non-empty.
bool IsRequestUrl(std::string_view value);

class Validator {
 public:
  explicit Validator(std::string_view asset_kind) : asset_kind_(asset_kind) {}

  // Records a violation of `field` unless `ok`.
  void Check(bool ok, std::string_view field, std::string_view problem);

  void Required(std::string_view value, std::string_view field);
  void RequiredUuid(std::string_view value, std::string_view field);
  // UUID format when non-empty.
  void Uuid(std::string_view value, std::string_view field);
  // Byte length in [min, max] when non-empty.
  void Length(std::string_view value, std::size_t min, std::size_t max, std::string_view field);
  // Required, byte length 1 to 100.
  void Name(std::string_view value, std::string_view field);
  // Keys and values at most 100 bytes.
  void Metadata(const google::protobuf::Map<std::string, std::string>& metadata,
                std::string_view field);
  // Present, with a 64-hex-digit checksum and a URL storage address.
  void Addressable(bool present, const ::orchestrator::Addressable& value, std::string_view field);
  // A message field that must be present.
  void Present(bool present, std::string_view field);

  bool ok() const { return problems_.empty(); }
  // Throws InvalidAsset listing every violation, if any.
  void Finish() const;

 private:
  std::string asset_kind_;
  std::vector<std::string> problems_;
};

}  // namespace orc::service
