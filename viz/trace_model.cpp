// TraceModel queries: id/time lookup, visible slices, folding of items too small to draw, search.
// Guarantees: slice and fold cost O(log n) per returned item, never O(events in the trace), except
// search which scans every event once.
#include "trace_model.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <unordered_map>

namespace dtxview {

std::pair<size_t, size_t> TimeIndex::slice(int64_t t0_us, int64_t t1_us) const {
  auto first = std::lower_bound(t_us.begin(), t_us.end(), t0_us);
  auto last = std::upper_bound(first, t_us.end(), t1_us);
  return {static_cast<size_t>(first - t_us.begin()), static_cast<size_t>(last - t_us.begin())};
}

void IntervalIndex::push(uint32_t it, int64_t begin, int64_t end) {
  item.push_back(it);
  begin_us.push_back(begin);
  max_end_us.push_back(max_end_us.empty() ? end : std::max(max_end_us.back(), end));
}

std::pair<size_t, size_t> IntervalIndex::overlapping(int64_t t0_us, int64_t t1_us) const {
  auto first = std::lower_bound(max_end_us.begin(), max_end_us.end(), t0_us);
  size_t f = static_cast<size_t>(first - max_end_us.begin());
  auto last =
      std::upper_bound(begin_us.begin() + static_cast<std::ptrdiff_t>(f), begin_us.end(), t1_us);
  return {f, static_cast<size_t>(last - begin_us.begin())};
}

uint32_t Finding::decisive() const {
  for (uint32_t i = 0; i < steps.size(); ++i)
    if (steps[i].mark == StepMark::decisive) return i;
  return kNone;
}

std::pair<int64_t, int64_t> Finding::time_span() const {
  if (steps.empty()) return {0, 0};
  auto [lo, hi] = std::minmax_element(steps.begin(), steps.end(),
                                      [](const auto& a, const auto& b) { return a.t_us < b.t_us; });
  return {lo->t_us, hi->t_us};
}

uint32_t TraceModel::event_by_id(uint64_t id) const {
  if (by_id_.empty()) {
    return id < events_.size() && events_[id].id == id ? static_cast<uint32_t>(id) : kNone;
  }
  auto it = std::lower_bound(by_id_.begin(), by_id_.end(), id,
                             [&](uint32_t ev, uint64_t v) { return events_[ev].id < v; });
  return it != by_id_.end() && events_[*it].id == id ? *it : kNone;
}

uint32_t TraceModel::first_event_at(int64_t t_us) const {
  auto it = std::lower_bound(events_.begin(), events_.end(), t_us,
                             [](const Event& e, int64_t t) { return e.t_us < t; });
  return static_cast<uint32_t>(it - events_.begin());
}

std::string_view TraceModel::line_text(const Event& e) const {
  return std::string_view(text_).substr(e.text_offset, e.text_len);
}

std::string_view TraceModel::detail_text(const Event& e) const {
  if (e.detail_len == 0) return {};
  return line_text(e).substr(e.detail_offset, e.detail_len);
}

uint32_t TraceModel::find_gid(std::string_view name) const {
  for (uint32_t g = 0; g < gid_names_.size(); ++g)
    if (gid_names_[g] == name) return g;
  return kNone;
}

namespace {

// Case-insensitive substring test; `needle` is already lower case.
bool contains_folded(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                        [&](char a, char b) { return lower(a) == b; });
  return it != hay.end();
}

}  // namespace

std::vector<uint32_t> TraceModel::search(std::string_view text) const {
  std::vector<uint32_t> out;
  if (text.empty()) return out;
  std::string needle(text);
  for (char& c : needle) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // Lanes, kinds and gids are few: test each name once, not once per event.
  auto names_matching = [&](const auto& names, auto name_of) {
    std::vector<bool> hit(names.size());
    for (size_t i = 0; i < names.size(); ++i) hit[i] = contains_folded(name_of(names[i]), needle);
    return hit;
  };
  auto lane_hit = names_matching(nodes_, [](const Node& n) -> std::string_view { return n.name; });
  auto kind_hit =
      names_matching(kind_names_, [](const std::string& s) -> std::string_view { return s; });
  auto gid_hit =
      names_matching(gid_names_, [](const std::string& s) -> std::string_view { return s; });
  for (uint32_t i = 0; i < events_.size(); ++i) {
    const Event& e = events_[i];
    if (lane_hit[e.lane] || kind_hit[e.kind_name] || (e.gid != kNone && gid_hit[e.gid]) ||
        contains_folded(detail_text(e), needle))
      out.push_back(i);
  }
  return out;
}

std::vector<Fold> fold_instants(const TimeIndex& index, std::pair<size_t, size_t> range,
                                double us_per_px, double min_px) {
  std::vector<Fold> out;
  const auto& t = index.t_us;
  size_t i = range.first;
  while (i < range.second) {
    // Everything strictly closer than min_px to the fold's first item joins it; jump by search.
    double reach = static_cast<double>(t[i]) + min_px * us_per_px;
    int64_t limit = static_cast<int64_t>(std::ceil(reach));
    auto stop = std::lower_bound(t.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                                 t.begin() + static_cast<std::ptrdiff_t>(range.second), limit);
    size_t j = static_cast<size_t>(stop - t.begin());
    out.push_back(Fold{static_cast<uint32_t>(i), static_cast<uint32_t>(j - i), t[i], t[j - 1]});
    i = j;
  }
  return out;
}

