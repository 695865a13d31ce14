#pragma once
// Integer handle → object, for the few live streams and requests the bindings track at a time. A vector
// searched linearly: std::unordered_map's hashing and rehashing cost about 1.5 KiB of gzip in the wasm
// for tables that hold a handful of entries. References stay valid only until the next insertion or erase.
#include <cstdint>
#include <utility>
#include <vector>

namespace imagegate_bindings {

template <class T>
class HandleMap {
 public:
  T* find(uint32_t id) {
    for (auto& e : items_)
      if (e.first == id) return &e.second;
    return nullptr;
  }
  T& operator[](uint32_t id) {  // inserts a default T when missing
    if (T* t = find(id)) return *t;
    items_.emplace_back(id, T());
    return items_.back().second;
  }
  void erase(uint32_t id) {
    for (size_t i = 0; i < items_.size(); ++i)
      if (items_[i].first == id) {
        if (i + 1 != items_.size()) items_[i] = std::move(items_.back());
        items_.pop_back();
        return;
      }
  }
  size_t size() const { return items_.size(); }

 private:
  std::vector<std::pair<uint32_t, T>> items_;
};

}  // namespace imagegate_bindings
