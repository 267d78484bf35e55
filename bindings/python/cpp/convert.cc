#include "bindings/python/cpp/convert.h"

#include <Python.h>
#include <datetime.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace orc::python {
namespace {

namespace py = pybind11;
namespace gpb = google::protobuf;

// The datetime C API macros cast with C casts; the warnings stay confined here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
void ImportDateTime() { PyDateTime_IMPORT; }
bool IsDateTime(PyObject* object) { return PyDateTime_Check(object); }
PyObject* UtcTimeZone() { return PyDateTime_TimeZone_UTC; }
PyObject* NewDateTime(int year, int month, int day, int hour, int minute, int second, int microsecond) {
  return PyDateTimeAPI->DateTime_FromDateAndTime(year, month, day, hour, minute, second, microsecond,
                                                 PyDateTime_TimeZone_UTC, PyDateTimeAPI->DateTimeType);
}
#pragma GCC diagnostic pop

constexpr const char* kTimestampType = "google.protobuf.Timestamp";

// A field with its name as an interned Python string, built once per
// message type so that output dicts reuse the key objects.
struct FieldEntry {
  const gpb::FieldDescriptor* field;
  PyObject* key;  // owned for the life of the process
};

const std::vector<FieldEntry>& FieldsOf(const gpb::Descriptor* descriptor) {
  static std::unordered_map<const gpb::Descriptor*, std::vector<FieldEntry>> cache;
  auto found = cache.find(descriptor);
  if (found != cache.end()) return found->second;
  std::vector<FieldEntry> entries;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const gpb::FieldDescriptor* field = descriptor->field(i);
    PyObject* key = PyUnicode_InternFromString(field->name().c_str());
    if (key == nullptr) throw py::error_already_set();
    entries.push_back({field, key});
  }
  return cache.emplace(descriptor, std::move(entries)).first->second;
}

py::object Steal(PyObject* object) {
  if (object == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(object);
}

// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
// civil_from_days algorithm).
void CivilFromDays(std::int64_t days, int* year, int* month, int* day) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t day_of_era = days - era * 146097;
  const std::int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t month_index = (5 * day_of_year + 2) / 153;
  *day = static_cast<int>(day_of_year - (153 * month_index + 2) / 5 + 1);
  *month = static_cast<int>(month_index < 10 ? month_index + 3 : month_index - 9);
  *year = static_cast<int>(year_of_era + era * 400 + (*month <= 2 ? 1 : 0));
}

py::object TimestampToPython(const gpb::Message& message) {
  // Generated messages are gpb::Timestamp itself; a dynamic message is copied.
  gpb::Timestamp copy;
  const auto* generated = dynamic_cast<const gpb::Timestamp*>(&message);
  if (generated == nullptr) copy.CopyFrom(message);
  const gpb::Timestamp& timestamp = generated != nullptr ? *generated : copy;
  std::int64_t seconds = timestamp.seconds();
  std::int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  std::int64_t second_of_day = seconds - days * 86400;
  int year = 0;
  int month = 0;
  int day = 0;
  CivilFromDays(days, &year, &month, &day);
  if (year < 1 || year > 9999) {
    throw py::value_error("timestamp " + gpb::util::TimeUtil::ToString(timestamp) +
                          " is outside the range of datetime (years 1 to 9999)");
  }
  return Steal(NewDateTime(year, month, day, static_cast<int>(second_of_day / 3600),
                           static_cast<int>(second_of_day / 60 % 60), static_cast<int>(second_of_day % 60),
                           timestamp.nanos() / 1000));
}

// What the request being converted is called in error messages, for
// example "GetTask request". Conversions run with the GIL held, one at a time.
std::string& CurrentContext() {
  static std::string context;
  return context;
}

// Names the field at `path` ("new_tasks[0].key") in the current request.
std::string Where(const std::string& path) {
  if (path.empty()) return CurrentContext();
  return CurrentContext() + " field " + path;
}

std::string TypeName(py::handle value) { return Py_TYPE(value.ptr())->tp_name; }

[[noreturn]] void FailType(const std::string& path, const char* expected, py::handle value) {
  throw py::type_error(Where(path) + ": expected " + expected + ", got " + TypeName(value));
}

