// AppState: everything the views share — the loaded model, the visible range, the selection
// (event, gid, violation), search, and step/play mode. No UI code, so it is unit-tested.
// Guarantees: every selection change goes through these methods, keeping views in sync.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "time_axis.hpp"
#include "trace_model.hpp"

namespace dtxview {

// The view a finding opens on: its first to last step, with a margin on both sides so the
// numbered marks are not cut by the edges (a one-step story gets a 2 ms window).
std::pair<double, double> finding_view_range(const Finding& f);

class AppState {
 public:
  void set_model(TraceModel model);
  const TraceModel& model() const { return model_; }
  // Counts the models set so far: a view's cache built for one trace is stale once it changes
  // (a new model may sit at the old one's address and even reuse its buffers).
  uint64_t model_generation() const { return generation_; }
  ViewRange& view() { return view_; }
  const ViewRange& view() const { return view_; }

  // Selection. Selecting an event asks the log to scroll to it; center also moves the timeline.
  void select_event(uint32_t ev, bool center);
  uint32_t selected_event() const { return selected_event_; }
  void select_gid(uint32_t gid);
  uint32_t selected_gid() const { return selected_gid_; }
  // Zooms to the violation's evidence, highlights it and selects its gid.
  void select_violation(uint32_t v);
  uint32_t selected_violation() const { return selected_violation_; }
  const std::vector<uint32_t>& evidence() const { return evidence_; }
  bool is_evidence(uint32_t ev) const;

  // Findings: selecting one selects its example gid and zooms to its story, from the first
  // step to the last with a margin (finding_view_range); presentation steps then walk the story
  // one step at a time, centring and selecting each step's event.
  void select_finding(uint32_t f);
  uint32_t selected_finding() const { return selected_finding_; }
  const Finding* finding() const {
    return selected_finding_ == kNone ? nullptr : &model_.findings()[selected_finding_];
  }
  // The current step (index into the finding's steps), kNone while the whole story shows.
  // Presenting a step centres it, zoomed so the whole story stays in view around it.
  uint32_t finding_step() const { return finding_step_; }
  void set_finding_step(uint32_t k);
  // The next/previous step; from the whole story, +1 starts at the first and -1 at the last.
  void step_finding(int delta);

  void set_search(std::string text);
  const std::string& search_text() const { return search_text_; }
  const std::vector<uint32_t>& search_hits() const { return search_hits_; }
  bool is_hit(uint32_t ev) const;
  const TimeIndex& hits_on_lane(uint16_t lane) const { return hits_by_lane_[lane]; }
  void set_filter(bool on);
  bool filter() const { return filter_; }

  // The focus set: the selected gid's events, narrowed by the search filter when it is on.
  // When focusing, everything else is dimmed and the log lists only the focus.
  bool focusing() const { return focusing_; }
  const std::vector<uint32_t>& focus() const { return focus_; }
  const TimeIndex& focus_on_lane(uint16_t lane) const { return focus_by_lane_[lane]; }
  bool in_focus(uint32_t ev) const;

  // Step mode: the next/previous event (within the focus when focusing), centred on screen.
  void step(int delta);
  void set_playing(bool on) { playing_ = on, play_carry_ = 0; }
  bool playing() const { return playing_; }
  double& play_events_per_s() { return play_events_per_s_; }
  void advance_play(double dt_s);

  // One-shot requests from one view to another, consumed by the view that owns the widget.
  bool take_log_scroll() { return std::exchange(log_scroll_, false); }

 private:
  void rebuild_focus();
  void rebuild_hits();

  TraceModel model_;
  uint64_t generation_ = 0;
  ViewRange view_;
  uint32_t selected_event_ = kNone;
  uint32_t selected_gid_ = kNone;
  uint32_t selected_violation_ = kNone;
  uint32_t selected_finding_ = kNone;
  uint32_t finding_step_ = kNone;
  std::vector<uint32_t> evidence_;
  std::string search_text_;
  std::vector<uint32_t> search_hits_;
  std::vector<TimeIndex> hits_by_lane_;
  bool filter_ = false;
  bool focusing_ = false;
  std::vector<uint32_t> focus_;
  std::vector<TimeIndex> focus_by_lane_;
  bool playing_ = false;
  double play_events_per_s_ = 4;
  double play_carry_ = 0;
  bool log_scroll_ = false;
};

}  // namespace dtxview
