// Event serialisation by hand (fixed key order, no locale) so the trace is byte-stable.
#include "sim/kernel/history.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cinttypes>
#include <cstring>

#include "sim/kernel/json_writer.hpp"
#include "sim/kernel/random.hpp"

#ifndef DTXSIM_BUILD_ID
#define DTXSIM_BUILD_ID "dev"
#endif

namespace dtx {

using namespace std::string_view_literals;

namespace {
constexpr std::string_view kKindNames[] = {
#define DTX_X(name) #name,
    DTX_EVENT_KINDS(DTX_X)
#undef DTX_X
};
}  // namespace

std::string_view kind_name(Kind k) {
  return kKindNames[static_cast<size_t>(k)];
}

bool kind_from_name(std::string_view name, Kind& out) {
  for (size_t i = 0; i < std::size(kKindNames); ++i) {
    if (kKindNames[i] == name) {
      out = static_cast<Kind>(i);
      return true;
    }
  }
  return false;
}

std::string build_id() {
  return DTXSIM_BUILD_ID;
}

namespace {

template <typename T>
void append_number(std::string& out, T v) {
  char buf[24];
  out.append(buf, put_number(buf, v));
}

// How many characters each byte adds when escaped: 0 (as it is), 1 (a two-character escape
// such as \" or \n) or 5 (\u00XX).
constexpr std::array<uint8_t, 256> kEscapeExtra = [] {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 5;
  for (unsigned char c : {'"', '\\', '\b', '\f', '\n', '\r', '\t'}) t[c] = 1;
  return t;
}();

}  // namespace

namespace {

size_t escape_extra(std::string_view s) {
  size_t extra = 0;
  for (unsigned char c : s) extra += kEscapeExtra[c];
  return extra;
}

// `s` as a quoted JSON string; `extra` is escape_extra(s) (zero: one copy).
char* put_escaped(char* p, std::string_view s, size_t extra) {
  *p++ = '"';
  if (extra == 0) {
    p = put_text(p, s);
  } else {
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned char c : s) {
      if (kEscapeExtra[c] == 0) {
        *p++ = static_cast<char>(c);
        continue;
      }
      *p++ = '\\';
      switch (c) {
        case '"':
          *p++ = '"';
          break;
        case '\\':
          *p++ = '\\';
          break;
        case '\b':
          *p++ = 'b';
          break;
        case '\f':
          *p++ = 'f';
          break;
        case '\n':
          *p++ = 'n';
          break;
        case '\r':
          *p++ = 'r';
          break;
        case '\t':
          *p++ = 't';
          break;
        default:
          *p++ = 'u';
          *p++ = '0';
          *p++ = '0';
          *p++ = kHex[c >> 4];
          *p++ = kHex[c & 15];
      }
    }
  }
  *p++ = '"';
  return p;
}

}  // namespace

char* detail::put_json_string_general(char* p, std::string_view s) {
  return put_escaped(p, s, escape_extra(s));
}

char* detail::put_dump_string_general(char* p, std::string_view s) {
  // One pass finds both what the escapes add and whether the text is ASCII.
  size_t extra = 0;
  unsigned high = 0;
  for (unsigned char c : s) {
    extra += kEscapeExtra[c];
    high |= c;
  }
  if (high < 0x80) return put_escaped(p, s, extra);
  // Non-ASCII text as nlohmann writes it: valid UTF-8 as it is, invalid bytes replaced by
  // U+FFFD (three bytes each), control characters escaped; within json_string_bound.
  return put_text(p, Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace));
}

void LineBuffer::grow(size_t n) {
  size_t cap = std::max({2 * cap_, size_ + n, size_t{256}});
  std::unique_ptr<char[]> bigger(new char[cap]);
  if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
  data_ = std::move(bigger);
  cap_ = cap;
}

// One pass counts what the escapes add, then the text is written straight into its place.
void append_json_string(std::string& out, std::string_view s) {
  size_t extra = escape_extra(s);
  size_t at = out.size();
  out.resize(at + s.size() + extra + 2);
  put_escaped(out.data() + at, s, extra);
}

namespace {

bool ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

}  // namespace

