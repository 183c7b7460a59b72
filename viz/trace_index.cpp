// TraceIndexer: turns the loaded event list into the viewer's indices: per-lane and per-gid time
// indices, transaction spans, message arrows, fault bands and partitions, resolved violations.
// Guarantees: every pairing tolerates missing halves (open spans/bands end at the trace end).
#include <algorithm>
#include <numeric>
#include <unordered_map>

#include "trace_loader.hpp"

namespace dtxview {

namespace {
constexpr uint8_t kMaxSpanRows = 4;  // deeper concurrency shares the last row
}

void TraceIndexer::build() {
  sort_by_time();
  const auto& ev = m_.events_;
  if (!ev.empty()) {
    m_.t_begin_us_ = ev.front().t_us;
    m_.t_end_us_ = std::max(ev.back().t_us, l_.end_t_us_.value_or(ev.back().t_us));
  }
  if (m_.t_end_us_ <= m_.t_begin_us_) m_.t_end_us_ = m_.t_begin_us_ + 1;
  // What happened ends with the last event of a transaction: pollers and cron loops tick on
  // until the run's end without one (a trace with no transaction at all fits its last event).
  m_.t_last_event_us_ = ev.empty() ? m_.t_end_us_ : ev.back().t_us;
  for (auto it = ev.rbegin(); it != ev.rend(); ++it) {
    if (it->gid != kNone) {
      m_.t_last_event_us_ = it->t_us;
      break;
    }
  }
  m_.t_last_event_us_ = std::max(m_.t_last_event_us_, m_.t_begin_us_ + 1);
  index_events();
  pair_spans();
  assign_span_rows();
  pair_messages();
  pair_bands();
  pair_partitions();
  resolve_violations();
  resolve_findings();
}

const EventAux* TraceIndexer::aux(uint32_t ev) const {
  uint32_t a = l_.aux_of_[ev];
  return a == kNone ? nullptr : &l_.aux_[a];
}

void TraceIndexer::sort_by_time() {
  auto& ev = m_.events_;
  if (l_.unsorted_) {
    std::vector<uint32_t> order(ev.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return ev[a].t_us < ev[b].t_us; });
    std::vector<Event> sorted;
    std::vector<uint32_t> aux_of;
    sorted.reserve(ev.size());
    for (uint32_t i : order) sorted.push_back(ev[i]), aux_of.push_back(l_.aux_of_[i]);
    ev = std::move(sorted);
    l_.aux_of_ = std::move(aux_of);
  }
  if (l_.ids_gapped_ || l_.unsorted_) {
    m_.by_id_.resize(ev.size());
    std::iota(m_.by_id_.begin(), m_.by_id_.end(), 0u);
    std::sort(m_.by_id_.begin(), m_.by_id_.end(),
              [&](uint32_t a, uint32_t b) { return ev[a].id < ev[b].id; });
  }
}

void TraceIndexer::index_events() {
  m_.lane_events_.assign(m_.nodes_.size(), {});
  m_.gid_events_.assign(m_.gid_names_.size(), {});
  for (uint32_t i = 0; i < m_.events_.size(); ++i) {
    const Event& e = m_.events_[i];
    m_.lane_events_[e.lane].push(e.t_us, i);
    m_.groups_[m_.nodes_[e.lane].group_index].events.push(e.t_us, i);
    if (e.gid != kNone) m_.gid_events_[e.gid].push(e.t_us, i);
  }
}

void TraceIndexer::pair_spans() {
  // Open transactions per lane, keyed by txn; txn ids are only unique within a database.
  std::vector<std::unordered_map<std::string, uint32_t>> open(m_.nodes_.size());
  auto& spans = m_.spans_;
  for (uint32_t i = 0; i < m_.events_.size(); ++i) {
    Event& e = m_.events_[i];
    if (e.kind < Kind::db_begin || e.kind > Kind::db_rollback) continue;
    const EventAux* a = aux(i);
    if (!a || a->txn.empty()) continue;
    auto& lane_open = open[e.lane];
    auto it = lane_open.find(a->txn);
    if (e.kind == Kind::db_begin) {
      if (it != lane_open.end()) {
        l_.issue(e.line,
                 "db_begin of txn " + a->txn + " while it is still open; old span left open");
        spans[it->second].end_us = e.t_us;
      }
      Span s;
      s.begin_us = s.end_us = e.t_us;
      s.begin_event = i;
      s.gid = e.gid;
      s.lane = e.lane;
      s.txn = a->txn;
      e.span = static_cast<uint32_t>(spans.size());
      lane_open[a->txn] = e.span;
      spans.push_back(std::move(s));
      continue;
    }
    if (it == lane_open.end()) continue;  // statement outside a known transaction: a plain mark
    Span& s = spans[it->second];
    e.span = it->second;
    s.end_us = e.t_us;
    if (s.gid == kNone) s.gid = e.gid;
    if (e.kind == Kind::db_exec) ++s.exec_count;
    if (e.kind == Kind::db_prepare) s.prepare_us = e.t_us;
    if (e.kind == Kind::db_commit || e.kind == Kind::db_rollback) {
      s.end_event = i;
      s.outcome = e.kind == Kind::db_commit ? SpanOutcome::committed : SpanOutcome::rolled_back;
      lane_open.erase(it);
    }
  }
  for (auto& lane_open : open) {
    for (auto& [txn, si] : lane_open) {
      Span& s = spans[si];
      s.end_us = m_.t_end_us_;
      s.outcome = s.prepare_us >= 0 ? SpanOutcome::in_doubt : SpanOutcome::open;
    }
  }
}

