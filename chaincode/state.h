// The world state as one chaincode transaction sees it, and Fabric's key
// layout for composite keys.
#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace orc::chaincode {

// State calls of one transaction, as the peer serves them: reads return the
// committed state (a write of the same transaction is not visible), an empty
// value means the key is absent, and writes take effect only when the
// transaction commits. Implementations throw OrcError when the peer rejects a
// call or the connection is lost.
class StateAccess {
 public:
  virtual ~StateAccess() = default;

  // Returns the committed value of `key`, or an empty string when absent.
  virtual std::string GetState(const std::string& key) = 0;
  // Records a write. An empty value is a delete for Fabric.
  virtual void PutState(const std::string& key, const std::string& value) = 0;
  virtual void DelState(const std::string& key) = 0;

  // Calls `visit` with the committed keys in [start, end) in ascending byte
  // order until it returns false.
  using Visitor = std::function<bool(const std::string& key, const std::string& value)>;
  virtual void ScanRange(const std::string& start, const std::string& end, const Visitor& visit) = 0;
};

// Builds a Fabric composite key: U+0000, the object type, then each attribute
// followed by U+0000. Composite keys sort apart from simple keys, which may not
// start with U+0000.
std::string CompositeKey(std::string_view object_type, std::initializer_list<std::string_view> attributes);

// Returns the end of the range that holds every key starting with `prefix`: the
// prefix followed by U+10FFFF in UTF-8, above any character a key may contain.
std::string PrefixRangeEnd(std::string_view prefix);

// Splits a composite key into its attributes, without the object type.
std::vector<std::string> SplitCompositeKey(std::string_view key);

}  // namespace orc::chaincode