std::vector<Fold> fold_spans(const std::vector<Span>& spans, const IntervalIndex& row,
                             std::pair<size_t, size_t> range, double us_per_px, double min_px) {
  std::vector<Fold> out;
  double min_us = min_px * us_per_px;
  auto narrow = [&](const Span& s) { return static_cast<double>(s.end_us - s.begin_us) < min_us; };
  for (size_t i = range.first; i < range.second;) {
    const Span& s = spans[row.item[i]];
    Fold f{static_cast<uint32_t>(i), 1, s.begin_us, s.end_us};
    ++i;
    if (narrow(s)) {
      while (i < range.second) {
        const Span& n = spans[row.item[i]];
        if (!narrow(n) || static_cast<double>(n.begin_us - f.end_us) >= min_us) break;
        f.end_us = std::max(f.end_us, n.end_us);
        ++f.count, ++i;
      }
    }
    out.push_back(f);
  }
  return out;
}

std::vector<ArrowFold> fold_arrows(const TraceModel& model, std::pair<size_t, size_t> range,
                                   int64_t view_t0_us, double us_per_px, double min_px) {
  std::vector<ArrowFold> out;
  // The drawn arrow of each lane pair and state; arrows come in send order so only the latest
  // can absorb (a drawn arrow per pair alone would let interleaved states defeat folding).
  size_t lanes = model.nodes().size();
  std::vector<uint32_t> last_drawn(lanes * lanes * 4, kNone);
  const auto& arrows = model.arrows();
  const auto& index = model.arrow_index();
  auto px = [&](int64_t t) { return static_cast<double>(t - view_t0_us) / us_per_px; };
  for (size_t p = range.first; p < range.second; ++p) {
    const Arrow& a = arrows[index.item[p]];
    uint32_t& drawn = last_drawn[(a.from * lanes + a.to) * 4 + static_cast<size_t>(a.state)];
    if (drawn != kNone) {
      ArrowFold& f = out[drawn];
      const Arrow& d = arrows[f.arrow];
      if (std::abs(px(a.send_us) - px(d.send_us)) < min_px &&
          std::abs(px(a.end_us) - px(d.end_us)) < min_px) {
        ++f.count;
        continue;
      }
    }
    drawn = static_cast<uint32_t>(out.size());
    out.push_back(ArrowFold{index.item[p], 1});
  }
  return out;
}

Kind kind_from_name(std::string_view name) {
  static const std::unordered_map<std::string_view, Kind> kinds = {
      {"send", Kind::send},
      {"deliver", Kind::deliver},
      {"drop", Kind::drop},
      {"duplicate", Kind::duplicate},
      {"timeout", Kind::timeout},
      {"db_begin", Kind::db_begin},
      {"db_exec", Kind::db_exec},
      {"db_lock_wait", Kind::db_lock_wait},
      {"db_prepare", Kind::db_prepare},
      {"db_commit", Kind::db_commit},
      {"db_rollback", Kind::db_rollback},
      {"crash", Kind::crash},
      {"restart", Kind::restart},
      {"pause", Kind::pause},
      {"resume", Kind::resume},
      {"partition", Kind::partition},
      {"heal", Kind::heal},
      {"clog", Kind::clog},
      {"unclog", Kind::unclog},
      {"fault", Kind::fault},
      {"checkback", Kind::checkback},
      {"retry", Kind::retry},
      {"branch_call", Kind::branch_call},
      {"gtx", Kind::gtx},
      {"effect", Kind::effect},
      {"note", Kind::note}};
  auto it = kinds.find(name);
  if (it != kinds.end()) return it->second;
  if (name.starts_with("broker_")) return Kind::broker;
  return Kind::other;
}

const char* span_outcome_name(SpanOutcome o) {
  switch (o) {
    case SpanOutcome::committed:
      return "committed";
    case SpanOutcome::rolled_back:
      return "rolled back";
    case SpanOutcome::in_doubt:
      return "in doubt (prepared, never resolved)";
    case SpanOutcome::open:
      return "open at trace end";
  }
  return "?";
}

const char* step_mark_name(StepMark m) {
  switch (m) {
    case StepMark::decisive:
      return "decisive";
    case StepMark::fault:
      return "fault";
    case StepMark::evidence:
      return "evidence";
    case StepMark::none:
      return "";
  }
  return "";
}

const char* arrow_state_name(ArrowState s) {
  switch (s) {
    case ArrowState::delivered:
      return "delivered";
    case ArrowState::dropped:
      return "dropped";
    case ArrowState::duplicate:
      return "duplicate delivery";
    case ArrowState::in_flight:
      return "in flight at trace end";
  }
  return "?";
}

}  // namespace dtxview
