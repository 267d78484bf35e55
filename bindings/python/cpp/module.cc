// The extension module orc._orc: ledgers, sessions, one method per RPC of
// the 0.37.0 API, events, scenario runs and errors. The orc package
// (src/orc/__init__.py) re-exports it with the Python exception classes.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "bindings/python/cpp/convert.h"
#include "bindings/python/cpp/errors.h"
#include "bindings/python/cpp/ledger.h"
#include "bindings/python/cpp/scenario.h"
#include "bindings/python/cpp/targets.h"
#include "core/api.h"

namespace orc::python {
namespace {

namespace py = pybind11;
namespace gpb = google::protobuf;

// Default number of events read per ReadEvents call when iterating.
constexpr std::size_t kDefaultEventPage = 1000;

struct RpcInfo;
using InvokeFunction = py::object (*)(Session& session, py::handle fields, const RpcInfo& info);
using TimeFunction = double (*)(Session& session, py::handle fields, const RpcInfo& info, std::int64_t iterations);

// One unary RPC of the API.
struct RpcInfo {
  const char* service;
  const char* method;
  bool read_only;
  const gpb::Descriptor* (*request_type)();
  const gpb::Descriptor* (*response_type)();
  InvokeFunction invoke;
  TimeFunction time_cpp;
  std::string python_name;  // "get_task", filled at import
  std::string context;      // "GetTask request", for conversion errors
};

template <class Request>
Request MakeRequest(py::handle fields, const RpcInfo& info) {
  Request request;
  if (fields) PythonToMessage(fields, &request, info.context);
  return request;
}

template <class Request, class Response, Result<Response> (Api::*Method)(const RequestContext&, const Request&)>
py::object Invoke(Session& session, py::handle fields, const RpcInfo& info) {
  Request request = MakeRequest<Request>(fields, info);
  Result<Response> result =
      session.ledger->WithApi([&](Api& api) { return (api.*Method)(session.context, request); });
  if (!result.ok()) throw CoreError(result.error());
  return MessageToPython(*result);
}

// Calls the RPC `iterations` times from C++ with one prepared request and
// returns the mean wall time per call in nanoseconds: the baseline of the
// Python calling overhead benchmark.
template <class Request, class Response, Result<Response> (Api::*Method)(const RequestContext&, const Request&)>
double TimeCpp(Session& session, py::handle fields, const RpcInfo& info, std::int64_t iterations) {
  Request request = MakeRequest<Request>(fields, info);
  auto lock = session.ledger->Lock();
  Api& api = session.ledger->target().api();
  auto start = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; i < iterations; ++i) {
    Result<Response> result = (api.*Method)(session.context, request);
    if (!result.ok()) throw CoreError(result.error());
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()) /
         static_cast<double>(iterations);
}

std::vector<RpcInfo>& Rpcs() {
  static std::vector<RpcInfo> rpcs = {
#define ORC_RPC_INFO(Service, Method, Request, Response, ReadOnly)                                              \
  RpcInfo{#Service,                                                                                             \
          #Method,                                                                                              \
          ReadOnly,                                                                                             \
          &::orchestrator::Request::descriptor,                                                                 \
          &::orchestrator::Response::descriptor,                                                                \
          &Invoke<::orchestrator::Request, ::orchestrator::Response, &Api::Method>,                             \
          &TimeCpp<::orchestrator::Request, ::orchestrator::Response, &Api::Method>,                            \
          {},                                                                                                   \
          {}},
      ORC_FOR_EACH_RPC(ORC_RPC_INFO)
#undef ORC_RPC_INFO
  };
  return rpcs;
}

// "GetComputeTaskOutputModels" -> "get_compute_task_output_models".
std::string SnakeCase(const std::string& name) {
  std::string result;
  for (char c : name) {
    if (std::isupper(static_cast<unsigned char>(c)) != 0) {
      if (!result.empty()) result += '_';
      result += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      result += c;
    }
  }
  return result;
}

const RpcInfo& FindRpc(const std::string& name) {
  for (const RpcInfo& info : Rpcs()) {
    if (name == info.method || name == info.python_name) return info;
  }
  throw py::value_error("unknown RPC \"" + name + "\": expected a method of the 0.37.0 API such as \"GetTask\"" +
                        " or its Python name such as \"get_task\" (see orc.rpc_methods())");
}

// Returns the request fields of a call: `request` or the keyword arguments,
// or null for an empty request.
py::handle RequestFields(const py::object& request, const py::kwargs& fields, const RpcInfo& info) {
  if (!request.is_none() && !fields.empty()) {
    throw py::type_error(info.python_name + "(): pass the request as a dict or as keyword arguments, not both");
  }
  if (!request.is_none()) return request;
  if (!fields.empty()) return fields;
  return py::handle();
}

py::dict ReadEvents(Session& session, const std::string& after, std::size_t limit) {
  if (limit == 0) throw py::value_error("read_events(): limit must be at least 1");
  Result<EventBatch> batch =
      session.ledger->WithApi([&](Api& api) { return api.ReadEvents(session.context, after, limit); });
  if (!batch.ok()) throw CoreError(batch.error());
  py::list events;
  for (const ::orchestrator::Event& event : batch->events) events.append(MessageToPython(event));
  py::dict result;
  result["events"] = events;
  result["last_event_id"] = batch->last_event_id;
  return result;
}

// Iterates over the events of a channel from a position, reading them in
// pages. It stops at the last stored event; events stored later are seen by
// a new iterator started from the last id.
class EventIterator {
 public:
  EventIterator(Session session, std::string after, std::size_t page_size)
      : session_(std::move(session)), after_(std::move(after)), page_size_(page_size) {
    if (page_size_ == 0) throw py::value_error("events(): page_size must be at least 1");
  }