// Appends `j` exactly as nlohmann's compact dump would (keys in map order), without the
// serializer's temporary strings. Non-ASCII strings and floats go through nlohmann itself.
void append_json(std::string& out, const Json& j) {
  switch (j.type()) {
    case Json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (!first) out.push_back(',');
        first = false;
        append_json_string(out, it.key());
        out.push_back(':');
        append_json(out, it.value());
      }
      out.push_back('}');
      return;
    }
    case Json::value_t::array: {
      out.push_back('[');
      for (size_t i = 0; i < j.size(); ++i) {
        if (i) out.push_back(',');
        append_json(out, j[i]);
      }
      out.push_back(']');
      return;
    }
    case Json::value_t::string: {
      const auto& s = j.get_ref<const std::string&>();
      if (ascii(s)) {
        append_json_string(out, s);
      } else {
        out += j.dump(-1, ' ', false, Json::error_handler_t::replace);
      }
      return;
    }
    case Json::value_t::number_integer:
      append_number(out, j.get<int64_t>());
      return;
    case Json::value_t::number_unsigned:
      append_number(out, j.get<uint64_t>());
      return;
    case Json::value_t::boolean:
      out += j.get<bool>() ? "true" : "false";
      return;
    case Json::value_t::null:
      out += "null"sv;
      return;
    default:
      out += j.dump(-1, ' ', false, Json::error_handler_t::replace);
      return;
  }
}

// A string exactly as nlohmann's dump writes it (non-ASCII text goes through nlohmann).
void append_dump_string(std::string& out, std::string_view s) {
  size_t at = out.size();
  out.resize(at + json_string_bound(s));
  out.resize(static_cast<size_t>(put_dump_string(out.data() + at, s) - out.data()));
}

void append_integer(std::string& out, int64_t v) {
  append_number(out, v);
}

namespace {

// The room an event's head needs: fixed text, three numbers of at most 20 digits, the kind,
// strings at most 6x their size escaped, and slack for the fixed-size copies of id and kind.
size_t event_head_bound(std::string_view node, Kind kind, std::string_view gid,
                        std::string_view peer) {
  return 80 + 3 * 20 + 64 + kind_name(kind).size() + 6 * (node.size() + gid.size() + peer.size());
}

// `,"kind":"<name>"` for each kind, in a fixed 32-byte block (copied whole, then cut to size).
struct KindText {
  char text[32];
  size_t size;
};
constexpr std::array<KindText, kKindCount> kKindTexts = [] {
  std::array<KindText, kKindCount> out{};
  constexpr std::string_view kHead = ",\"kind\":\"";
  for (size_t k = 0; k < kKindCount; ++k) {
    size_t n = 0;
    for (char c : kHead) out[k].text[n++] = c;
    for (char c : kKindNames[k]) out[k].text[n++] = c;
    out[k].text[n++] = '"';
    out[k].size = n;
  }
  return out;
}();

// Everything up to the detail, written at `p`; returns the end. The id's digits are read
// from a 24-byte buffer (copied whole, then cut to id_size).
char* put_event_head(char* p, const char* id24, size_t id_size, TimeUs t_us, std::string_view node,
                     Kind kind, std::string_view gid, uint64_t msg, std::string_view peer) {
  p = put_text(p, "{\"id\":"sv);
  std::memcpy(p, id24, 24);
  p += id_size;
  p = put_text(p, ",\"t\":"sv);
  p = put_number(p, t_us);
  p = put_text(p, ",\"node\":"sv);
  p = put_json_string(p, node);
  const KindText& kind_text = kKindTexts[static_cast<size_t>(kind)];
  std::memcpy(p, kind_text.text, sizeof kind_text.text);
  p += kind_text.size;
  if (!gid.empty()) {
    p = put_text(p, ",\"gid\":"sv);
    p = put_json_string(p, gid);
  }
  if (msg != 0) {
    p = put_text(p, ",\"msg\":"sv);
    p = put_number(p, msg);
  }
  if (!peer.empty()) {
    p = put_text(p, ",\"peer\":"sv);
    p = put_json_string(p, peer);
  }
  return p;
}

void append_event_line(LineBuffer& line, const char* id24, size_t id_size, TimeUs t_us,
                       std::string_view node, Kind kind, std::string_view gid,
                       std::string_view detail, uint64_t msg, std::string_view peer) {
  char* p = line.room(event_head_bound(node, kind, gid, peer) + 16 + detail.size());
  p = put_event_head(p, id24, id_size, t_us, node, kind, gid, msg, peer);
  if (!detail.empty()) {
    p = put_text(p, ",\"detail\":"sv);
    p = put_text(p, detail);
  }
  *p++ = '}';
  line.set_end(p);
}

}  // namespace

