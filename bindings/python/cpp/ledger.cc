#include "bindings/python/cpp/ledger.h"

namespace orc::python {

std::unique_lock<std::mutex> Ledger::Lock() {
  std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock()) {
    pybind11::gil_scoped_release release;
    lock.lock();
  }
  return lock;
}

}  // namespace orc::python
