// AppState: selection, focus, search and step logic shared by the views.
// Guarantees: focus_ and search_hits_ stay sorted (event index order = time order).
#include "app_state.hpp"

#include <algorithm>
#include <utility>

namespace dtxview {

namespace {
bool sorted_contains(const std::vector<uint32_t>& v, uint32_t x) {
  return std::binary_search(v.begin(), v.end(), x);
}
}  // namespace

void AppState::set_model(TraceModel model) {
  model_ = std::move(model);
  ++generation_;
  view_.set_limits(static_cast<double>(model_.t_begin_us()),
                   static_cast<double>(model_.t_end_us()));
  // A margin of 2% after the last event, so its marks are not cut by the edge.
  double begin = static_cast<double>(model_.t_begin_us());
  double last = static_cast<double>(model_.t_last_event_us());
  view_.set_fit_end(last + 0.02 * (last - begin));
  view_.fit_all();
  selected_event_ = selected_gid_ = selected_violation_ = kNone;
  selected_finding_ = finding_step_ = kNone;
  evidence_.clear();
  playing_ = false;
  rebuild_hits();
}

void AppState::select_event(uint32_t ev, bool center) {
  if (ev != kNone && ev >= model_.events().size()) return;
  selected_event_ = ev;
  log_scroll_ = ev != kNone;
  if (center && ev != kNone) view_.center_on(static_cast<double>(model_.event(ev).t_us));
}

void AppState::select_gid(uint32_t gid) {
  selected_gid_ = gid < model_.gid_count() ? gid : kNone;
  rebuild_focus();
}

void AppState::select_violation(uint32_t v) {
  if (v >= model_.violations().size()) {
    selected_violation_ = kNone;
    evidence_.clear();
    return;
  }
  selected_violation_ = v;
  selected_finding_ = finding_step_ = kNone;
  const Violation& vi = model_.violations()[v];
  evidence_ = vi.events;
  if (vi.gid != kNone) select_gid(vi.gid);
  if (evidence_.empty()) return;
  double a = static_cast<double>(model_.event(evidence_.front()).t_us);
  double b = static_cast<double>(model_.event(evidence_.back()).t_us);
  double pad = std::max((b - a) * 0.15, 200.0);  // evidence never sits on the edges
  view_.zoom_to_range(a - pad, b + pad);
  select_event(evidence_.front(), false);
}

std::pair<double, double> finding_view_range(const Finding& f) {
  auto [lo, hi] = f.time_span();
  double a = static_cast<double>(lo), b = static_cast<double>(hi);
  if (b - a < 1) return {a - 1000, b + 1000};
  double pad = std::max((b - a) * 0.08, 20.0);
  return {a - pad, b + 1.5 * pad};  // badges sit right of their events
}

void AppState::select_finding(uint32_t f) {
  finding_step_ = kNone;
  if (f >= model_.findings().size()) {
    selected_finding_ = kNone;
    return;
  }
  selected_finding_ = f;
  selected_violation_ = kNone;
  evidence_.clear();
  const Finding& fi = model_.findings()[f];
  if (fi.gid != kNone) select_gid(fi.gid);
  if (fi.steps.empty()) return;
  auto [a, b] = finding_view_range(fi);
  view_.zoom_to_range(a, b);
  uint32_t decisive = fi.decisive();
  select_event(fi.steps[decisive == kNone ? 0 : decisive].event, false);
}

void AppState::set_finding_step(uint32_t k) {
  const Finding* fi = finding();
  if (!fi || k >= fi->steps.size()) {
    finding_step_ = kNone;
    return;
  }
  finding_step_ = k;
  const FindingStep& st = fi->steps[k];
  if (st.event != kNone) select_event(st.event, false);
  // Centred on the step, wide enough that the whole story stays on screen around it.
  auto [lo, hi] = fi->time_span();
  double t = static_cast<double>(st.t_us);
  double half = std::max(t - static_cast<double>(lo), static_cast<double>(hi) - t) * 1.1 + 20;
  view_.zoom_to_range(t - half, t + half);
}

void AppState::step_finding(int delta) {
  const Finding* fi = finding();
  if (!fi || fi->steps.empty() || delta == 0) return;
  auto n = static_cast<int64_t>(fi->steps.size());
  int64_t k = finding_step_ == kNone ? (delta > 0 ? 0 : n - 1) : finding_step_ + delta;
  set_finding_step(static_cast<uint32_t>(std::clamp<int64_t>(k, 0, n - 1)));
}

bool AppState::is_evidence(uint32_t ev) const {
  return sorted_contains(evidence_, ev);
}

void AppState::set_search(std::string text) {
  search_text_ = std::move(text);
  rebuild_hits();
}

bool AppState::is_hit(uint32_t ev) const {
  return sorted_contains(search_hits_, ev);
}

void AppState::set_filter(bool on) {
  filter_ = on;
  rebuild_focus();
}

bool AppState::in_focus(uint32_t ev) const {
  return !focusing_ || sorted_contains(focus_, ev);
}

void AppState::rebuild_hits() {
  search_hits_ = model_.search(search_text_);
  hits_by_lane_.assign(model_.nodes().size(), {});
  for (uint32_t ev : search_hits_) {
    const Event& e = model_.event(ev);
    hits_by_lane_[e.lane].push(e.t_us, ev);
  }
  rebuild_focus();
}

void AppState::rebuild_focus() {
  bool by_search = filter_ && !search_text_.empty();
  focusing_ = selected_gid_ != kNone || by_search;
  focus_.clear();
  if (selected_gid_ != kNone) {
    const auto& g = model_.gid_events(selected_gid_).event;
    if (by_search) {
      std::set_intersection(g.begin(), g.end(), search_hits_.begin(), search_hits_.end(),
                            std::back_inserter(focus_));
    } else {
      focus_ = g;
    }
  } else if (by_search) {
    focus_ = search_hits_;
  }
  focus_by_lane_.assign(model_.nodes().size(), {});
  for (uint32_t ev : focus_) {
    const Event& e = model_.event(ev);
    focus_by_lane_[e.lane].push(e.t_us, ev);
  }
}

void AppState::step(int delta) {
  uint32_t n = static_cast<uint32_t>(model_.events().size());
  if (n == 0 || delta == 0) return;
  uint32_t next = kNone;
  if (focusing_) {
    if (focus_.empty()) return;
    auto it = std::lower_bound(focus_.begin(), focus_.end(), selected_event_);
    if (selected_event_ == kNone) {
      next = delta > 0 ? focus_.front() : focus_.back();
    } else if (delta > 0) {
      if (it != focus_.end() && *it == selected_event_) ++it;
      next = it == focus_.end() ? kNone : *it;
    } else {
      next = it == focus_.begin() ? kNone : *(it - 1);
    }
  } else if (selected_event_ == kNone) {
    // Start from what is on screen, the natural place for a teacher to begin.
    next = delta > 0
               ? std::min(model_.first_event_at(static_cast<int64_t>(view_.start_us())), n - 1)
               : n - 1;
  } else if (delta > 0) {
    next = selected_event_ + 1 < n ? selected_event_ + 1 : kNone;
  } else {
    next = selected_event_ > 0 ? selected_event_ - 1 : kNone;
  }
  if (next == kNone) {
    playing_ = false;  // ran off the end
    return;
  }
  select_event(next, true);
}

void AppState::advance_play(double dt_s) {
  if (!playing_) return;
  play_carry_ += dt_s * play_events_per_s_;
  int steps = 0;
  while (play_carry_ >= 1 && playing_ && steps++ < 1000) {
    play_carry_ -= 1;
    step(+1);
  }
}

}  // namespace dtxview
