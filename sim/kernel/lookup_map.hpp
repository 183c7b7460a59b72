// The one hash map sim/ and patterns/ may use: it can be searched, filled and emptied but not
// iterated, because the order of a hash table depends on hashes and on the library and must
// never reach the history. Anything that has to be walked lives in an ordered container (or a
// vector kept beside the map). The tidy test bans the standard unordered containers elsewhere.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace dtx {

// Hashes std::string and std::string_view alike, so a map keyed by std::string can be searched
// with a view (no temporary string).
struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

template <class K, class V, class Hash = std::hash<K>, class Eq = std::equal_to<>>
class LookupMap {
 public:
  template <class Q>
  V* find(const Q& key) {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second;
  }
  template <class Q>
  const V* find(const Q& key) const {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second;
  }
  template <class Q>
  bool contains(const Q& key) const {
    return map_.find(key) != map_.end();
  }
  // Inserts unless the key is there; returns the value stored under the key either way.
  V& emplace(K key, V value) {
    return map_.try_emplace(std::move(key), std::move(value)).first->second;
  }
  V& operator[](const K& key) { return map_[key]; }
  template <class Q>
  bool erase(const Q& key) {
    auto it = map_.find(key);
    if (it == map_.end()) return false;
    map_.erase(it);
    return true;
  }
  size_t size() const { return map_.size(); }
  bool empty() const { return map_.empty(); }
  void clear() { map_.clear(); }
  void reserve(size_t n) { map_.reserve(n); }

 private:
  std::unordered_map<K, V, Hash, Eq> map_;
};

}  // namespace dtx
