// The history recorder: every observable step as a typed event, kept in memory for the
// checkers and streamed to a JSON Lines trace (format in TRACE_FORMAT.md). The trace hash
// covers every header and event byte, so equal hashes mean byte-identical traces.
#pragma once

#include <array>
#include <bit>
#include <bitset>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "sim/kernel/chunked.hpp"
#include "sim/kernel/json_put.hpp"
#include "sim/kernel/records.hpp"
#include "sim/kernel/simulator.hpp"
#include "sim/kernel/trace_file.hpp"

namespace dtx::detail {
struct FieldOrder;  // history.cpp: flat fields in key order
}  // namespace dtx::detail

namespace dtx {

using Json = nlohmann::json;

// One kind per line; clang-format 14 re-wraps this macro differently on every pass.
// clang-format off
#define DTX_EVENT_KINDS(X) \
  X(send)                  \
  X(deliver)               \
  X(drop)                  \
  X(duplicate)             \
  X(timeout)               \
  X(db_begin)              \
  X(db_exec)               \
  X(db_lock_wait)          \
  X(db_prepare)            \
  X(db_commit)             \
  X(db_rollback)           \
  X(crash)                 \
  X(restart)               \
  X(pause)                 \
  X(resume)                \
  X(partition)             \
  X(heal)                  \
  X(clog)                  \
  X(unclog)                \
  X(fault)                 \
  X(broker_publish)        \
  X(broker_deliver)        \
  X(broker_ack)            \
  X(broker_nack)           \
  X(broker_redeliver)      \
  X(broker_dlq)            \
  X(broker_half)           \
  X(broker_commit)         \
  X(broker_rollback)       \
  X(broker_discard)        \
  X(checkback)             \
  X(retry)                 \
  X(branch_call)           \
  X(gtx)                   \
  X(effect)                \
  X(alert)                 \
  X(note)
// clang-format on

enum class Kind : uint16_t {
#define DTX_X(name) name,
  DTX_EVENT_KINDS(DTX_X)
#undef DTX_X
};

#define DTX_COUNT(name) +1
constexpr size_t kKindCount = 0 DTX_EVENT_KINDS(DTX_COUNT);
#undef DTX_COUNT

std::string_view kind_name(Kind k);
// Returns false when `name` is not a known kind.
bool kind_from_name(std::string_view name, Kind& out);

// An event's detail: the JSON object text the trace carries (keys in ascending order, as
// nlohmann's object dump gives them), parsed on first use. Details built from a Json keep
// the parsed form too; details built from fields (Detail::of) are only parsed when a
// checker or test asks, which keeps recording cheap.
class Detail {
 public:
  // A flat field of Detail::of: an integer, a boolean or a string; the key is a plain
  // identifier written in the code (it is not escaped).
  struct Field {
    Field(std::string_view k, int v) : key(k), kind(integer), i(v) {}
    Field(std::string_view k, long v) : key(k), kind(integer), i(v) {}
    Field(std::string_view k, long long v) : key(k), kind(integer), i(v) {}
    Field(std::string_view k, unsigned long v) : key(k), kind(unsigned_integer), u(v) {}
    Field(std::string_view k, unsigned long long v) : key(k), kind(unsigned_integer), u(v) {}
    Field(std::string_view k, bool v) : key(k), kind(boolean), i(v) {}
    Field(std::string_view k, std::string_view v) : key(k), kind(string), s(v) {}
    Field(std::string_view k, const std::string& v) : key(k), kind(string), s(v) {}
    Field(std::string_view k, const char* v) : key(k), kind(string), s(v) {}
    std::string_view key;
    enum Kind { integer, unsigned_integer, boolean, string } kind;
    int64_t i = 0;
    uint64_t u = 0;
    std::string_view s;
  };