py::object ScalarToPython(const gpb::Message& message, const gpb::Reflection& reflection,
                          const gpb::FieldDescriptor* field, int index) {
  const bool repeated = index >= 0;
  using Cpp = gpb::FieldDescriptor;
  switch (field->cpp_type()) {
    case Cpp::CPPTYPE_INT32:
      return Steal(PyLong_FromLong(repeated ? reflection.GetRepeatedInt32(message, field, index)
                                            : reflection.GetInt32(message, field)));
    case Cpp::CPPTYPE_INT64:
      return Steal(PyLong_FromLongLong(repeated ? reflection.GetRepeatedInt64(message, field, index)
                                                : reflection.GetInt64(message, field)));
    case Cpp::CPPTYPE_UINT32:
      return Steal(PyLong_FromUnsignedLong(repeated ? reflection.GetRepeatedUInt32(message, field, index)
                                                    : reflection.GetUInt32(message, field)));
    case Cpp::CPPTYPE_UINT64:
      return Steal(PyLong_FromUnsignedLongLong(repeated ? reflection.GetRepeatedUInt64(message, field, index)
                                                        : reflection.GetUInt64(message, field)));
    case Cpp::CPPTYPE_DOUBLE:
      return Steal(PyFloat_FromDouble(repeated ? reflection.GetRepeatedDouble(message, field, index)
                                               : reflection.GetDouble(message, field)));
    case Cpp::CPPTYPE_FLOAT:
      return Steal(PyFloat_FromDouble(repeated ? reflection.GetRepeatedFloat(message, field, index)
                                               : reflection.GetFloat(message, field)));
    case Cpp::CPPTYPE_BOOL:
      return py::bool_(repeated ? reflection.GetRepeatedBool(message, field, index)
                                : reflection.GetBool(message, field));
    case Cpp::CPPTYPE_ENUM: {
      int number = repeated ? reflection.GetRepeatedEnumValue(message, field, index)
                            : reflection.GetEnumValue(message, field);
      const gpb::EnumValueDescriptor* value = field->enum_type()->FindValueByNumber(number);
      // An open enum may carry a number with no name: it stays a number.
      if (value == nullptr) return Steal(PyLong_FromLong(number));
      return Steal(PyUnicode_FromStringAndSize(value->name().data(), static_cast<Py_ssize_t>(value->name().size())));
    }
    case Cpp::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& text = repeated ? reflection.GetRepeatedStringReference(message, field, index, &scratch)
                                         : reflection.GetStringReference(message, field, &scratch);
      if (field->type() == gpb::FieldDescriptor::TYPE_BYTES) {
        return Steal(PyBytes_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size())));
      }
      return Steal(PyUnicode_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size())));
    }
    case Cpp::CPPTYPE_MESSAGE:
      return MessageToPython(repeated ? reflection.GetRepeatedMessage(message, field, index)
                                      : reflection.GetMessage(message, field));
  }
  return py::none();
}

py::object MapToPython(const gpb::Message& message, const gpb::Reflection& reflection,
                       const gpb::FieldDescriptor* field) {
  const gpb::FieldDescriptor* key_field = field->message_type()->map_key();
  const gpb::FieldDescriptor* value_field = field->message_type()->map_value();
  int size = reflection.FieldSize(message, field);
  std::vector<const gpb::Message*> entries;
  entries.reserve(static_cast<std::size_t>(size));
  for (int i = 0; i < size; ++i) entries.push_back(&reflection.GetRepeatedMessage(message, field, i));
  // Map order is unspecified in protobuf: string keys are sorted so that the
  // same message always gives the same dict.
  if (key_field->cpp_type() == gpb::FieldDescriptor::CPPTYPE_STRING) {
    std::string scratch_a;
    std::string scratch_b;
    std::sort(entries.begin(), entries.end(), [&](const gpb::Message* a, const gpb::Message* b) {
      return a->GetReflection()->GetStringReference(*a, key_field, &scratch_a) <
             b->GetReflection()->GetStringReference(*b, key_field, &scratch_b);
    });
  }
  py::dict result;
  for (const gpb::Message* entry : entries) {
    const gpb::Reflection& entry_reflection = *entry->GetReflection();
    py::object key = ScalarToPython(*entry, entry_reflection, key_field, -1);
    result[key] = ScalarToPython(*entry, entry_reflection, value_field, -1);
  }
  return result;
}

// --- Python to message ---------------------------------------------------

