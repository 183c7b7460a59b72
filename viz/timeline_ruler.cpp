// The timeline's ruler: ticks on a 1-2-5 series with labels in one unit, the selected event's
// marker, the time under the mouse and the view's width, all in scaled units.
#include <algorithm>
#include <cmath>
#include <string>

#include "timeline.hpp"

namespace dtxview {

void draw_ruler(const AppState& app, ImDrawList* dl, ImVec2 p, float x0, float x1, float mouse_x) {
  const ViewRange& v = app.view();
  const Palette& pal = palette();
  dl->AddRectFilled(ImVec2(x0, p.y), ImVec2(x1, p.y + ruler_h()), pal.ruler_bg);
  RulerTicks ticks = ruler_ticks(v.start_us(), v.end_us(), x1 - x0, px(110));
  double mag = std::max(std::abs(v.start_us()), std::abs(v.end_us()));
  double us_per_px = v.us_per_px(x1 - x0);
  auto x_of = [&](double t) { return x0 + static_cast<float>((t - v.start_us()) / us_per_px); };
  for (double t = ticks.t_us.empty() ? 0 : ticks.t_us.front() - ticks.step_us; t <= v.end_us();
       t += ticks.step_us / 5) {
    float x = x_of(t);
    if (x >= x0)
      dl->AddLine(ImVec2(x, p.y + ruler_h() - px(4)), ImVec2(x, p.y + ruler_h()),
                  IM_COL32(120, 120, 130, 255));
  }
  for (double t : ticks.t_us) {
    float x = x_of(t);
    dl->AddLine(ImVec2(x, p.y + ruler_h() - px(10)), ImVec2(x, p.y + ruler_h()),
                IM_COL32(200, 200, 210, 255));
    dl->AddText(ImVec2(x + px(3), p.y + px(2)), pal.ruler_text,
                format_tick(t, ticks.step_us, mag).c_str());
  }
  if (app.selected_event() != kNone) {
    float x = x_of(static_cast<double>(app.model().event(app.selected_event()).t_us));
    dl->AddTriangleFilled(ImVec2(x - px(5), p.y + ruler_h() - px(8)),
                          ImVec2(x + px(5), p.y + ruler_h() - px(8)), ImVec2(x, p.y + ruler_h()),
                          IM_COL32_WHITE);
  }
  if (mouse_x >= x0 && mouse_x <= x1) {
    std::string t = format_time(v.start_us() + (mouse_x - x0) * us_per_px);
    ImVec2 ts = ImGui::CalcTextSize(t.c_str());
    float tx = std::min(mouse_x + 4, x1 - ts.x - 2);
    dl->AddRectFilled(ImVec2(tx - 2, p.y + 2), ImVec2(tx + ts.x + 2, p.y + 2 + ts.y),
                      IM_COL32(70, 70, 90, 255));
    dl->AddText(ImVec2(tx, p.y + 2), IM_COL32(255, 255, 160, 255), t.c_str());
  }
  std::string width = "view " + format_time(v.width_us());
  ImVec2 ws = ImGui::CalcTextSize(width.c_str());
  dl->AddText(ImVec2(x0 - ws.x - px(8), p.y + px(4)), IM_COL32(160, 160, 170, 255), width.c_str());
}

}  // namespace dtxview