void TraceIndexer::assign_span_rows() {
  m_.span_rows_.assign(m_.nodes_.size(), {});
  std::vector<std::vector<int64_t>> row_end(m_.nodes_.size());
  // Spans were created in begin order, so a greedy first-free-row pass packs them.
  for (uint32_t si = 0; si < m_.spans_.size(); ++si) {
    Span& s = m_.spans_[si];
    auto& ends = row_end[s.lane];
    uint8_t row = 0;
    while (row < ends.size() && ends[row] > s.begin_us) ++row;
    if (row >= kMaxSpanRows) row = kMaxSpanRows - 1;
    if (row >= ends.size()) ends.push_back(s.end_us), m_.span_rows_[s.lane].emplace_back();
    ends[row] = std::max(ends[row], s.end_us);
    s.row = row;
    m_.span_rows_[s.lane][row].push(si, s.begin_us, s.end_us);
  }
}

void TraceIndexer::pair_messages() {
  std::unordered_map<uint64_t, uint32_t> sent;  // msg -> its first arrow
  auto& arrows = m_.arrows_;
  size_t orphans = 0;
  uint32_t first_orphan_line = 0;
  for (uint32_t i = 0; i < m_.events_.size(); ++i) {
    Event& e = m_.events_[i];
    if (e.msg == kNoMsg) continue;
    if (e.kind == Kind::send) {
      Arrow a;
      a.send_us = a.end_us = e.t_us;
      a.send_event = i;
      a.msg = e.msg;
      a.from = e.lane;
      a.to = e.peer == kNoLane ? e.lane : e.peer;
      a.type = e.msg_type;
      e.arrow = static_cast<uint32_t>(arrows.size());
      sent[e.msg] = e.arrow;
      arrows.push_back(a);
    } else if (e.kind == Kind::deliver || e.kind == Kind::drop) {
      auto it = sent.find(e.msg);
      if (it == sent.end()) {
        if (orphans++ == 0) first_orphan_line = e.line;
        continue;
      }
      uint32_t ai = it->second;
      if (arrows[ai].end_event != kNone) {  // a second arrival: the duplicate
        Arrow copy = arrows[ai];
        ai = static_cast<uint32_t>(arrows.size());
        arrows.push_back(copy);
      }
      Arrow& a = arrows[ai];
      a.end_us = e.t_us;
      a.end_event = i;
      a.to = e.lane;
      if (a.type == kNoType) a.type = e.msg_type;
      a.state = e.kind == Kind::drop ? ArrowState::dropped : ArrowState::delivered;
      if (ai != it->second && e.kind == Kind::deliver) a.state = ArrowState::duplicate;
      e.arrow = ai;
    }
  }
  if (orphans > 0)
    l_.issue(first_orphan_line,
             std::to_string(orphans) + " deliver/drop events have no send in the trace");
  for (Arrow& a : arrows)
    if (a.end_event == kNone) a.end_us = m_.t_end_us_;
  // Duplicates were appended late; order by send time so the interval index holds.
  std::vector<uint32_t> order(arrows.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return arrows[a].send_us < arrows[b].send_us; });
  std::vector<uint32_t> new_pos(arrows.size());
  std::vector<Arrow> sorted;
  sorted.reserve(arrows.size());
  for (uint32_t p = 0; p < order.size(); ++p)
    new_pos[order[p]] = p, sorted.push_back(arrows[order[p]]);
  arrows = std::move(sorted);
  for (Event& e : m_.events_)
    if (e.arrow != kNone) e.arrow = new_pos[e.arrow];
  for (uint32_t p = 0; p < arrows.size(); ++p)
    m_.arrow_index_.push(p, arrows[p].send_us, arrows[p].end_us);
}

