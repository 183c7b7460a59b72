// TraceModel: a dtxsim trace (TRACE_FORMAT.md) loaded and indexed for the viewer, with no UI code.
// Guarantees: events are time-sorted; every per-lane, per-gid and interval index is sorted so a
// visible slice is two binary searches; loading never throws, it records LoadIssues instead.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dtxview {

inline constexpr uint32_t kNone = 0xffffffffu;
inline constexpr uint16_t kNoLane = 0xffffu;
inline constexpr uint64_t kNoMsg = 0;  // the writer uses msg 0 for "no message"
inline constexpr uint16_t kNoType = 0xffffu;

enum class Kind : uint8_t {
  send,
  deliver,
  drop,
  duplicate,
  timeout,
  db_begin,
  db_exec,
  db_lock_wait,
  db_prepare,
  db_commit,
  db_rollback,
  crash,
  restart,
  pause,
  resume,
  partition,
  heal,
  clog,
  unclog,
  fault,
  broker,
  checkback,
  retry,
  branch_call,
  gtx,
  effect,
  note,
  other
};

struct Event {
  int64_t t_us = 0;
  uint64_t id = 0;
  uint64_t msg = kNoMsg;
  uint64_t text_offset = 0;  // the raw JSON line inside TraceModel::text()
  uint32_t text_len = 0;
  uint32_t line = 0;           // 1-based line number in the file
  uint32_t detail_offset = 0;  // raw `detail` object, relative to the line; len 0 = none
  uint32_t detail_len = 0;
  uint32_t gid = kNone;
  uint32_t span = kNone;   // local transaction this event belongs to
  uint32_t arrow = kNone;  // message arrow this event starts (send) or ends (deliver/drop)
  uint16_t lane = 0;
  uint16_t peer = kNoLane;
  uint16_t kind_name = 0;       // index into TraceModel::kind_names()
  uint16_t msg_type = kNoType;  // detail.type (a message's type), index into msg_types()
  Kind kind = Kind::other;
};

struct Node {
  std::string name;
  std::string role;
  std::string group;
  uint32_t group_index = 0;
  bool declared = true;  // false: seen in events but missing from the header
};

// Items ordered by time, with their times alongside so lookups stay in one cache-friendly array.
struct TimeIndex {
  std::vector<int64_t> t_us;
  std::vector<uint32_t> event;

  void push(int64_t t, uint32_t ev) { t_us.push_back(t), event.push_back(ev); }
  size_t size() const { return event.size(); }
  // Positions [first, last) of the items with t0 <= t <= t1.
  std::pair<size_t, size_t> slice(int64_t t0_us, int64_t t1_us) const;
};

struct Group {
  std::string name;
  std::vector<uint16_t> lanes;
  TimeIndex events;
};

enum class SpanOutcome : uint8_t { committed, rolled_back, in_doubt, open };

struct Span {
  int64_t begin_us = 0;
  int64_t end_us = 0;
  int64_t prepare_us = -1;  // -1: never prepared
  uint32_t begin_event = kNone;
  uint32_t end_event = kNone;  // kNone: still open when the trace ends
  uint32_t gid = kNone;
  uint32_t exec_count = 0;
  uint16_t lane = 0;
  uint8_t row = 0;  // sub-row on the lane, so concurrent transactions do not overlap
  SpanOutcome outcome = SpanOutcome::open;
  std::string txn;
};

// Intervals sorted by begin; max_end_us is a running maximum, so it is sorted too and the first
// interval that can reach t0 is found by binary search even when intervals overlap.
struct IntervalIndex {
  std::vector<uint32_t> item;
  std::vector<int64_t> begin_us;
  std::vector<int64_t> max_end_us;

  void push(uint32_t it, int64_t begin, int64_t end);
  size_t size() const { return item.size(); }
  // Candidate positions [first, last): all intervals overlapping [t0, t1] lie inside.
  std::pair<size_t, size_t> overlapping(int64_t t0_us, int64_t t1_us) const;
};

enum class BandKind : uint8_t { down, paused, clogged };

