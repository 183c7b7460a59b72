// Internal to dtxview_model: one trace line parsed to the few fields the indexer needs, by a SAX
// handler (no DOM), plus helpers over the raw line text.
// Guarantees: the handler never throws; a parse error becomes "column N: why" in `error`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "trace_model.hpp"

namespace dtxview {

namespace load_detail {

using Json = nlohmann::json;
// The fields of one line the indexer needs; detail fields are kept only where pairing uses them.
struct RawLine {
  bool has_id = false, has_t = false, has_node = false, has_kind = false;
  uint64_t id = 0;
  int64_t t_us = 0;
  uint64_t msg = kNoMsg;
  std::string node, kind, gid, peer;
  std::string txn, name, type;  // detail.txn (number or string), detail.name, detail.type
  std::vector<std::pair<std::string, std::string>> cut;
  bool is_object = false;
  std::string type_error;

  void reset() {
    has_id = has_t = has_node = has_kind = is_object = false;
    msg = kNoMsg;
    node.clear(), kind.clear(), gid.clear(), peer.clear(), txn.clear(), name.clear();
    type.clear();
    cut.clear();
    type_error.clear();
  }
};

enum class Key : uint8_t { none, id, t, node, kind, gid, msg, peer, detail, txn, name, cut, type };

Key top_key(const std::string& k);     // a key of the event object
Key detail_key(const std::string& k);  // a key inside "detail"

// Tracks the container path only as deep as the fields we keep: top, detail, cut, cut pair.
class LineSax : public nlohmann::json_sax<Json> {
 public:
  RawLine raw;
  std::string error;

  void reset() {
    raw.reset();
    error.clear();
    stack_.clear();
    key_ = Key::none;
  }
  bool null() override { return scalar(); }
  bool boolean(bool) override { return scalar(); }
  bool number_integer(number_integer_t v) override { return integer(v, v >= 0); }
  bool number_unsigned(number_unsigned_t v) override {
    // Past 2^63-1 a time or id would turn negative as int64_t: refuse the field instead.
    if (v > static_cast<number_unsigned_t>(INT64_MAX)) {
      if (at_top() && (key_ == Key::id || key_ == Key::t || key_ == Key::msg))
        raw.type_error = "field is 2^63 or more (times and ids end at 2^63-1)";
      return scalar();
    }
    return integer(static_cast<int64_t>(v), true);
  }
  bool number_float(number_float_t, const string_t&) override {
    if (at_top() && (key_ == Key::id || key_ == Key::t || key_ == Key::msg))
      raw.type_error = "field is not an integer";
    return scalar();
  }
  bool string(string_t& s) override {
    if (at_top()) {
      switch (key_) {
        case Key::node:
          raw.node = std::move(s), raw.has_node = true;
          break;
        case Key::kind:
          raw.kind = std::move(s), raw.has_kind = true;
          break;
        case Key::gid:
          raw.gid = std::move(s);
          break;
        case Key::peer:
          raw.peer = std::move(s);
          break;
        case Key::id:
        case Key::t:
        case Key::msg:
          raw.type_error = "field is a string";
          break;
        default:
          break;
      }
    } else if (in_detail()) {
      if (key_ == Key::txn) raw.txn = std::move(s);
      if (key_ == Key::name) raw.name = std::move(s);
      if (key_ == Key::type) raw.type = std::move(s);
    } else if (in_cut_pair()) {
      auto& pair = raw.cut.back();
      (pair.first.empty() ? pair.first : pair.second) = std::move(s);
    }
    return scalar();
  }
  bool binary(binary_t&) override { return scalar(); }
  bool start_object(std::size_t) override {
    if (too_deep()) return false;
    if (stack_.empty()) raw.is_object = true;
    stack_.push_back(key_);
    key_ = Key::none;
    return true;
  }
  bool key(string_t& k) override {
    key_ = at_top() ? top_key(k) : (in_detail() ? detail_key(k) : Key::none);
    return true;
  }
  bool end_object() override { return pop(); }
  bool start_array(std::size_t) override {
    if (too_deep()) return false;
    if (in_cut()) raw.cut.emplace_back();
    stack_.push_back(key_);
    key_ = Key::none;
    return true;
  }
  bool end_array() override { return pop(); }
  bool parse_error(std::size_t pos, const std::string&,
                   const nlohmann::detail::exception& e) override {
    error = "column " + std::to_string(pos) + ": " + strip_prefix(e.what());
    return false;
  }