void TraceIndexer::pair_bands() {
  struct Open {
    uint32_t down = kNone, paused = kNone;
    std::unordered_map<uint16_t, uint32_t> clogged;  // by peer
  };
  std::vector<Open> open(m_.nodes_.size());
  auto& bands = m_.bands_;
  auto start = [&](uint32_t& slot, uint32_t i, BandKind kind) {
    if (slot != kNone) return;  // already down/paused: the first start wins
    const Event& e = m_.events_[i];
    slot = static_cast<uint32_t>(bands.size());
    bands.push_back(Band{e.t_us, m_.t_end_us_, i, kNone, e.lane, e.peer, kind});
  };
  auto stop = [&](uint32_t& slot, uint32_t i) {
    if (slot == kNone) return;
    bands[slot].end_us = m_.events_[i].t_us;
    bands[slot].end_event = i;
    slot = kNone;
  };
  for (uint32_t i = 0; i < m_.events_.size(); ++i) {
    const Event& e = m_.events_[i];
    Open& o = open[e.lane];
    switch (e.kind) {
      case Kind::crash:
        start(o.down, i, BandKind::down);
        break;
      case Kind::restart:
        stop(o.down, i);
        break;
      case Kind::pause:
        start(o.paused, i, BandKind::paused);
        break;
      case Kind::resume:
        stop(o.paused, i);
        break;
      case Kind::clog: {
        auto [it, fresh] = o.clogged.try_emplace(e.peer, kNone);
        start(it->second, i, BandKind::clogged);
        break;
      }
      case Kind::unclog: {
        auto it = o.clogged.find(e.peer);
        if (it != o.clogged.end()) stop(it->second, i);
        break;
      }
      default:
        break;
    }
  }
  m_.lane_bands_.assign(m_.nodes_.size(), {});
  std::vector<uint32_t> order(bands.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return bands[a].begin_us < bands[b].begin_us; });
  for (uint32_t b : order)
    m_.lane_bands_[bands[b].lane].push(b, bands[b].begin_us, bands[b].end_us);
}

void TraceIndexer::pair_partitions() {
  std::unordered_map<std::string, uint32_t> open;  // by detail.name
  std::unordered_map<std::string, uint16_t> lane_of;
  for (uint16_t l = 0; l < m_.nodes_.size(); ++l) lane_of[m_.nodes_[l].name] = l;
  for (uint32_t i = 0; i < m_.events_.size(); ++i) {
    const Event& e = m_.events_[i];
    if (e.kind != Kind::partition && e.kind != Kind::heal) continue;
    const EventAux* a = aux(i);
    std::string name = a ? a->name : std::string();
    if (e.kind == Kind::heal) {
      auto it = open.find(name);
      if (it == open.end()) continue;
      m_.partitions_[it->second].end_us = e.t_us;
      m_.partitions_[it->second].end_event = i;
      open.erase(it);
      continue;
    }
    Partition p;
    p.name = name;
    p.begin_us = e.t_us;
    p.end_us = m_.t_end_us_;
    p.begin_event = i;
    if (a) {
      for (const auto& [x, y] : a->cut) {
        auto ix = lane_of.find(x), iy = lane_of.find(y);
        if (ix == lane_of.end() || iy == lane_of.end()) continue;
        p.cut.emplace_back(ix->second, iy->second);
        p.lanes.push_back(ix->second), p.lanes.push_back(iy->second);
      }
    }
    std::sort(p.lanes.begin(), p.lanes.end());
    p.lanes.erase(std::unique(p.lanes.begin(), p.lanes.end()), p.lanes.end());
    open[name] = static_cast<uint32_t>(m_.partitions_.size());
    m_.partitions_.push_back(std::move(p));
  }
}

void TraceIndexer::resolve_violations() {
  for (PendingViolation& pv : l_.violations_) {
    Violation v = std::move(pv.v);
    v.gid = m_.find_gid(v.gid_text);
    size_t unknown = 0;
    for (uint64_t id : pv.ids) {
      uint32_t ev = m_.event_by_id(id);
      if (ev == kNone)
        ++unknown;
      else
        v.events.push_back(ev);
    }
    if (unknown > 0)
      l_.issue(v.line,
               "violation cites " + std::to_string(unknown) + " event ids not in the trace");
    std::sort(v.events.begin(), v.events.end());
    m_.violations_.push_back(std::move(v));
  }
}

// Steps name events by id; a step whose id is missing keeps its own time and node, so the story
// still reads and still marks the right lane.
void TraceIndexer::resolve_findings() {
  std::unordered_map<std::string, uint16_t> lane_of;
  for (uint16_t l = 0; l < m_.nodes_.size(); ++l) lane_of[m_.nodes_[l].name] = l;
  for (PendingFinding& pf : l_.findings_) {
    Finding f = std::move(pf.f);
    f.gid = m_.find_gid(f.gid_text);
    size_t unknown = 0;
    for (FindingStep& st : f.steps) {
      st.event = m_.event_by_id(st.id);
      if (st.event == kNone) {
        ++unknown;
      } else {
        const Event& e = m_.events_[st.event];
        if (st.t_us < 0) st.t_us = e.t_us;
        if (st.node.empty()) st.node = m_.nodes_[e.lane].name;
      }
      auto it = lane_of.find(st.node);
      st.lane = it != lane_of.end() ? it->second
                                    : (st.event != kNone ? m_.events_[st.event].lane : kNoLane);
      if (st.t_us < 0) st.t_us = m_.t_begin_us_;
    }
    if (unknown > 0)
      l_.issue(pf.line, "finding " + std::to_string(f.n) + " names " + std::to_string(unknown) +
                            " event ids not in the trace");
    m_.findings_.push_back(std::move(f));
  }
}

}  // namespace dtxview