struct Band {
  int64_t begin_us = 0;
  int64_t end_us = 0;
  uint32_t begin_event = kNone;
  uint32_t end_event = kNone;  // kNone: not closed before the trace ends
  uint16_t lane = 0;
  uint16_t peer = kNoLane;  // the other end of a clogged link
  BandKind kind = BandKind::down;
};

struct Partition {
  std::string name;
  int64_t begin_us = 0;
  int64_t end_us = 0;
  uint32_t begin_event = kNone;
  uint32_t end_event = kNone;
  std::vector<std::pair<uint16_t, uint16_t>> cut;
  std::vector<uint16_t> lanes;  // every lane that loses a link, sorted
};

enum class ArrowState : uint8_t { delivered, dropped, duplicate, in_flight };

struct Arrow {
  int64_t send_us = 0;
  int64_t end_us = 0;
  uint32_t send_event = kNone;
  uint32_t end_event = kNone;
  uint64_t msg = kNoMsg;
  uint16_t from = 0;
  uint16_t to = 0;
  uint16_t type = kNoType;  // the message's type (its send's detail.type), for the label
  ArrowState state = ArrowState::in_flight;
};

struct Violation {
  std::string invariant;
  std::string gid_text;
  std::string message;
  uint32_t gid = kNone;
  std::vector<uint32_t> events;  // event indices, time order
  uint32_t line = 0;
};

// A finding trailer line: violations grouped by cause, with one example's causal chain.
enum class StepMark : uint8_t { none, decisive, fault, evidence };

struct FindingStep {
  uint64_t id = 0;
  int64_t t_us = 0;
  std::string node;
  std::string text;
  StepMark mark = StepMark::none;
  uint32_t event = kNone;   // the event the step names, kNone when the id is not in the trace
  uint16_t lane = kNoLane;  // the node's lane, kNoLane when the node is unknown
};

struct Finding {
  uint32_t n = 0;  // 1-based, as the trace numbers them
  std::vector<std::string> invariants;
  uint64_t count = 0;  // transactions the finding groups
  std::string gid_text;
  uint32_t gid = kNone;
  std::vector<std::string> gids;
  std::string cause;
  std::string signature;
  std::vector<FindingStep> steps;  // history order
  uint32_t line = 0;

  // The index of the decisive step, or kNone.
  uint32_t decisive() const;
  // First and last step times ({0, 0} without steps).
  std::pair<int64_t, int64_t> time_span() const;
};

struct LoadIssue {
  uint32_t line = 0;  // 0: about the file as a whole
  std::string what;
};

struct TraceHeader {
  std::string scenario, pattern, variant, build;
  uint64_t seed = 0;
  bool present = false;
};

// A run of adjacent items drawn as one: positions [first, first + count) of the folded sequence.
struct Fold {
  uint32_t first = 0;
  uint32_t count = 0;
  int64_t begin_us = 0;
  int64_t end_us = 0;
};

struct ArrowFold {
  uint32_t arrow = 0;  // the arrow drawn
  uint32_t count = 0;  // how many arrows it stands for
};

class TraceModel {
 public:
  static TraceModel load_file(const std::string& path);
  static TraceModel load_text(std::string text, std::string source_name);

  // False when nothing usable was read (file unreadable, or neither header nor events).
  bool readable() const { return readable_; }
  bool complete() const { return has_end_; }
  const std::string& source() const { return source_; }
  const TraceHeader& header() const { return header_; }
  const std::vector<LoadIssue>& issues() const { return issues_; }

  std::span<const Event> events() const { return events_; }
  const Event& event(uint32_t i) const { return events_[i]; }
  uint32_t event_by_id(uint64_t id) const;
  // Index of the first event at or after t (events().size() if none).
  uint32_t first_event_at(int64_t t_us) const;
  std::string_view line_text(const Event& e) const;
  std::string_view detail_text(const Event& e) const;
  std::string_view kind_name(const Event& e) const { return kind_names_[e.kind_name]; }
  const std::vector<std::string>& kind_names() const { return kind_names_; }

  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<Group>& groups() const { return groups_; }
  const TimeIndex& lane_events(uint16_t lane) const { return lane_events_[lane]; }
  const std::vector<IntervalIndex>& span_rows(uint16_t lane) const { return span_rows_[lane]; }
  const IntervalIndex& lane_bands(uint16_t lane) const { return lane_bands_[lane]; }