Detail::Detail(Json j) {
  if (!j.is_null()) append_json(text_, j);  // the text is kept; json() parses it if asked
}

namespace {

constexpr size_t kNone = std::string_view::npos;

size_t skip_space(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) ++i;
  return i;
}

// One past the closing quote of the JSON string that opens at s[i].
size_t string_end(std::string_view s, size_t i) {
  const char *p = s.data() + i + 1, *end = s.data() + s.size();
  // The next quote found by memchr; it closes the string unless an odd run of backslashes
  // stands right before it (an escaped quote: search on after it).
  while (p < end) {
    auto q = static_cast<const char*>(std::memchr(p, '"', static_cast<size_t>(end - p)));
    if (!q) return kNone;
    const char* b = q;
    while (b > p && b[-1] == '\\') --b;
    if ((q - b) % 2 == 0) return static_cast<size_t>(q - s.data()) + 1;
    p = q + 1;
  }
  return kNone;
}

// What the walkers look for inside a value: 1 a quote, 2 an opening bracket, 3 a closing one,
// 4 a comma or space; a scalar ends at the first 3 or 4.
constexpr std::array<uint8_t, 256> kJsonClass = [] {
  std::array<uint8_t, 256> t{};
  t['"'] = 1;
  t['{'] = t['['] = 2;
  t['}'] = t[']'] = 3;
  t[','] = t[' '] = t['\n'] = 4;
  return t;
}();

// One past the end of the JSON value that starts at s[i].
size_t value_end(std::string_view s, size_t i) {
  if (i >= s.size()) return kNone;
  const char *p = s.data() + i, *end = s.data() + s.size();
  uint8_t first = kJsonClass[static_cast<unsigned char>(*p)];
  if (first == 1) return string_end(s, i);
  if (first == 2) {
    int depth = 0;
    while (p < end) {
      uint8_t c = kJsonClass[static_cast<unsigned char>(*p)];
      if (c == 1) {
        size_t at = string_end(s, static_cast<size_t>(p - s.data()));
        if (at == kNone) return kNone;
        p = s.data() + at;
        continue;
      }
      if (c == 2) ++depth;
      if (c == 3 && --depth == 0) return static_cast<size_t>(p - s.data()) + 1;
      ++p;
    }
    return kNone;
  }
  while (p < end && kJsonClass[static_cast<unsigned char>(*p)] < 3) ++p;
  return static_cast<size_t>(p - s.data());
}

// Calls fn(key, raw value) for each top-level field of an object's text, in order, until
// fn returns false; stops quietly at anything malformed.
template <typename Fn>
void for_each_field(std::string_view s, Fn fn) {
  size_t i = skip_space(s, 0);
  if (i >= s.size() || s[i] != '{') return;
  i = skip_space(s, i + 1);
  while (i < s.size() && s[i] == '"') {
    size_t key_end = string_end(s, i);
    if (key_end == kNone) return;
    std::string_view k = s.substr(i + 1, key_end - i - 2);
    i = skip_space(s, key_end);
    if (i >= s.size() || s[i] != ':') return;
    i = skip_space(s, i + 1);
    size_t end = value_end(s, i);
    if (end == kNone) return;
    if (!fn(k, s.substr(i, end - i))) return;
    i = skip_space(s, end);
    if (i >= s.size() || s[i] != ',') return;
    i = skip_space(s, i + 1);
  }
}

}  // namespace

std::string_view Detail::raw(std::string_view key) const {
  return json_field(text_, key);
}

std::string_view json_field(std::string_view s, std::string_view key) {
  std::string_view out;
  for_each_field(s, [&](std::string_view k, std::string_view v) {
    if (k != key) return true;
    out = v;
    return false;
  });
  return out;
}

