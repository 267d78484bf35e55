// Protobuf JSON conversions with a stable output: map entries are written in
// key order, so two endorsers of one proposal produce the same bytes.
#pragma once

#include <string>
#include <string_view>

#include <google/protobuf/message.h>

namespace orc::chaincode {

struct JsonStyle {
  // Proto (snake_case) field names instead of lowerCamelCase JSON names.
  bool proto_names = false;
  // Write fields that hold their default value.
  bool defaults = false;
};

// Writes `message` as protobuf JSON. Throws OrcError(kInternal) on failure.
std::string ToJson(const google::protobuf::Message& message, JsonStyle style = {});

// Parses protobuf JSON into `message`. Unknown fields are rejected. Returns
// the parser's error text, or an empty string on success.
std::string FromJson(std::string_view json, google::protobuf::Message* message);

// Quotes `text` as a JSON string.
std::string JsonQuote(std::string_view text);

}  // namespace orc::chaincode
