// The history recorder: every observable step as a typed event, kept in memory for the
// checkers and streamed to a JSON Lines trace (format in TRACE_FORMAT.md). The trace hash is
// FNV-1a 64 over every header and event byte, so equal hashes mean byte-identical traces.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "sim/kernel/simulator.hpp"

namespace dtx {

using Json = nlohmann::json;

#define DTX_EVENT_KINDS(X)                                                                         \
  X(send)                                                                                          \
  X(deliver) X(drop) X(duplicate) X(timeout) X(db_begin) X(db_exec) X(db_lock_wait) X(db_prepare)  \
      X(db_commit) X(db_rollback) X(crash) X(restart) X(pause) X(resume) X(partition) X(heal)      \
          X(clog) X(unclog) X(fault) X(broker_publish) X(broker_deliver) X(broker_ack)             \
              X(broker_nack) X(broker_redeliver) X(broker_dlq) X(broker_half) X(broker_commit)     \
                  X(broker_rollback) X(broker_discard) X(checkback) X(retry) X(branch_call) X(gtx) \
                      X(effect) X(alert) X(note)

enum class Kind : uint16_t {
#define DTX_X(name) name,
  DTX_EVENT_KINDS(DTX_X)
#undef DTX_X
};

std::string_view kind_name(Kind k);
// Returns false when `name` is not a known kind.
bool kind_from_name(std::string_view name, Kind& out);

struct Event {
  uint64_t id = 0;
  TimeUs t_us = 0;
  std::string node;
  Kind kind = Kind::note;
  std::string gid;
  uint64_t msg = 0;  // 0: none
  std::string peer;
  Json detail;  // null: none
};

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
void append_json_string(std::string& out, std::string_view s);
// `detail_text`, when given, is the detail already serialized (it replaces e.detail).
std::string event_to_line(const Event& e, std::string_view detail_text = {});
void append_json(std::string& out, const Json& j);

class History {
 public:
  History() = default;
  History(const History&) = delete;
  History& operator=(const History&) = delete;
  ~History();

  // Streams to `path` from now on; returns false (and sets `error`) when it cannot open.
  bool open_trace(const std::string& path, std::string& error);
  void write_header(const TraceHeader& header);

  const Event& record(Event e);
  const Event& record(TimeUs t_us, std::string_view node, Kind kind, std::string_view gid = {},
                      Json detail = nullptr, uint64_t msg = 0, std::string_view peer = {});

  // Records an event whose detail only the trace needs (statement text and parameters):
  // the serialized detail goes to the trace and hash, the in-memory event keeps none.
  void record_traced_detail(TimeUs t_us, std::string_view node, Kind kind, std::string_view gid,
                            std::string_view detail_text);

  // Appends violation and end trailer lines (not part of the hash) and closes the file.
  void finish(const std::vector<Json>& violations, TimeUs t_end_us);

  const std::vector<Event>& events() const { return events_; }
  uint64_t trace_hash() const { return hash_; }
  std::string trace_hash_hex() const;
  // When false, events are hashed and streamed but not kept (benchmarks of huge runs).
  void set_keep_in_memory(bool keep) { keep_ = keep; }
  // Off: nothing is recorded (kernel benchmarks measuring the engine alone).
  void set_enabled(bool on) { enabled_ = on; }
  bool enabled() const { return enabled_; }

 private:
  void emit_line(const std::string& line);

  std::vector<Event> events_;
  uint64_t next_id_ = 0;
  uint64_t hash_ = 0xcbf29ce484222325ull;
  std::FILE* file_ = nullptr;
  bool keep_ = true;
  bool enabled_ = true;
};

}  // namespace dtx