void json_fields(std::string_view s, std::initializer_list<std::string_view> keys,
                 std::string_view* out) {
  const std::string_view* want = keys.begin();
  size_t n = keys.size(), next = 0;
  for (size_t k = 0; k < n; ++k) out[k] = {};
  for_each_field(s, [&](std::string_view k, std::string_view v) {
    // Texts we write keep their keys in the same (sorted) order as callers list them, so the
    // key after the last one found is tried first; any other order falls back to a scan.
    if (next < n && want[next] == k) {
      if (out[next].empty()) out[next] = v;
      ++next;
      return true;
    }
    for (size_t i = 0; i < n; ++i) {
      if (want[i] == k) {
        if (out[i].empty()) out[i] = v;
        next = i + 1;
        break;
      }
    }
    return true;
  });
}

std::string_view plain_json_string(std::string_view raw) {
  if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') return {};
  std::string_view inner = raw.substr(1, raw.size() - 2);
  return inner.find('\\') == std::string_view::npos ? inner : std::string_view();
}

void json_elements(std::string_view s, std::vector<std::string_view>& out) {
  size_t i = skip_space(s, 0);
  if (i >= s.size() || s[i] != '[') return;
  i = skip_space(s, i + 1);
  while (i < s.size() && s[i] != ']') {
    size_t end = value_end(s, i);
    if (end == kNone) return;
    out.push_back(s.substr(i, end - i));
    i = skip_space(s, end);
    if (i >= s.size() || s[i] != ',') break;
    i = skip_space(s, i + 1);
  }
}

bool json_string_value(std::string_view raw, std::string& out) {
  if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') return false;
  if (raw.find('\\') == std::string_view::npos) {
    out.assign(raw.substr(1, raw.size() - 2));
    return true;
  }
  Json j = Json::parse(raw, nullptr, false);
  if (!j.is_string()) return false;
  out = j.get_ref<const std::string&>();
  return true;
}

bool json_integer_value(std::string_view raw, int64_t& out) {
  auto r = std::from_chars(raw.data(), raw.data() + raw.size(), out);
  return !raw.empty() && r.ec == std::errc() && r.ptr == raw.data() + raw.size();
}

std::string_view Detail::string_field(std::string_view key) const {
  return string_value(raw(key), key);
}

std::string_view Detail::string_value(std::string_view v, std::string_view key) const {
  if (v.size() < 2 || v.front() != '"') return {};
  if (v.find('\\') == std::string_view::npos) return v.substr(1, v.size() - 2);
  // Escaped text: the parsed detail holds the unescaped string.
  auto it = json().find(key);
  return it != json().end() && it->is_string() ? std::string_view(it->get_ref<const std::string&>())
                                               : std::string_view();
}

int64_t Detail::integer_field(std::string_view key, int64_t fallback) const {
  int64_t out = 0;
  return json_integer_value(raw(key), out) ? out : fallback;
}

// Flat fields in ascending key order (as nlohmann's dump writes an object), with the room
// their object needs (numbers of at most 20 characters, strings at most 6x escaped). The
// fields stay the caller's.
struct detail::FieldOrder {
  using Field = Detail::Field;
  const Field* at[16];
  size_t n = 0;
  size_t bound = 2;
  explicit FieldOrder(std::initializer_list<Field> fields) {
    for (const Field& f : fields) add(f);
  }
  void add(const Field& f) {
    if (n == std::size(at)) return;
    // Insertion in key order: the callers' lists are short and mostly sorted already.
    size_t i = n++;
    for (; i > 0 && f.key < at[i - 1]->key; --i) at[i] = at[i - 1];
    at[i] = &f;
    bound += f.key.size() + 4 + (f.kind == Field::string ? json_string_bound(f.s) : 20);
  }
};

namespace {

using detail::FieldOrder;

// Writes the fields as a JSON object at `p` (room: order.bound); returns the end.
char* put_fields(char* p, const FieldOrder& order) {
  using Field = Detail::Field;
  size_t n = order.n;
  *p++ = '{';
  for (size_t i = 0; i < n; ++i) {
    const Field& f = *order.at[i];
    if (i) *p++ = ',';
    // Keys are identifiers written in the code: nothing to escape.
    *p++ = '"';
    p = put_text(p, f.key);
    p = put_text(p, "\":"sv);
    switch (f.kind) {
      case Field::integer:
        p = put_number(p, f.i);
        break;
      case Field::unsigned_integer:
        p = put_number(p, f.u);
        break;
      case Field::boolean:
        p = put_text(p, f.i ? "true"sv : "false"sv);
        break;
      case Field::string:
        p = put_dump_string(p, f.s);
        break;
    }
  }
  *p++ = '}';
  return p;
}

}  // namespace

