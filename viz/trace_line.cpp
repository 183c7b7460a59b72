// One trace line's helpers: the key tables of the SAX handler and the raw `detail` range.
#include "trace_line.hpp"

#include <unordered_map>

namespace dtxview {

namespace load_detail {

Key top_key(const std::string& k) {
  static const std::unordered_map<std::string, Key> keys = {
      {"id", Key::id},   {"t", Key::t},     {"node", Key::node}, {"kind", Key::kind},
      {"gid", Key::gid}, {"msg", Key::msg}, {"peer", Key::peer}, {"detail", Key::detail}};
  auto it = keys.find(k);
  return it == keys.end() ? Key::none : it->second;
}

Key detail_key(const std::string& k) {
  if (k == "txn") return Key::txn;
  if (k == "name") return Key::name;
  if (k == "cut") return Key::cut;
  if (k == "type") return Key::type;
  return Key::none;
}

}  // namespace load_detail

// Byte range of the top-level "detail" object inside a parsed line. The writer emits detail
// last, and `"detail"` followed by ':' can only be a key (quotes inside strings are escaped).
std::pair<uint32_t, uint32_t> find_detail(std::string_view line) {
  size_t at = 0;
  while ((at = line.find("\"detail\"", at)) != std::string_view::npos) {
    size_t p = at + 8;
    while (p < line.size() && line[p] == ' ') ++p;
    if (p < line.size() && line[p] == ':') {
      ++p;
      while (p < line.size() && line[p] == ' ') ++p;
      if (p >= line.size() || line[p] != '{') return {0, 0};
      int depth = 0;
      bool in_string = false;
      for (size_t q = p; q < line.size(); ++q) {
        char c = line[q];
        if (in_string) {
          if (c == '\\')
            ++q;
          else if (c == '"')
            in_string = false;
        } else if (c == '"') {
          in_string = true;
        } else if (c == '{') {
          ++depth;
        } else if (c == '}' && --depth == 0) {
          return {static_cast<uint32_t>(p), static_cast<uint32_t>(q + 1 - p)};
        }
      }
      return {0, 0};
    }
    at = p;
  }
  return {0, 0};
}

}  // namespace dtxview