  py::object Next() {
    if (position_ >= page_.size()) {
      page_ = py::list();
      position_ = 0;
      py::dict batch = ReadEvents(session_, after_, page_size_);
      page_ = batch["events"];
      after_ = batch["last_event_id"].cast<std::string>();
      if (page_.empty()) throw py::stop_iteration();
    }
    return page_[position_++];
  }

  const std::string& last_event_id() const { return after_; }

 private:
  Session session_;
  std::string after_;
  std::size_t page_size_;
  py::list page_;
  std::size_t position_ = 0;
};

std::string RpcDoc(const RpcInfo& info) {
  return "Call " + std::string(info.service) + "." + info.method + " of the 0.37.0 API.\n\n" +
         "The request is a " + info.request_type()->full_name() +
         ", given as a dict or as keyword arguments; the result is the " + info.response_type()->full_name() +
         " response as a dict. Raises an orc.OrcError subclass when the core rejects the request.";
}

void BindSessionRpcs(py::class_<Session>& session_class) {
  for (RpcInfo& info : Rpcs()) {
    info.python_name = SnakeCase(info.method);
    info.context = std::string(info.method) + " request";
  }
  // pybind11 keeps pointers to the name and doc strings: they live here.
  static std::deque<std::string> docs;
  for (const RpcInfo& info : Rpcs()) {
    docs.push_back(RpcDoc(info));
    const RpcInfo* rpc = &info;
    session_class.def(
        info.python_name.c_str(),
        [rpc](Session& session, const py::object& request, const py::kwargs& fields) {
          return rpc->invoke(session, RequestFields(request, fields, *rpc), *rpc);
        },
        py::arg("request") = py::none(), docs.back().c_str());
  }
}

}  // namespace
}  // namespace orc::python

