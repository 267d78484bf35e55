#include "chaincode/json.h"

#include <cstdio>
#include <memory>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver.h>
#include <google/protobuf/util/type_resolver_util.h>

#include "core/error.h"

namespace orc::chaincode {

namespace {

constexpr char kTypeUrlPrefix[] = "type.googleapis.com";

google::protobuf::util::TypeResolver& Resolver() {
  static const std::unique_ptr<google::protobuf::util::TypeResolver> resolver(
      google::protobuf::util::NewTypeResolverForDescriptorPool(kTypeUrlPrefix,
                                                               google::protobuf::DescriptorPool::generated_pool()));
  return *resolver;
}

std::string TypeUrl(const google::protobuf::Message& message) {
  return std::string(kTypeUrlPrefix) + "/" + message.GetDescriptor()->full_name();
}

}  // namespace

std::string ToJson(const google::protobuf::Message& message, JsonStyle style) {
  // The library's MessageToJsonString follows the iteration order of the
  // protobuf map, which is seeded per process. Going through a deterministic
  // binary encoding fixes the order of map entries.
  std::string binary;
  {
    google::protobuf::io::StringOutputStream stream(&binary);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = style.proto_names;
  options.always_print_primitive_fields = style.defaults;
  std::string json;
  auto status = google::protobuf::util::BinaryToJsonString(&Resolver(), TypeUrl(message), binary, &json, options);
  if (!status.ok()) {
    Fail(ErrorKind::kInternal, "cannot write " + message.GetDescriptor()->full_name() + " as JSON: " +
                                   std::string(status.message()));
  }
  return json;
}

std::string FromJson(std::string_view json, google::protobuf::Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(std::string(json), message, options);
  if (status.ok()) return std::string();
  return std::string(status.message());
}

std::string JsonQuote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buffer;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace orc::chaincode
