// Ledger: an opened target shared by the Python objects that use it, and
// Session: calls made as one organisation on one channel.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <mutex>
#include <string>

#include "bindings/python/cpp/targets.h"
#include "core/api.h"

namespace orc::python {

class Ledger {
 public:
  Ledger(std::unique_ptr<Target> target, std::string channel)
      : target_(std::move(target)), channel_(std::move(channel)) {}

  Target& target() { return *target_; }
  const std::string& channel() const { return channel_; }

  // Serialises access to the target, because the memory store and the clock
  // are not thread-safe. Callers hold the GIL. When a scenario run in another
  // thread holds the lock, Lock() waits with the GIL released so that the
  // run's progress callback can take the GIL.
  std::unique_lock<std::mutex> Lock();

  // Runs `call` on the target's API under Lock(). The GIL is released
  // during calls that wait on a database or a network.
  template <class Call>
  auto WithApi(Call&& call) {
    auto lock = Lock();
    if (!target_->blocking()) return call(target_->api());
    pybind11::gil_scoped_release release;
    return call(target_->api());
  }

 private:
  std::unique_ptr<Target> target_;
  std::string channel_;
  std::mutex mutex_;
};

struct Session {
  std::shared_ptr<Ledger> ledger;
  RequestContext context;
};

}  // namespace orc::python