  Detail() = default;
  Detail(std::nullptr_t) {}
  Detail(Json j);
  // Copies carry the text; the parsed form is made again if a copy is ever read as JSON.
  Detail(const Detail& o) : text_(o.text_), record_(o.record_) {}
  Detail& operator=(const Detail& o) {
    if (this != &o) {
      text_ = o.text_;
      json_.reset();
      record_ = o.record_;
    }
    return *this;
  }
  Detail(Detail&&) noexcept = default;
  Detail& operator=(Detail&&) noexcept = default;
  // A detail object from flat fields, serialized at once (any field order).
  static Detail of(std::initializer_list<Field> fields);
  // A typed record, serialized at once and kept for the checkers to read by field.
  static Detail of(const EffectRecord& r);
  static Detail of(const GtxRecord& r);
  static Detail of(const CheckbackRecord& r);
  // A detail read back from a trace (trace readers): its text, and the typed record events of
  // `kind` carry when the text holds one (check-backs; effects and gtx states are read by
  // field).
  static Detail read(Kind kind, Json detail);
  // The typed record this detail was made from (null when it was made from text or JSON).
  const EffectRecord* effect() const { return record<EffectRecord>(); }
  const GtxRecord* gtx() const { return record<GtxRecord>(); }
  const CheckbackRecord* checkback() const { return record<CheckbackRecord>(); }
  // A detail already serialized as a JSON object.
  static Detail from_text(std::string text);

  bool is_null() const { return text_.empty(); }
  bool is_object() const { return !text_.empty(); }
  const std::string& text() const { return text_; }
  const Json& json() const;
  operator const Json&() const { return json(); }
  // Top-level fields read straight from the text, without parsing the whole detail (the
  // checkers' index reads a few fields of every effect and gtx record).
  bool contains(std::string_view key) const { return !raw(key).empty(); }
  // The field's value as JSON text ("\"debit\"", "-22", "true", "[...]"); empty if absent.
  std::string_view raw(std::string_view key) const;
  // A string field's value (empty when absent or not a string); a view into this detail.
  std::string_view string_field(std::string_view key) const;
  // The same from the field's raw value already found (by raw or json_fields).
  std::string_view string_value(std::string_view raw, std::string_view key) const;
  // An integer field's value, or `fallback` when absent or not an integer.
  int64_t integer_field(std::string_view key, int64_t fallback = 0) const;
  // The field's value, or `fallback` when the detail has no such field.
  template <typename T>
  auto value(const char* key, T&& fallback) const {
    return json().value(key, std::forward<T>(fallback));
  }
  // The field's value; throws when the detail has no such field.
  const Json& operator[](std::string_view key) const { return json().at(key); }

 private:
  std::string text_;
  mutable std::unique_ptr<Json> json_;  // the parsed text, made on first use
  template <class R>
  const R* record() const {
    return record_ ? std::get_if<R>(record_.get()) : nullptr;
  }
  std::shared_ptr<const Record> record_;
};

struct Event {
  uint64_t id = 0;
  TimeUs t_us = 0;
  std::string node;
  Kind kind = Kind::note;
  std::string gid;
  uint64_t msg = 0;  // 0: none
  std::string peer;
  Detail detail;   // none: is_null()
  LocalTxn local;  // db_* events: the local transaction (written in the detail as txn, holder)
};

// The recorded events, in chunks: recording never moves earlier events.
using EventLog = Chunked<Event>;

struct NodeInfo {
  std::string name;
  std::string role;
  std::string group;
};

struct TraceHeader {
  std::string scenario;
  std::string pattern;
  std::string variant;
  uint64_t seed = 0;
  std::string build;
  std::vector<NodeInfo> nodes;
};

std::string build_id();
// Reading JSON text without building values (details and payloads our own code wrote):
// a top-level field of an object as raw JSON text (empty when absent or malformed), the raw
// elements of an array, and scalar values from raw text (false when not of that type).
std::string_view json_field(std::string_view object_text, std::string_view key);
// A trace line under construction: text written by pointer into room made in advance
// (room(n), then set_end at the end of what was written). Grows geometrically and never
// clears or zero-fills its buffer, so building a line costs only the writing.
class LineBuffer {
 public:
  char* room(size_t n) {
    if (n > cap_ - size_) grow(n);
    return data_.get() + size_;
  }
  void set_end(char* p) { size_ = static_cast<size_t>(p - data_.get()); }
  void append(std::string_view s) { set_end(put_text(room(s.size()), s)); }
  void clear() { size_ = 0; }
  size_t size() const { return size_; }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  void grow(size_t n);
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t cap_ = 0;
};
void json_elements(std::string_view array_text, std::vector<std::string_view>& out);
// Several top-level fields in one pass: out[i] = the raw value of keys[i] (empty if absent;
// the first occurrence counts, as in json_field).
void json_fields(std::string_view object_text, std::initializer_list<std::string_view> keys,
                 std::string_view* out);
// A raw JSON string's characters when it has no escapes; empty otherwise (not a string, or
// escaped text that must be decoded).
std::string_view plain_json_string(std::string_view raw);
bool json_string_value(std::string_view raw, std::string& out);
bool json_integer_value(std::string_view raw, int64_t& out);
std::string event_to_line(const Event& e);
void append_json(std::string& out, const Json& j);
// The trace hash step for one line (without its newline); see TRACE_FORMAT.md.
uint64_t trace_hash_line(uint64_t hash, std::string_view line);
constexpr uint64_t kTraceHashSeed = 0xcbf29ce484222325ull;

// Receives each recorded event of the kinds it asked for, as it is recorded (the checkers
// build their state this way, so a run need not keep its events).
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void add(const Event& e) = 0;
};