std::int64_t ToInt64(py::handle value, const std::string& path, std::int64_t min, std::int64_t max) {
  if (!PyLong_Check(value.ptr()) || PyBool_Check(value.ptr())) FailType(path, "int", value);
  int overflow = 0;
  long long number = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (overflow != 0 || number < min || number > max) {
    throw py::value_error(Where(path) + ": " + py::str(value).cast<std::string>() + " is out of range [" +
                          std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return number;
}

std::uint64_t ToUInt64(py::handle value, const std::string& path, std::uint64_t max) {
  if (!PyLong_Check(value.ptr()) || PyBool_Check(value.ptr())) FailType(path, "int", value);
  unsigned long long number = PyLong_AsUnsignedLongLong(value.ptr());
  if (PyErr_Occurred() != nullptr || number > max) {
    PyErr_Clear();
    throw py::value_error(Where(path) + ": " + py::str(value).cast<std::string>() + " is out of range [0, " +
                          std::to_string(max) + "]");
  }
  return number;
}

double ToDouble(py::handle value, const std::string& path) {
  if (PyBool_Check(value.ptr()) || (!PyFloat_Check(value.ptr()) && !PyLong_Check(value.ptr()))) {
    FailType(path, "float", value);
  }
  double number = PyFloat_AsDouble(value.ptr());
  if (PyErr_Occurred() != nullptr) throw py::error_already_set();
  return number;
}

std::string ToString(py::handle value, const std::string& path, bool bytes) {
  if (bytes) {
    if (!PyBytes_Check(value.ptr())) FailType(path, "bytes", value);
    return std::string(PyBytes_AS_STRING(value.ptr()), static_cast<std::size_t>(PyBytes_GET_SIZE(value.ptr())));
  }
  if (!PyUnicode_Check(value.ptr())) FailType(path, "str", value);
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(value.ptr(), &size);
  if (data == nullptr) throw py::error_already_set();
  return std::string(data, static_cast<std::size_t>(size));
}

int ToEnum(py::handle value, const gpb::FieldDescriptor* field, const std::string& path) {
  const gpb::EnumDescriptor* type = field->enum_type();
  if (PyUnicode_Check(value.ptr())) {
    std::string name = ToString(value, path, false);
    const gpb::EnumValueDescriptor* found = type->FindValueByName(name);
    if (found == nullptr) {
      std::string names;
      for (int i = 0; i < type->value_count(); ++i) names += (i == 0 ? "" : ", ") + type->value(i)->name();
      throw py::value_error(Where(path) + ": \"" + name + "\" is not a value of " + type->full_name() + " (" + names + ")");
    }
    return found->number();
  }
  if (PyLong_Check(value.ptr()) && !PyBool_Check(value.ptr())) {
    auto number = static_cast<int>(ToInt64(value, path, std::numeric_limits<std::int32_t>::min(),
                                           std::numeric_limits<std::int32_t>::max()));
    if (type->FindValueByNumber(number) == nullptr) {
      throw py::value_error(Where(path) + ": " + std::to_string(number) + " is not a value of " + type->full_name());
    }
    return number;
  }
  FailType(path, ("str (a " + type->full_name() + " name) or int").c_str(), value);
}

void PythonToTimestamp(py::handle value, gpb::Message* message, const std::string& path) {
  gpb::Timestamp timestamp;
  if (PyUnicode_Check(value.ptr())) {
    std::string text = ToString(value, path, false);
    if (!gpb::util::TimeUtil::FromString(text, &timestamp)) {
      throw py::value_error(Where(path) + ": \"" + text + "\" is not an RFC 3339 time such as 2023-10-18T00:00:00Z");
    }
  } else if (IsDateTime(value.ptr())) {
    if (value.attr("tzinfo").is_none()) {
      throw py::value_error(Where(path) + ": naive datetime " + py::str(value).cast<std::string>() +
                            ": give it a timezone, for example tzinfo=datetime.timezone.utc");
    }
    static py::object epoch = py::module_::import("datetime").attr("datetime")(1970, 1, 1, 0, 0, 0, 0,
                                                                                 py::handle(UtcTimeZone()));
    py::object delta = value - epoch;
    std::int64_t days = delta.attr("days").cast<std::int64_t>();
    std::int64_t seconds = delta.attr("seconds").cast<std::int64_t>();
    std::int64_t microseconds = delta.attr("microseconds").cast<std::int64_t>();
    timestamp.set_seconds(days * 86400 + seconds);
    timestamp.set_nanos(static_cast<std::int32_t>(microseconds * 1000));
  } else {
    FailType(path, "datetime or RFC 3339 str", value);
  }
  message->CopyFrom(timestamp);
}

void FillMessage(py::handle value, gpb::Message* message, const std::string& path);

void AddOrSetScalar(gpb::Message* message, const gpb::FieldDescriptor* field, py::handle value,
                    const std::string& path) {
  const gpb::Reflection& reflection = *message->GetReflection();
  const bool repeated = field->is_repeated();
  using Cpp = gpb::FieldDescriptor;
  switch (field->cpp_type()) {
    case Cpp::CPPTYPE_INT32: {
      auto number = static_cast<std::int32_t>(
          ToInt64(value, path, std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()));
      repeated ? reflection.AddInt32(message, field, number) : reflection.SetInt32(message, field, number);
      return;
    }
    case Cpp::CPPTYPE_INT64: {
      std::int64_t number =
          ToInt64(value, path, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max());
      repeated ? reflection.AddInt64(message, field, number) : reflection.SetInt64(message, field, number);
      return;
    }
    case Cpp::CPPTYPE_UINT32: {
      auto number = static_cast<std::uint32_t>(ToUInt64(value, path, std::numeric_limits<std::uint32_t>::max()));
      repeated ? reflection.AddUInt32(message, field, number) : reflection.SetUInt32(message, field, number);
      return;
    }
    case Cpp::CPPTYPE_UINT64: {
      std::uint64_t number = ToUInt64(value, path, std::numeric_limits<std::uint64_t>::max());
      repeated ? reflection.AddUInt64(message, field, number) : reflection.SetUInt64(message, field, number);
      return;
    }
    case Cpp::CPPTYPE_DOUBLE: {
      double number = ToDouble(value, path);
      repeated ? reflection.AddDouble(message, field, number) : reflection.SetDouble(message, field, number);
      return;
    }
    case Cpp::CPPTYPE_FLOAT: {
      auto number = static_cast<float>(ToDouble(value, path));
      repeated ? reflection.AddFloat(message, field, number) : reflection.SetFloat(message, field, number);
      return;
    }
    case Cpp::CPPTYPE_BOOL: {
      if (!PyBool_Check(value.ptr())) FailType(path, "bool", value);
      bool flag = value.ptr() == Py_True;
      repeated ? reflection.AddBool(message, field, flag) : reflection.SetBool(message, field, flag);
      return;
    }
    case Cpp::CPPTYPE_ENUM: {
      int number = ToEnum(value, field, path);
      repeated ? reflection.AddEnumValue(message, field, number) : reflection.SetEnumValue(message, field, number);
      return;
    }
    case Cpp::CPPTYPE_STRING: {
      std::string text = ToString(value, path, field->type() == gpb::FieldDescriptor::TYPE_BYTES);
      repeated ? reflection.AddString(message, field, std::move(text))
               : reflection.SetString(message, field, std::move(text));
      return;
    }
    case Cpp::CPPTYPE_MESSAGE: {
      gpb::Message* child = repeated ? reflection.AddMessage(message, field) : reflection.MutableMessage(message, field);
      if (field->message_type()->full_name() == kTimestampType) {
        PythonToTimestamp(value, child, path);
      } else {
        FillMessage(value, child, path);
      }
      return;
    }
  }
}

void FillMap(py::handle value, gpb::Message* message, const gpb::FieldDescriptor* field, const std::string& path) {
  if (!PyDict_Check(value.ptr())) FailType(path, "dict", value);
  const gpb::FieldDescriptor* key_field = field->message_type()->map_key();
  const gpb::FieldDescriptor* value_field = field->message_type()->map_value();
  for (auto [key, item] : py::reinterpret_borrow<py::dict>(value)) {
    std::string item_path = path + "[" + py::repr(key).cast<std::string>() + "]";
    gpb::Message* entry = message->GetReflection()->AddMessage(message, field);
    AddOrSetScalar(entry, key_field, key, path + " (key)");
    AddOrSetScalar(entry, value_field, item, item_path);
  }
}

void FillField(py::handle value, gpb::Message* message, const gpb::FieldDescriptor* field, const std::string& path) {
  if (field->is_map()) {
    FillMap(value, message, field, path);
    return;
  }
  if (!field->is_repeated()) {
    AddOrSetScalar(message, field, value, path);
    return;
  }
  if (!PyList_Check(value.ptr()) && !PyTuple_Check(value.ptr())) FailType(path, "list", value);
  py::sequence items = py::reinterpret_borrow<py::sequence>(value);
  for (std::size_t i = 0; i < items.size(); ++i) {
    AddOrSetScalar(message, field, items[i], path + "[" + std::to_string(i) + "]");
  }
}

void FillMessage(py::handle value, gpb::Message* message, const std::string& path) {
  const gpb::Descriptor* descriptor = message->GetDescriptor();
  py::object items;
  if (PyDict_Check(value.ptr())) {
    PyObject* key = nullptr;
    PyObject* item = nullptr;
    Py_ssize_t position = 0;
    while (PyDict_Next(value.ptr(), &position, &key, &item)) {
      if (!PyUnicode_Check(key)) FailType(path.empty() ? "(key)" : path + " (key)", "str", key);
      if (item == Py_None) continue;
      Py_ssize_t size = 0;
      const char* data = PyUnicode_AsUTF8AndSize(key, &size);
      if (data == nullptr) throw py::error_already_set();
      std::string name(data, static_cast<std::size_t>(size));
      const gpb::FieldDescriptor* field = descriptor->FindFieldByName(name);
      if (field == nullptr) field = descriptor->FindFieldByCamelcaseName(name);
      if (field == nullptr) {
        std::string names;
        for (int i = 0; i < descriptor->field_count(); ++i) names += (i == 0 ? "" : ", ") + descriptor->field(i)->name();
        throw py::value_error(Where(path) + ": " + descriptor->full_name() + " has no field \"" + name + "\" (fields: " +
                              names + ")");
      }
      FillField(item, message, field, path.empty() ? name : path + "." + name);
    }
    return;
  }
  if (py::hasattr(value, "items") && py::hasattr(value, "keys")) {
    FillMessage(py::dict(py::reinterpret_borrow<py::object>(value)), message, path);
    return;
  }
  FailType(path, ("dict (a " + descriptor->full_name() + ")").c_str(), value);
}

}  // namespace

void InitializeConversions() {
  ImportDateTime();
  if (PyErr_Occurred() != nullptr) throw py::error_already_set();
}

py::object MessageToPython(const gpb::Message& message) {
  const gpb::Descriptor* descriptor = message.GetDescriptor();
  if (descriptor->full_name() == kTimestampType) return TimestampToPython(message);
  const gpb::Reflection& reflection = *message.GetReflection();
  py::object result = Steal(PyDict_New());
  for (const FieldEntry& entry : FieldsOf(descriptor)) {
    const gpb::FieldDescriptor* field = entry.field;
    py::object value;
    if (field->is_map()) {
      value = MapToPython(message, reflection, field);
    } else if (field->is_repeated()) {
      int size = reflection.FieldSize(message, field);
      value = Steal(PyList_New(size));
      for (int i = 0; i < size; ++i) {
        PyList_SET_ITEM(value.ptr(), i, ScalarToPython(message, reflection, field, i).release().ptr());
      }
    } else if (field->real_containing_oneof() != nullptr) {
      if (!reflection.HasField(message, field)) continue;
      value = ScalarToPython(message, reflection, field, -1);
    } else if (field->has_presence() && !reflection.HasField(message, field)) {
      value = py::none();
    } else {
      value = ScalarToPython(message, reflection, field, -1);
    }
    if (PyDict_SetItem(result.ptr(), entry.key, value.ptr()) != 0) throw py::error_already_set();
  }
  return result;
}

py::object MicrosToDateTime(std::int64_t micros) {
  gpb::Timestamp timestamp = gpb::util::TimeUtil::MicrosecondsToTimestamp(micros);
  return TimestampToPython(timestamp);
}

std::int64_t DateTimeToMicros(py::handle value, const std::string& context) {
  CurrentContext() = context;
  gpb::Timestamp timestamp;
  PythonToTimestamp(value, &timestamp, "");
  return gpb::util::TimeUtil::TimestampToMicroseconds(timestamp);
}

void PythonToMessage(py::handle fields, gpb::Message* message, const std::string& context) {
  CurrentContext() = context;
  FillMessage(fields, message, "");
}

}  // namespace orc::python
