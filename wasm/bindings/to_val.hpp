#pragma once
// Conversion of core values to JS values for the bindings.
#include <emscripten/val.h>

#include <nlohmann/json.hpp>

#include <string>

namespace imagegate_bindings {

// Object.defineProperty(o, key, { value, writable, enumerable, configurable }): an own data property, whatever
// Object.prototype defines for that key.
inline void define_own(emscripten::val& o, const std::string& key, emscripten::val value) {
  using emscripten::val;
  val descriptor = val::object();
  descriptor.set("value", value);
  descriptor.set("writable", true);
  descriptor.set("enumerable", true);
  descriptor.set("configurable", true);
  val::global("Object").call<void>("defineProperty", o, key, descriptor);
}

// nlohmann value → plain JS value (objects, arrays, strings, numbers, booleans, null), shaped as JSON.parse shapes it.
inline emscripten::val to_val(const nlohmann::json& j) {
  using emscripten::val;
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      val o = val::object();
      for (const auto& [key, value] : j.get_ref<const nlohmann::json::object_t&>()) {
        // As JSON.parse does: every key becomes an own data property. Assignment (val::set) goes through
        // Object.prototype's setters, and "__proto__" is the one there: a server's {"__proto__": {...}} would
        // become the object's prototype. That key alone is defined instead (the rest keep the fast path).
        if (key == "__proto__") define_own(o, key, to_val(value));
        else o.set(key, to_val(value));
      }
      return o;
    }
    case nlohmann::json::value_t::array: {
      val a = val::array();
      unsigned i = 0;
      for (const auto& v : j.get_ref<const nlohmann::json::array_t&>()) a.set(i++, to_val(v));
      return a;
    }
    case nlohmann::json::value_t::string: return val(j.get_ref<const std::string&>());
    case nlohmann::json::value_t::boolean: return val(j.get<bool>());
    case nlohmann::json::value_t::number_integer: return val(static_cast<double>(j.get<int64_t>()));
    case nlohmann::json::value_t::number_unsigned: return val(static_cast<double>(j.get<uint64_t>()));
    case nlohmann::json::value_t::number_float: return val(j.get<double>());
    default: return val::null();
  }
}

// A copy of heap bytes as a JS-owned Uint8Array (never a view that dies on memory growth).
inline emscripten::val copy_bytes(const uint8_t* p, size_t n) {
  return emscripten::val(emscripten::typed_memory_view(n, p)).call<emscripten::val>("slice");
}

}  // namespace imagegate_bindings