Detail Detail::of(std::initializer_list<Field> fields) {
  Detail d;
  FieldOrder order(fields);
  d.text_.resize(order.bound);
  d.text_.resize(static_cast<size_t>(put_fields(d.text_.data(), order) - d.text_.data()));
  return d;
}

Detail Detail::of(const EffectRecord& r) {
  Detail d = Detail::of({{"account", r.account},
                         {"amount", r.amount},
                         {"branch", r.branch},
                         {"key", r.key},
                         {"money", r.money},
                         {"op", r.op},
                         {"origin", r.origin}});
  d.record_ = std::make_shared<const Record>(r);
  return d;
}

// Present fields only, in the writer's (ascending) key order, as every other detail.
Detail Detail::of(const GtxRecord& r) {
  Detail d;
  JsonWriter w(d.text_);
  w.begin_object();
  if (!r.branch.empty()) w.field("branch", r.branch);
  if (!r.branches.empty() || r.state == "started") {
    w.key("branches").begin_array();
    for (const auto& b : r.branches) w.string(b);
    w.end_array();
  }
  if (r.final) w.field("final", *r.final);
  if (!r.origin.empty()) w.field("origin", r.origin);
  w.field("state", r.state).end_object();
  d.record_ = std::make_shared<const Record>(r);
  return d;
}

// The question: {"check"[, "id"]}; the answer: {"answer"[, "id"]}.
Detail Detail::of(const CheckbackRecord& r) {
  Detail d;
  JsonWriter w(d.text_);
  w.begin_object();
  if (r.is_answer())
    w.field("answer", r.answer);
  else
    w.field("check", r.check);
  if (r.id) w.field("id", static_cast<int64_t>(r.id));
  w.end_object();
  d.record_ = std::make_shared<const Record>(r);
  return d;
}

namespace {

std::optional<CheckbackRecord> checkback_of(const Json& d) {
  if (!d.is_object()) return std::nullopt;
  uint64_t id = 0;
  if (auto it = d.find("id"); it != d.end() && it->is_number_unsigned()) id = it->get<uint64_t>();
  if (auto it = d.find("answer"); it != d.end() && it->is_string())
    return CheckbackRecord::answered(it->get<std::string>(), id);
  if (auto it = d.find("check"); it != d.end() && it->is_number_integer())
    return CheckbackRecord::question(it->get<int64_t>(), id);
  return std::nullopt;
}

}  // namespace

Detail Detail::read(Kind kind, Json j) {
  std::optional<CheckbackRecord> checkback;
  if (kind == Kind::checkback) checkback = checkback_of(j);
  Detail d(std::move(j));
  if (checkback) d.record_ = std::make_shared<const Record>(std::move(*checkback));
  return d;
}

Detail Detail::from_text(std::string text) {
  Detail d;
  d.text_ = std::move(text);
  return d;
}

const Json& Detail::json() const {
  static const Json kNull;
  if (text_.empty()) return kNull;
  if (!json_) json_ = std::make_unique<Json>(Json::parse(text_));
  return *json_;
}

std::string event_to_line(const Event& e) {
  LineBuffer line;
  char id[24] = {};
  size_t id_size = static_cast<size_t>(put_number(id, e.id) - id);
  append_event_line(line, id, id_size, e.t_us, e.node, e.kind, e.gid, e.detail.text(), e.msg,
                    e.peer);
  return std::string(line.view());
}