  const std::vector<Span>& spans() const { return spans_; }
  const std::vector<Band>& bands() const { return bands_; }
  const std::vector<Partition>& partitions() const { return partitions_; }
  const std::vector<Arrow>& arrows() const { return arrows_; }
  const IntervalIndex& arrow_index() const { return arrow_index_; }
  const std::vector<Violation>& violations() const { return violations_; }
  // Finding trailer lines in the file's order (older traces have none).
  const std::vector<Finding>& findings() const { return findings_; }
  // Message types (detail.type of sends) by Arrow::type and Event::msg_type.
  const std::vector<std::string>& msg_types() const { return msg_types_; }

  size_t gid_count() const { return gid_names_.size(); }
  const std::string& gid_name(uint32_t gid) const { return gid_names_[gid]; }
  uint32_t find_gid(std::string_view name) const;
  const TimeIndex& gid_events(uint32_t gid) const { return gid_events_[gid]; }

  int64_t t_begin_us() const { return t_begin_us_; }
  int64_t t_end_us() const { return t_end_us_; }
  // The last transaction event's time (the last event's when none has a gid): the run's end
  // (heal + termination bound) and the ticks of polling loops can lie far beyond it.
  int64_t t_last_event_us() const { return t_last_event_us_; }

  // Event indices (time order) whose kind, node, gid or detail contains `text`, ignoring case.
  std::vector<uint32_t> search(std::string_view text) const;

 private:
  friend class TraceLoader;
  friend class TraceIndexer;

  std::string source_;
  std::string text_;
  bool readable_ = false;
  bool has_end_ = false;
  TraceHeader header_;
  std::vector<LoadIssue> issues_;
  std::vector<Event> events_;
  std::vector<uint32_t> by_id_;  // empty when ids are dense from 0 and in order (the usual case)
  std::vector<std::string> kind_names_;
  std::vector<Node> nodes_;
  std::vector<Group> groups_;
  std::vector<TimeIndex> lane_events_;
  std::vector<std::vector<IntervalIndex>> span_rows_;
  std::vector<IntervalIndex> lane_bands_;
  std::vector<Span> spans_;
  std::vector<Band> bands_;
  std::vector<Partition> partitions_;
  std::vector<Arrow> arrows_;
  IntervalIndex arrow_index_;
  std::vector<Violation> violations_;
  std::vector<Finding> findings_;
  std::vector<std::string> msg_types_;
  std::vector<std::string> gid_names_;
  std::vector<TimeIndex> gid_events_;
  int64_t t_begin_us_ = 0;
  int64_t t_end_us_ = 1;
  int64_t t_last_event_us_ = 1;
};

// Folding: at us_per_px, items closer than min_px pixels become one Fold.
// Instants: a fold starts at an item and takes every later item less than min_px after it.
std::vector<Fold> fold_instants(const TimeIndex& index, std::pair<size_t, size_t> range,
                                double us_per_px, double min_px);
// Intervals of one span row: a span at least min_px wide stands alone; narrow spans separated by
// gaps under min_px merge.
std::vector<Fold> fold_spans(const std::vector<Span>& spans, const IntervalIndex& row,
                             std::pair<size_t, size_t> range, double us_per_px, double min_px);
// Arrows between the same two lanes, in the same state, whose both ends are within min_px of the
// last drawn one merge into it.
std::vector<ArrowFold> fold_arrows(const TraceModel& model, std::pair<size_t, size_t> range,
                                   int64_t view_t0_us, double us_per_px, double min_px);

Kind kind_from_name(std::string_view name);
const char* span_outcome_name(SpanOutcome o);
const char* arrow_state_name(ArrowState s);
const char* step_mark_name(StepMark m);

}  // namespace dtxview
