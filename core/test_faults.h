// TEST ONLY: switches that make the core deliberately wrong.
//
// The property tests and the simulator's invariant checker turn these on to
// prove that they detect the bug each one plants. Every switch is off by
// default and nothing outside tests and `orcsim --test-fault` sets one.
#pragma once

#include <string_view>

namespace orc {

struct TestFaults {
  // When a task becomes DONE, promote each WAITING child to TODO even when
  // another of its parents is not DONE yet.
  bool promote_on_any_parent_done = false;
};

// Turns on the fault named `name` (the field name, for example
// "promote_on_any_parent_done"). Returns false for an unknown name.
inline bool EnableTestFault(TestFaults& faults, std::string_view name) {
  if (name == "promote_on_any_parent_done") {
    faults.promote_on_any_parent_done = true;
    return true;
  }
  return false;
}

}  // namespace orc