uint64_t trace_hash_line(uint64_t h, std::string_view line) {
  // Four lanes over 32-byte blocks (independent multiplications run side by side), the rest
  // of the line into lane 0, then the lanes folded together; see TRACE_FORMAT.md.
  constexpr uint64_t kMul = 0xff51afd7ed558ccdull;
  auto mix = [](uint64_t x, uint64_t w) {
    x = (x ^ w) * kMul;
    return x ^ (x >> 29);
  };
  auto little_endian = [](uint64_t w) {
    if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
    return w;
  };
  auto word = [&](size_t at) {  // a whole word
    uint64_t w;
    std::memcpy(&w, line.data() + at, 8);
    return little_endian(w);
  };
  size_t n = line.size(), full = n / 32 * 32;
  uint64_t a = h ^ n, b = h ^ 0x9e3779b97f4a7c15ull, c = h ^ 0xc2b2ae3d27d4eb4full,
           d = h ^ 0x165667b19e3779f9ull;
  for (size_t at = 0; at < full; at += 32) {
    a = mix(a, word(at));
    b = mix(b, word(at + 8));
    c = mix(c, word(at + 16));
    d = mix(d, word(at + 24));
  }
  size_t at = full;
  for (; at + 8 <= n; at += 8) a = mix(a, word(at));
  if (at < n) {  // the last word, zero-padded
    uint64_t w = 0;
    size_t rest = n - at;
    if (n >= 8) {
      // The word ending at the line's end, shifted down past the bytes already hashed (the
      // same value as the zero-padded rest, read in one load).
      w = word(n - 8) >> (8 * (8 - rest));
    } else {
      for (size_t i = 0; i < rest; ++i)
        w |= static_cast<uint64_t>(static_cast<unsigned char>(line[at + i])) << (8 * i);
    }
    a = mix(a, w);
  }
  return mix(mix(mix(a, b), c), d);
}

History::~History() = default;

bool History::open_trace(const std::string& path, std::string& error) {
  return file_.open(path, error);
}

bool TraceFilter::keeps(TimeUs t_us, Kind, std::string_view gid) const {
  if (from_us >= 0 && t_us < from_us) return false;
  if (to_us >= 0 && t_us > to_us) return false;
  // Events of no transaction (faults, pollers, timers) stay: the chosen transactions' stories
  // run through them.
  return gids.empty() || gid.empty() || std::binary_search(gids.begin(), gids.end(), gid);
}

void History::emit_line(std::string_view line, bool to_file) {
  hash_ = trace_hash_line(hash_, line);
  if (file_.is_open() && to_file) {
    file_.write_line(line);
    ++written_;
  }
}

char* History::start_line(size_t more, TimeUs t_us, std::string_view node, Kind kind,
                          std::string_view gid, uint64_t msg, std::string_view peer) {
  line_.clear();
  char* p = line_.room(event_head_bound(node, kind, gid, peer) + more);
  p = put_event_head(p, id_text_.digits24(), id_text_.size(), t_us, node, kind, gid, msg, peer);
  count_event();
  return p;
}

void History::emit_event(TimeUs t_us, std::string_view node, Kind kind, std::string_view gid,
                         std::string_view detail, uint64_t msg, std::string_view peer) {
  line_.clear();
  append_event_line(line_, id_text_.digits24(), id_text_.size(), t_us, node, kind, gid, detail, msg,
                    peer);
  count_event();
  emit_line(line_.view(), to_file(t_us, kind, gid));
}

void History::write_header(const TraceHeader& h) {
  // ordered_json keeps the documented key order (format first) in the header line.
  nlohmann::ordered_json nodes = nlohmann::ordered_json::array();
  for (const auto& n : h.nodes) {
    nlohmann::ordered_json node;
    node["name"] = n.name;
    node["role"] = n.role;
    node["group"] = n.group;
    nodes.push_back(std::move(node));
  }
  nlohmann::ordered_json header;
  header["format"] = "dtxsim-trace";
  header["version"] = 1;
  header["scenario"] = h.scenario;
  header["pattern"] = h.pattern;
  header["variant"] = h.variant;
  header["seed"] = h.seed;
  header["build"] = h.build;
  header["nodes"] = std::move(nodes);
  emit_line(header.dump());
}

void History::record(TimeUs t_us, std::string_view node, Kind kind, std::string_view gid,
                     Detail detail, uint64_t msg, std::string_view peer) {
  uint64_t id = next_id_;
  emit_event(t_us, node, kind, gid, detail.text(), msg, peer);
  last_t_us_ = t_us;
  if (kept(kind)) keep(id, t_us, node, kind, gid, msg, peer, std::move(detail));
}

void History::record_fields(TimeUs t_us, std::string_view node, Kind kind, std::string_view gid,
                            std::initializer_list<Detail::Field> fields, uint64_t msg,
                            std::string_view peer) {
  record_ordered(t_us, node, kind, gid, FieldOrder(fields), msg, peer, LocalTxn{});
}

void History::record_txn(TimeUs t_us, std::string_view node, Kind kind, std::string_view gid,
                         const LocalTxn& local, std::initializer_list<Detail::Field> more) {
  FieldOrder order(more);
  Detail::Field txn("txn", static_cast<unsigned long long>(local.id));
  Detail::Field holder("holder", static_cast<unsigned long long>(local.holder.value_or(0)));
  order.add(txn);
  if (local.holder) order.add(holder);
  record_ordered(t_us, node, kind, gid, order, 0, {}, local);
}