 private:
  // dtxsim writes at most a few levels; a line nested deeper than 64 (the limit of every
  // dtxsim input) is refused here, before the header's or a trailer's document is built from
  // it (60,000 levels overflowed the stack there).
  bool too_deep() {
    if (stack_.size() < 64) return false;
    error = "nested deeper than 64 levels";
    return true;
  }
  bool at_top() const { return stack_.size() == 1; }
  bool in_detail() const { return stack_.size() == 2 && stack_[1] == Key::detail; }
  bool in_cut() const {
    return stack_.size() == 3 && stack_[1] == Key::detail && stack_[2] == Key::cut;
  }
  bool in_cut_pair() const { return stack_.size() == 4 && stack_[2] == Key::cut; }
  bool scalar() {
    if (stack_.size() <= 2) key_ = Key::none;
    return true;
  }
  bool pop() {
    key_ = Key::none;
    stack_.pop_back();
    return true;
  }
  bool integer(int64_t v, bool non_negative) {
    if (at_top()) {
      if (key_ == Key::id && non_negative) raw.id = static_cast<uint64_t>(v), raw.has_id = true;
      if (key_ == Key::id && !non_negative) raw.type_error = "'id' is negative";
      if (key_ == Key::t) raw.t_us = v, raw.has_t = true;
      if (key_ == Key::msg) raw.msg = static_cast<uint64_t>(v);
    } else if (in_detail() && key_ == Key::txn) {
      raw.txn = std::to_string(v);
    }
    return scalar();
  }
  static std::string strip_prefix(const char* what) {
    // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..." -> tail
    std::string s = what;
    auto colon = s.find(": ");
    return colon == std::string::npos ? s : s.substr(colon + 2);
  }

  std::vector<Key> stack_;
  Key key_ = Key::none;
};

}  // namespace load_detail

// Byte range (offset, length) of the top-level "detail" object in a line; {0, 0} when absent.
std::pair<uint32_t, uint32_t> find_detail(std::string_view line);

inline constexpr uint64_t kTraceHashSeed = 0xcbf29ce484222325ull;
// One step of the trace hash over a header or event line without its newline, as the writer
// computes it (sim/kernel/TRACE_FORMAT.md).
inline uint64_t trace_hash_line(uint64_t h, std::string_view line) {
  auto mix = [](uint64_t x, uint64_t w) {
    x = (x ^ w) * 0xff51afd7ed558ccdull;
    return x ^ (x >> 29);
  };
  auto word = [&line](size_t at) {  // little-endian, zero-padded past the end
    uint64_t w = 0;
    for (size_t b = 0; b < 8 && at + b < line.size(); ++b)
      w |= uint64_t{static_cast<unsigned char>(line[at + b])} << (8 * b);
    return w;
  };
  size_t n = line.size(), full = n / 32 * 32;
  uint64_t lane[4] = {h ^ n, h ^ 0x9e3779b97f4a7c15ull, h ^ 0xc2b2ae3d27d4eb4full,
                      h ^ 0x165667b19e3779f9ull};
  for (size_t at = 0; at < full; at += 8) lane[at / 8 % 4] = mix(lane[at / 8 % 4], word(at));
  for (size_t at = full; at < n; at += 8) lane[0] = mix(lane[0], word(at));
  return mix(mix(mix(lane[0], lane[1]), lane[2]), lane[3]);
}

}  // namespace dtxview