// Which events a trace file keeps (the trace hash still covers every event of the run):
// those of the chosen gids and those of no transaction (faults, pollers, timers: the chosen
// transactions' stories run through them), and only within [from_us, to_us].
struct TraceFilter {
  std::vector<std::string> gids;  // sorted; empty: every gid
  TimeUs from_us = -1;            // -1: from the start
  TimeUs to_us = -1;              // -1: to the end
  bool active() const { return !gids.empty() || from_us >= 0 || to_us >= 0; }
  bool keeps(TimeUs t_us, Kind kind, std::string_view gid) const;
};

class History {
 public:
  History() = default;
  History(const History&) = delete;
  History& operator=(const History&) = delete;
  ~History();

  // Streams to `path` from now on (gzip-compressed when it ends in ".gz"); returns false (and
  // sets `error`) when it cannot open.
  bool open_trace(const std::string& path, std::string& error);
  // Writes only the events `filter` keeps to the trace file (the header and trailer always).
  void set_trace_filter(TraceFilter filter) { filter_ = std::move(filter); }
  void write_header(const TraceHeader& header);

  void record(TimeUs t_us, std::string_view node, Kind kind, std::string_view gid = {},
              Detail detail = nullptr, uint64_t msg = 0, std::string_view peer = {});

  // The same with a flat detail written straight into the trace line (no Detail built when
  // events are not kept in memory).
  void record_fields(TimeUs t_us, std::string_view node, Kind kind, std::string_view gid,
                     std::initializer_list<Detail::Field> fields, uint64_t msg = 0,
                     std::string_view peer = {});
  // A local transaction's event (db_*): `txn` (and `holder` for a lock wait) written into the
  // detail with `more`, and kept typed in Event::local for the checkers and metrics.
  void record_txn(TimeUs t_us, std::string_view node, Kind kind, std::string_view gid,
                  const LocalTxn& local, std::initializer_list<Detail::Field> more = {});

  // Records an event whose detail only the trace needs, written straight into the trace
  // line: begin_traced returns the line ending in `"detail":`, the caller appends the JSON
  // object, end_traced emits the line (node and gid must stay valid until then).
  LineBuffer& begin_traced(TimeUs t_us, std::string_view node, Kind kind, std::string_view gid);
  void end_traced();

  // Appends violation and end trailer lines (not part of the hash) and closes the file.
  // False when the trace file could not be written in full (a full disk, /dev/full).
  bool finish(const std::vector<Json>& violations, const std::vector<Json>& findings,
              TimeUs t_end_us);