PYBIND11_MODULE(_orc, module) {
  namespace py = pybind11;
  using namespace orc::python;

  module.doc() = "Bindings of the orc core: ledgers, sessions, the 37 RPCs of the 0.37.0 API and scenario runs.";
  module.attr("__version__") = ORC_PYTHON_VERSION;
  InitializeConversions();
  BindErrors(module);
  py::register_exception<orc::sim::TargetError>(module, "TargetError", PyExc_ValueError);

  py::class_<Ledger, std::shared_ptr<Ledger>> ledger_class(module, "Ledger", R"doc(
An opened target: the assets of every channel, shared by the sessions made
from it. Create it with orc.open().)doc");

  module.def(
      "open",
      [](const std::string& target, const std::string& channel, const std::string& clock, const std::string& tls_ca,
         const std::string& tls_client_dir, const std::string& tls_server_name, bool reset_database) {
        if (channel.empty()) throw py::value_error("open(): channel must not be empty");
        TargetOptions options;
        options.clock = clock;
        options.tls_ca = tls_ca;
        options.tls_client_dir = tls_client_dir;
        options.tls_server_name = tls_server_name;
        options.reset_database = reset_database;
        std::unique_ptr<Target> opened;
        {
          // Connecting to PostgreSQL can take a while.
          py::gil_scoped_release release;
          opened = OpenTarget(target, options, channel);
        }
        return std::make_shared<Ledger>(std::move(opened), channel);
      },
      py::arg("target") = "memory", py::kw_only(), py::arg("channel") = "mychannel", py::arg("clock") = "system",
      py::arg("tls_ca") = "", py::arg("tls_client_dir") = "", py::arg("tls_server_name") = "",
      py::arg("reset_database") = false,
      R"doc(
Open a ledger on a target.

target: "memory" opens an in-process core over a new, empty memory store.
"postgres://..." or "postgresql://..." (a libpq connection URL) opens an
in-process core over that PostgreSQL database, creating orc's tables when
missing. "grpc://HOST:PORT" sends every call to an orchestrator server,
which connects at the first call. Other target strings raise ValueError
naming the target and the supported ones.
channel: default channel of the sessions made with as_org().
clock: "system" stamps transactions with the system time, "manual" with a
time that only moves through set_time() and advance() (it starts at
2023-10-18T00:00:00Z). A grpc:// server stamps transactions with its own
clock, so it accepts only "system".
tls_ca: grpc:// only, PEM file of the CA of the server certificate. Setting
it turns TLS on.
tls_client_dir: grpc:// only, folder with MSPID.pem and MSPID.key for each
organisation, for mutual TLS. Needs tls_ca.
tls_server_name: grpc:// only, host name to check the server certificate
against when it differs from HOST.
reset_database: PostgreSQL only, delete the rows of orc's tables in every
channel when opening.

Raises TargetError when the target cannot be opened: an unreachable
database or an unreadable TLS file.)doc");

  ledger_class
      .def_property_readonly(
          "target", [](Ledger& ledger) { return ledger.target().name(); }, "The target string it was opened from.")
      .def_property_readonly("channel", &Ledger::channel, "Default channel of as_org().")
      .def_property_readonly(
          "clock",
          [](Ledger& ledger) -> std::string {
            LedgerClock* clock = ledger.target().clock();
            if (clock == nullptr) return "remote";
            return clock->manual() ? "manual" : "system";
          },
          "\"system\", \"manual\", or \"remote\" when the target keeps its own time.")
      .def(
          "as_org",
          [](std::shared_ptr<Ledger> ledger, const std::string& requester, const std::optional<std::string>& channel) {
            std::string effective_channel = channel.value_or(ledger->channel());
            if (requester.empty()) throw py::value_error("as_org(): requester MSP ID must not be empty");
            if (effective_channel.empty()) throw py::value_error("as_org(): channel must not be empty");
            return Session{std::move(ledger), orc::RequestContext{requester, effective_channel}};
          },
          py::arg("requester"), py::arg("channel") = py::none(),
          "Return a session that calls the API as the organisation `requester` (its MSP ID) on `channel` "
          "(default: the ledger's channel).")
      .def(
          "time",
          [](Ledger& ledger) {
            LedgerClock* clock = ledger.target().clock();
            if (clock == nullptr) throw py::value_error("time(): target " + ledger.target().name() + " keeps its own time");
            auto lock = ledger.Lock();
            return MicrosToDateTime(clock->Now());
          },
          "Return the time the next transaction gets, as an aware datetime.")
      .def(
          "set_time",
          [](Ledger& ledger, const py::object& when) {
            LedgerClock* clock = ledger.target().clock();
            if (clock == nullptr) throw py::value_error("set_time(): target " + ledger.target().name() + " keeps its own time");
            orc::Micros micros = DateTimeToMicros(when, "set_time() when");
            auto lock = ledger.Lock();
            clock->SetManual(micros);
          },
          py::arg("when"),
          "Switch to manual time at `when` (an aware datetime or an RFC 3339 string). Transactions get this time "
          "until it is set or advanced again.")
      .def(
          "advance",
          [](Ledger& ledger, double seconds) {
            LedgerClock* clock = ledger.target().clock();
            if (clock == nullptr || !clock->manual()) {
              throw py::value_error("advance(): the ledger's clock is not manual: open it with clock=\"manual\" or call set_time() first");
            }
            if (seconds < 0) throw py::value_error("advance(): seconds must not be negative, got " + std::to_string(seconds));
            auto lock = ledger.Lock();
            clock->Advance(static_cast<orc::Micros>(seconds * 1e6));
          },
          py::arg("seconds"), "Move manual time forward by `seconds`.");

  py::class_<Session> session_class(module, "Session", R"doc(
Calls of the API as one organisation on one channel. Every RPC of the 0.37.0
API is a method named in snake_case (RegisterTasks -> register_tasks) that
takes the request as a dict or as keyword arguments and returns the response
as a dict. Create it with Ledger.as_org().)doc");
  session_class
      .def_property_readonly(
          "requester", [](const Session& session) { return session.context.requester; }, "MSP ID of the caller.")
      .def_property_readonly(
          "channel", [](const Session& session) { return session.context.channel; }, "Channel of the calls.")
      .def_property_readonly(
          "ledger", [](const Session& session) { return session.ledger; }, "The ledger the calls go to.")
      .def(
          "call",
          [](Session& session, const std::string& method, const py::object& request, const py::kwargs& fields) {
            const RpcInfo& info = FindRpc(method);
            return info.invoke(session, RequestFields(request, fields, info), info);
          },
          py::arg("method"), py::arg("request") = py::none(),
          "Call the RPC named `method` (\"GetTask\" or \"get_task\") with the request as a dict or keyword "
          "arguments. Returns the response as a dict.")
      .def("read_events", &ReadEvents, py::arg("after") = "", py::arg("limit") = kDefaultEventPage,
           "Read up to `limit` events of the channel after the event with id `after` (from the first event when "
           "empty). Returns {\"events\": [...], \"last_event_id\": id}: pass last_event_id as `after` to go on. "
           "Raises NotFoundError for an unknown id.")
      .def(
          "events",
          [](Session& session, const std::string& after, std::size_t page_size) {
            return EventIterator(session, after, page_size);
          },
          py::arg("after") = "", py::arg("page_size") = kDefaultEventPage,
          "Return an iterator over the channel's events after the event with id `after` (from the first event "
          "when empty), read `page_size` at a time, up to the last stored event.")
      .def("__repr__", [](const Session& session) {
        return "<orc.Session requester=" + session.context.requester + " channel=" + session.context.channel + ">";
      });
  BindSessionRpcs(session_class);

  py::class_<EventIterator>(module, "EventIterator", "Iterator over events, returned by Session.events().")
      .def("__iter__", [](EventIterator& iterator) -> EventIterator& { return iterator; })
      .def("__next__", &EventIterator::Next)
      .def_property_readonly("last_event_id", &EventIterator::last_event_id,
                             "Id of the last event read so far, or the start id: where a new iterator would go on.");

  module.def(
      "rpc_methods",
      [] {
        py::list methods;
        for (const RpcInfo& info : Rpcs()) {
          py::dict row;
          row["service"] = info.service;
          row["method"] = info.method;
          row["python_name"] = info.python_name;
          row["request"] = info.request_type()->full_name();
          row["response"] = info.response_type()->full_name();
          row["read_only"] = info.read_only;
          methods.append(row);
        }
        return methods;
      },
      "Return the unary RPCs of the API: service, method, Python method name, request and response types, and "
      "whether the RPC only reads.");

  module.def(
      "_time_cpp_call",
      [](Session& session, const std::string& method, const py::object& request, std::int64_t iterations) {
        if (iterations < 1) throw py::value_error("_time_cpp_call(): iterations must be at least 1");
        const RpcInfo& info = FindRpc(method);
        return info.time_cpp(session, request.is_none() ? py::handle() : py::handle(request), info, iterations);
      },
      py::arg("session"), py::arg("method"), py::arg("request"), py::arg("iterations"),
      "Call an RPC `iterations` times from C++ with one prepared request; return the mean nanoseconds per call. "
      "The baseline of the calling overhead benchmark.");

  BindScenarios(module, ledger_class);
}
