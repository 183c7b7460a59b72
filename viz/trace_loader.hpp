// Internal to dtxview_model: the two passes that fill a TraceModel. TraceLoader reads lines into
// events (trace_load.cpp); TraceIndexer then sorts and pairs them (trace_index.cpp).
// Guarantees: after TraceIndexer::build every index promised by trace_model.hpp is in place.
#pragma once

#include <optional>
#include <unordered_map>

#include "trace_model.hpp"

namespace dtxview {

namespace load_detail {
class LineSax;
struct RawLine;
}  // namespace load_detail
using load_detail::LineSax;
using load_detail::RawLine;

// Detail fields that pairing needs; kept apart because most events have none.
struct EventAux {
  std::string txn;
  std::string name;
  std::vector<std::pair<std::string, std::string>> cut;
};

struct PendingFinding {
  Finding f;
  uint32_t line = 0;
};

struct PendingViolation {
  Violation v;
  std::vector<uint64_t> ids;
  uint32_t line = 0;
};

class TraceLoader {
 public:
  explicit TraceLoader(TraceModel& m) : m_(m) {}
  void load(std::string text);
  void issue(uint32_t line, std::string what);

  std::vector<EventAux> aux_;
  std::vector<uint32_t> aux_of_;  // per event: index into aux_, or kNone
  std::vector<PendingViolation> violations_;
  std::vector<PendingFinding> findings_;
  std::optional<int64_t> end_t_us_;
  bool unsorted_ = false;
  bool ids_gapped_ = false;

 private:
  bool parse_line(LineSax& sax, std::string_view line, size_t offset, uint32_t line_no,
                  bool has_newline);
  void parse_header(std::string_view line, uint32_t line_no);
  void parse_trailer(std::string_view line, uint32_t line_no, bool is_end);
  void parse_finding(std::string_view line, uint32_t line_no);
  void add_event(const RawLine& raw, std::string_view line, size_t offset, uint32_t line_no);
  uint16_t add_node(const std::string& name, const std::string& role, const std::string& group,
                    bool declared);
  uint16_t lane_for(const std::string& name, uint32_t line_no);
  uint16_t msg_type_of(const std::string& type);
  void finish(uint64_t hash, uint32_t last_line);

  TraceModel& m_;
  std::unordered_map<std::string, uint16_t> lane_of_;
  std::unordered_map<std::string, uint32_t> group_of_;
  std::unordered_map<std::string, uint16_t> kind_of_;
  std::unordered_map<std::string, uint32_t> gid_of_;
  std::unordered_map<std::string, uint16_t> type_of_;
  uint16_t last_type_ = kNoType;
  uint64_t events_read_ = 0;
  std::optional<uint64_t> end_events_;
  std::string end_hash_;
  bool end_filtered_ = false;  // written with a filter (run --trace-gids/--trace-window)
  uint32_t end_line_ = 0;
  size_t dropped_issues_ = 0;
  bool seen_end_ = false;
  bool seen_content_ = false;
};

class TraceIndexer {
 public:
  TraceIndexer(TraceModel& m, TraceLoader& loader) : m_(m), l_(loader) {}
  void build();

 private:
  void sort_by_time();
  void index_events();
  void pair_spans();
  void assign_span_rows();
  void pair_messages();
  void pair_bands();
  void pair_partitions();
  void resolve_violations();
  void resolve_findings();
  const EventAux* aux(uint32_t ev) const;

  TraceModel& m_;
  TraceLoader& l_;
};

}  // namespace dtxview
