// Internal to the timeline view: the per-frame drawing context, hover bookkeeping, the small
// interface every lane implements (label, time range, height, draw), and shared drawing helpers.
// Guarantees: lanes draw only their visible slice, folded below kFoldPx, and report hover.
#pragma once

#include <imgui.h>

#include <memory>
#include <string>
#include <vector>

#include "app_state.hpp"
#include "look.hpp"
#include "views.hpp"

namespace dtxview {

inline constexpr float kFoldPx = 3.0f;  // items narrower than this fold into counted bars
// Row sizes in scaled units (look.hpp), so rows grow with the font at any UI scale.
inline float mark_row_h() {
  return px(16);
}
inline float span_row_h() {  // fits a 13 px label
  return px(14);
}
inline float lane_gap_h() {
  return px(4);
}
inline float group_header_h() {
  return px(18);
}
inline float label_w() {
  return px(150);
}
inline float ruler_h() {
  return px(24);
}

enum class HoverKind : uint8_t { none, band, partition, span, spans, arrow, event, events, step };

struct Hover {
  HoverKind kind = HoverKind::none;
  uint32_t index = kNone;  // event, span, arrow, band, partition or finding step, by kind
  uint32_t count = 0;      // for folded runs
  int64_t begin_us = 0, end_us = 0;
  uint16_t lane = kNoLane;
};

struct TimelineFrame {
  const AppState& app;
  const TraceModel& model;
  ImDrawList* dl;
  float x0, x1;  // the time area on screen
  double t0_us, us_per_px;
  ImVec2 mouse;
  bool mouse_inside;
  bool dim;  // focusing: what is not in focus is drawn faint
  Hover hover;
  FrameStats* stats = nullptr;
  bool arrow_labels = false;        // few enough arrows on screen for their types to be read
  std::vector<ImVec4> labels = {};  // text placed on the lanes this frame (x0, y0, x1, y1)

  float x_of(double t_us) const { return x0 + static_cast<float>((t_us - t0_us) / us_per_px); }
  double t_at(float x) const { return t0_us + (x - x0) * us_per_px; }
  // The visible slice, widened by a glyph so marks cut by the edges still show.
  int64_t t_lo() const { return static_cast<int64_t>(t_at(x0 - px(12))); }
  int64_t t_hi() const { return static_cast<int64_t>(t_at(x1 + px(12))) + 1; }
  ImU32 fade(ImU32 c, bool focused = false) const;
  // Hover goes to the item under the mouse with the highest kind; ties go to the last drawn.
  void offer(ImVec2 a, ImVec2 b, const Hover& h);
  // Reserves room for a label at `a` of size `size`; false (and nothing reserved) when it
  // would cover a label placed before.
  bool place_label(ImVec2 a, ImVec2 size);
};

// A run of narrow rectangles on one row (fault windows at "fit all") merged into one quad.
struct RectRun {
  float xa = 0, xb = 0;
  uint32_t item = kNone, count = 0;
  int64_t begin_us = 0, end_us = 0;

  // Joins [a, b] to the run when both are narrower than kFoldPx and the gap is too.
  bool absorb(float a, float b, int64_t end) {
    if (count == 0 || b - a >= kFoldPx || (count == 1 && xb - xa >= kFoldPx) || a - xb >= kFoldPx)
      return false;
    xb = b > xb ? b : xb;
    end_us = end > end_us ? end : end_us;
    ++count;
    return true;
  }
  void start(float a, float b, uint32_t it, int64_t begin, int64_t end) {
    *this = RectRun{a, b, it, 1, begin, end};
  }
};

class LaneView {
 public:
  virtual ~LaneView() = default;
  virtual std::string label() const = 0;
  virtual std::string sublabel() const = 0;
  virtual std::pair<int64_t, int64_t> time_range() const = 0;
  virtual float height() const = 0;
  virtual void draw(TimelineFrame& f, float y_top) const = 0;
};

std::unique_ptr<LaneView> make_node_lane(const TraceModel& m, uint16_t lane);
// A collapsed group: every member lane's events folded onto one row.
std::unique_ptr<LaneView> make_group_lane(const TraceModel& m, uint32_t group);

ImU32 with_alpha(ImU32 c, float a);  // c with its alpha scaled by a
ImU32 kind_color(Kind k);
ImU32 span_color(SpanOutcome o);
ImU32 arrow_color(ArrowState s);
// A finding step's badge: a numbered disc in its mark's colour (timeline_story.cpp).
ImU32 step_mark_color(StepMark m);
void draw_step_badge(ImDrawList* dl, ImVec2 c, uint32_t number, StepMark m, bool current);
// Every step of the selected finding at its event, numbered; counts them in stats.
void draw_story_marks(TimelineFrame& f, const std::vector<float>& lane_mid, float oy, float vis_y0,
                      float vis_y1, FrameStats& stats);
// `text` cut to fit `width` pixels, ending in "..." when cut.
std::string elide(const std::string& text, float width);
void draw_event_glyph(ImDrawList* dl, Kind k, float x, float y_mid, ImU32 col);
// Marks of one time index on a lane row; the focus layer is drawn bright and outlined.
void draw_instants(TimelineFrame& f, const TimeIndex& idx, float y_top, uint16_t lane, bool focus);
void draw_span(TimelineFrame& f, uint32_t span, float y_top, bool focus);
// Crowded arrows (e.g. at "fit all") are drawn plain: thinner alpha, no heads, no labels, so
// the lanes stay readable and the vertex count (software GL's cost) stays bounded.
void draw_arrow(TimelineFrame& f, uint32_t arrow, uint32_t count, float y_from, float y_to,
                bool focus, bool crowded = false);
// The ruler above the lanes, from x0 to x1 at p's height (timeline_ruler.cpp).
void draw_ruler(const AppState& app, ImDrawList* dl, ImVec2 p, float x0, float x1, float mouse_x);
// The tooltip for whatever the mouse is over (timeline_tooltip.cpp).
void show_tooltip(const AppState& app, const Hover& h);
// Outlines around every fold of idx on a row, for search hits and evidence.
void draw_outlines(TimelineFrame& f, const TimeIndex& idx, float y_top, ImU32 col);

}  // namespace dtxview
