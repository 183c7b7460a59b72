// A finding's story on the timeline: each step numbered at its event in its mark's colour (the
// decisive step red and larger), the current presentation step haloed with a line across lanes.
// Guarantees: badges never cover each other (a crowded one moves right, tied to its event);
// hovering a badge tells its step, clicking it presents the story from there.
#include <algorithm>
#include <cstdio>
#include <vector>

#include "timeline.hpp"

namespace dtxview {

ImU32 step_mark_color(StepMark m) {
  switch (m) {
    case StepMark::decisive:
      return IM_COL32(235, 40, 40, 255);
    case StepMark::fault:
      return IM_COL32(170, 90, 230, 255);
    case StepMark::evidence:
      return IM_COL32(235, 135, 20, 255);
    case StepMark::none:
      return IM_COL32(40, 110, 220, 255);
  }
  return IM_COL32_WHITE;
}

void draw_step_badge(ImDrawList* dl, ImVec2 c, uint32_t number, StepMark m, bool current) {
  float r = px(m == StepMark::decisive ? 11 : 9);
  if (current) dl->AddCircleFilled(c, r + px(6), IM_COL32(255, 230, 60, 110), 24);
  dl->AddCircleFilled(c, r, step_mark_color(m), 20);
  dl->AddCircle(c, r, IM_COL32_WHITE, 20, px(m == StepMark::decisive ? 2.5f : 1.5f));
  char buf[12];
  std::snprintf(buf, sizeof buf, "%u", number);
  ImVec2 ts = ImGui::CalcTextSize(buf);
  dl->AddText(ImVec2(c.x - ts.x / 2, c.y - ts.y / 2), IM_COL32_WHITE, buf);
}

void draw_story_marks(TimelineFrame& f, const std::vector<float>& lane_mid, float oy, float vis_y0,
                      float vis_y1, FrameStats& stats) {
  const Finding* fi = f.app.finding();
  if (!fi) return;
  uint32_t current = f.app.finding_step();
  if (current != kNone && current < fi->steps.size()) {
    float x = f.x_of(static_cast<double>(fi->steps[current].t_us));
    f.dl->AddLine(ImVec2(x, vis_y0), ImVec2(x, vis_y1), IM_COL32(255, 230, 60, 150), px(2));
  }
  std::vector<ImVec2> placed;  // badge centres so far
  float r = px(11), gap = 2 * r + px(2);
  for (uint32_t k = 0; k < fi->steps.size(); ++k) {
    const FindingStep& st = fi->steps[k];
    if (st.lane == kNoLane || st.lane >= lane_mid.size()) continue;
    if (st.t_us < f.t_lo() || st.t_us > f.t_hi()) continue;
    ImVec2 at(f.x_of(static_cast<double>(st.t_us)), oy + lane_mid[st.lane]);
    if (at.y < vis_y0 - r || at.y > vis_y1 + r) continue;
    ImU32 col = step_mark_color(st.mark);
    f.dl->AddCircle(at, px(7), col, 16, px(2.5f));  // the event itself, ringed
    ImVec2 c(at.x + px(12), at.y - px(12));
    for (int tries = 0; tries < 64; ++tries) {
      bool clash = std::any_of(placed.begin(), placed.end(), [&](ImVec2 p) {
        return std::abs(p.x - c.x) < gap && std::abs(p.y - c.y) < gap;
      });
      if (!clash) break;
      c.x += gap;
    }
    f.dl->AddLine(at, c, col, px(1.5f));
    bool is_current = k == current;
    draw_step_badge(f.dl, c, k + 1, st.mark, is_current);
    placed.push_back(c);
    if (stats.step_badges.size() <= k) stats.step_badges.resize(k + 1, ImVec2(-1, -1));
    stats.step_badges[k] = c;
    float dx = f.mouse.x - c.x, dy = f.mouse.y - c.y;
    if (f.mouse_inside && dx * dx + dy * dy <= r * r) {  // a badge is on top of what it marks
      f.hover = Hover{HoverKind::step, k, 1, st.t_us, st.t_us, st.lane};
      stats.hovered_step = k;
    }
    ++stats.step_marks;
    if (st.mark == StepMark::decisive) ++stats.decisive_marks;
    if (is_current) ++stats.current_step_marks;
  }
}

}  // namespace dtxview
