// The one JSON writer of the simulator: objects whose keys come in ascending order (the order
// nlohmann's dump uses, so text written here equals what a parsed-and-dumped value would give,
// and traces stay byte-identical), arrays, strings escaped as nlohmann writes them, integers,
// booleans, null, and values that are already JSON text. Debug builds assert the key order.
//
// Two sinks, one discipline: JsonWriter appends to a std::string; SpanJsonWriter writes by
// pointer into room reserved up front (LineBuffer::room with a bound of what it will write),
// for the hot path of a traced statement: no allocation and no check of room per value.
#pragma once

#include <array>
#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>

#include "sim/kernel/json_put.hpp"

namespace dtx {

namespace json_sink {

struct String {
  std::string& out;
  void put(char c) { out += c; }
  void put(std::string_view s) { out += s; }
  void dump_string(std::string_view s) { append_dump_string(out, s); }
  void integer(int64_t v) { append_integer(out, v); }
};

struct Span {
  char* p;
  void put(char c) { *p++ = c; }
  void put(std::string_view s) { p = put_text(p, s); }
  void dump_string(std::string_view s) { p = put_dump_string(p, s); }
  void integer(int64_t v) { p = put_number(p, v); }
};

}  // namespace json_sink

template <class Sink>
class BasicJsonWriter {
 public:
  explicit BasicJsonWriter(Sink sink) : sink_(sink) {}

  BasicJsonWriter& begin_object() { return open('{', true); }
  BasicJsonWriter& end_object() { return close('}'); }
  BasicJsonWriter& begin_array() { return open('[', false); }
  BasicJsonWriter& end_array() { return close(']'); }
  // The next value's key: keys of one object must ascend.
  BasicJsonWriter& key(std::string_view k) {
#ifndef NDEBUG
    assert(depth_ > 0 && debug_[depth_ - 1].object);
    assert(first() || debug_[depth_ - 1].last_key < k);
    debug_[depth_ - 1].last_key.assign(k);
#endif
    separate();
    sink_.put('"');
    sink_.put(k);  // keys are identifiers written in the code: nothing to escape
    sink_.put("\":");
    after_key_ = true;
    return *this;
  }
  BasicJsonWriter& string(std::string_view s) {
    value();
    sink_.dump_string(s);
    return *this;
  }
  BasicJsonWriter& integer(int64_t v) {
    value();
    sink_.integer(v);
    return *this;
  }
  BasicJsonWriter& boolean(bool b) {
    value();
    sink_.put(b ? std::string_view("true") : std::string_view("false"));
    return *this;
  }
  BasicJsonWriter& null() {
    value();
    sink_.put("null");
    return *this;
  }
  // A value that is already JSON text (a stored payload, a string escaped once and kept).
  BasicJsonWriter& raw(std::string_view json) {
    value();
    sink_.put(json);
    return *this;
  }
  // Convenience: key and value together.
  BasicJsonWriter& field(std::string_view k, std::string_view s) {
    return key(k).string(s);
  }
  BasicJsonWriter& field(std::string_view k, const char* s) {
    return key(k).string(s);
  }
  BasicJsonWriter& field(std::string_view k, int64_t v) {
    return key(k).integer(v);
  }
  BasicJsonWriter& field(std::string_view k, bool b) {
    return key(k).boolean(b);
  }

 protected:
  Sink sink_;

 private:
  // Per open level, whether it has no member yet: one bit each (the hot path writes a few
  // values per line, so the bookkeeping stays in registers).
  bool first() const {
    return (first_bits_ >> (depth_ - 1)) & 1u;
  }
  void separate() {
    if (depth_ == 0) return;
    if (!first()) sink_.put(',');
    first_bits_ &= ~(1u << (depth_ - 1));
  }
  // Before a value: a comma in an array, nothing after a key.
  void value() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    separate();
  }
  BasicJsonWriter& open(char c, bool object) {
    value();
    sink_.put(c);
    assert(depth_ < kMaxDepth);
#ifndef NDEBUG
    debug_[depth_] = {object, std::string()};
#else
    (void)object;
#endif
    first_bits_ |= 1u << depth_;
    ++depth_;
    return *this;
  }
  BasicJsonWriter& close(char c) {
    assert(depth_ > 0 && !after_key_);
    --depth_;
    sink_.put(c);
    return *this;
  }

  // Nesting the simulator writes stays shallow (a payload's branches: three levels).
  static constexpr unsigned kMaxDepth = 16;
  unsigned first_bits_ = 0;
  unsigned depth_ = 0;
  bool after_key_ = false;
#ifndef NDEBUG
  struct Level {  // what debug builds check: keys only in objects, in ascending order
    bool object = false;
    std::string last_key;
  };
  std::array<Level, kMaxDepth> debug_{};
#endif
};

class JsonWriter : public BasicJsonWriter<json_sink::String> {
 public:
  explicit JsonWriter(std::string& out) : BasicJsonWriter(json_sink::String{out}) {}
};

// Writes at `p`, which has room for everything written (the caller's bound); end() is where
// the text ends.
class SpanJsonWriter : public BasicJsonWriter<json_sink::Span> {
 public:
  explicit SpanJsonWriter(char* p) : BasicJsonWriter(json_sink::Span{p}) {}
  char* end() const { return sink_.p; }
};

}  // namespace dtx