void History::record_ordered(TimeUs t_us, std::string_view node, Kind kind, std::string_view gid,
                             const FieldOrder& order, uint64_t msg, std::string_view peer,
                             const LocalTxn& local) {
  uint64_t id = next_id_;
  // The whole line in one reservation: head, detail object, closing brace.
  char* p = start_line(12 + order.bound, t_us, node, kind, gid, msg, peer);
  p = put_text(p, ",\"detail\":"sv);
  char* detail = p;
  p = put_fields(p, order);
  std::string_view detail_text(detail, static_cast<size_t>(p - detail));
  *p++ = '}';
  line_.set_end(p);
  emit_line(line_.view(), to_file(t_us, kind, gid));
  last_t_us_ = t_us;
  if (kept(kind))
    keep(id, t_us, node, kind, gid, msg, peer, Detail::from_text(std::string(detail_text)), local);
}

LineBuffer& History::begin_traced(TimeUs t_us, std::string_view node, Kind kind,
                                  std::string_view gid) {
  traced_ = {next_id_, t_us, kind, node, gid, 0};
  line_.set_end(put_text(start_line(12, t_us, node, kind, gid, 0, {}), ",\"detail\":"sv));
  traced_.detail_at = line_.view().size();
  return line_;
}

void History::end_traced() {
  line_.append("}"sv);
  emit_line(line_.view(), to_file(traced_.t_us, traced_.kind, traced_.gid));
  last_t_us_ = traced_.t_us;
  if (!kept(traced_.kind)) return;
  Detail detail;
  if (keep_traced_details_) {  // the line is {...,"detail":DETAIL}
    std::string_view line = line_.view();
    detail = Detail::from_text(
        std::string(line.substr(traced_.detail_at, line.size() - traced_.detail_at - 1)));
  }
  keep(traced_.id, traced_.t_us, traced_.node, traced_.kind, traced_.gid, 0, {}, std::move(detail));
}

void History::keep(uint64_t id, TimeUs t_us, std::string_view node, Kind kind, std::string_view gid,
                   uint64_t msg, std::string_view peer, Detail detail, const LocalTxn& local) {
  bool store = stored(kind);
  Event scratch;
  Event& e = store ? events_.emplace_back() : scratch;
  e.id = id;
  e.t_us = t_us;
  e.node = node;
  e.kind = kind;
  e.gid = gid;
  e.msg = msg;
  e.peer = peer;
  e.detail = std::move(detail);
  e.local = local;
  if (sink_ && sink_kind_[static_cast<size_t>(kind)]) sink_->add(e);
}

void History::set_sink(EventSink* sink, std::span<const Kind> kinds) {
  sink_ = sink;
  sink_kind_.reset();
  for (Kind k : kinds) sink_kind_.set(static_cast<size_t>(k));
}

std::string History::trace_hash_hex() const {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, hash_);
  return buf;
}

bool History::finish(const std::vector<Json>& violations, const std::vector<Json>& findings,
                     TimeUs t_end_us) {
  if (!file_.is_open()) return true;
  auto trailer = [this](const char* kind, const std::vector<Json>& lines) {
    for (const auto& v : lines) {
      Json line = {{"kind", kind}};
      for (auto it = v.begin(); it != v.end(); ++it) line[it.key()] = it.value();
      file_.write_line(line.dump());
    }
  };
  trailer("violation", violations);
  trailer("finding", findings);
  Json end = {
      {"kind", "end"}, {"events", next_id_}, {"trace_hash", trace_hash_hex()}, {"t_end", t_end_us}};
  if (filter_.active()) {  // the file holds some events: say which, and how many
    Json f = Json::object();
    if (!filter_.gids.empty()) f["gids"] = filter_.gids;
    if (filter_.from_us >= 0) f["from"] = filter_.from_us;
    if (filter_.to_us >= 0) f["to"] = filter_.to_us;
    end["filter"] = std::move(f);
    end["written"] = written_ - 1;  // event lines (the header is not one)
  }
  file_.write_line(end.dump());
  return file_.close();
}

}  // namespace dtx