  const EventLog& events() const { return events_; }
  // Hands the recorded events over (the history keeps none afterwards).
  EventLog take_events() { return std::move(events_); }
  uint64_t trace_hash() const { return hash_; }
  std::string trace_hash_hex() const;
  // When false, events are hashed and streamed but not kept (benchmarks of huge runs).
  void set_keep_in_memory(bool keep) { keep_ = keep; }
  // Hands every recorded event of these kinds to `sink` (null: none) as it is recorded, kept
  // in memory or not; the sink must outlive the recording.
  void set_sink(EventSink* sink, std::span<const Kind> kinds);
  // Keep the details of events written straight into the trace (db_exec) in memory too, for
  // readers of every statement (the storyteller); off by default, it costs a copy each.
  void set_keep_traced_details(bool on) { keep_traced_details_ = on; }
  // The time of the last event recorded, kept or not (-1: none yet).
  TimeUs last_event_us() const { return last_t_us_; }
  // How many events were recorded, kept or not.
  uint64_t recorded() const { return next_id_; }
  // Off: nothing is recorded (kernel benchmarks measuring the engine alone).
  void set_enabled(bool on) { enabled_ = on; }
  bool enabled() const { return enabled_; }

 private:
  // Hashes an event or header line and writes it to the trace file unless filtered out.
  void emit_line(std::string_view line, bool to_file = true);
  bool to_file(TimeUs t_us, Kind kind, std::string_view gid) const {
    return !filter_.active() || filter_.keeps(t_us, kind, gid);
  }
  // Starts line_ with the next event's head (and counts the event), with room for `more`
  // characters after it; returns where they go.
  char* start_line(size_t more, TimeUs t_us, std::string_view node, Kind kind, std::string_view gid,
                   uint64_t msg, std::string_view peer);
  bool stored(Kind) const { return keep_; }
  bool kept(Kind kind) const {
    return stored(kind) || (sink_ && sink_kind_[static_cast<size_t>(kind)]);
  }
  // Keeps a recorded event in memory (when stored) and hands it to the sink (when it wants it).
  void keep(uint64_t id, TimeUs t_us, std::string_view node, Kind kind, std::string_view gid,
            uint64_t msg, std::string_view peer, Detail detail, const LocalTxn& local = {});
  // Writes an event whose detail is flat fields, straight into its trace line.
  void record_ordered(TimeUs t_us, std::string_view node, Kind kind, std::string_view gid,
                      const detail::FieldOrder& order, uint64_t msg, std::string_view peer,
                      const LocalTxn& local);
  void emit_event(TimeUs t_us, std::string_view node, Kind kind, std::string_view gid,
                  std::string_view detail, uint64_t msg, std::string_view peer);

  EventLog events_;
  LineBuffer line_;  // reused for every event line
  // The event begin_traced started; its strings stay the caller's until end_traced.
  struct Traced {
    uint64_t id = 0;
    TimeUs t_us = 0;
    Kind kind = Kind::note;
    std::string_view node, gid;
    size_t detail_at = 0;  // where the detail starts in line_
  } traced_;
  bool keep_traced_details_ = false;
  uint64_t next_id_ = 0;
  // next_id_ in decimal, counted along with it (each event line starts with its id).
  class DecimalCounter {
   public:
    // The digits, in a buffer of 24 bytes (a writer may copy all 24 and keep size()).
    const char* digits24() const { return digits_; }
    size_t size() const { return n_; }
    void increment() {
      for (size_t i = n_; i-- > 0;) {
        if (digits_[i] != '9') {
          ++digits_[i];
          return;
        }
        digits_[i] = '0';
      }
      std::memmove(digits_ + 1, digits_, n_++);  // 99..9 became 00..0: one digit more
      digits_[0] = '1';
    }

   private:
    char digits_[24] = {'0'};
    size_t n_ = 1;
  } id_text_;
  void count_event() {
    ++next_id_;
    id_text_.increment();
  }
  uint64_t hash_ = kTraceHashSeed;
  TraceOut file_;
  TraceFilter filter_;
  uint64_t written_ = 0;  // event lines written to the file
  bool keep_ = true;
  bool enabled_ = true;
  EventSink* sink_ = nullptr;
  std::bitset<kKindCount> sink_kind_;
  TimeUs last_t_us_ = -1;
};

}  // namespace dtx
