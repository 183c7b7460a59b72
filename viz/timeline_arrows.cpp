// Message arrows on the timeline: from the sender's lane to the receiver's, with a head, the
// message type beside it when few arrows are on screen, and a lost message as a short stub at its
// sender ending in a cross. Guarantees: a label is drawn only where it covers no other label.
#include <algorithm>
#include <cmath>
#include <string>

#include "timeline.hpp"

namespace dtxview {

namespace {

// The message type (and fold count) beside the arrow's middle, when it covers no other label.
void arrow_label(TimelineFrame& f, const Arrow& a, uint32_t count, ImVec2 p, ImVec2 q, ImU32 col) {
  std::string text = a.type != kNoType ? f.model.msg_types()[a.type] : "";
  if (count > 1) text += (text.empty() ? "x" : " x") + std::to_string(count);
  if (text.empty()) return;
  ImVec2 ts = ImGui::CalcTextSize(text.c_str());
  ImVec2 mid((p.x + q.x) / 2, (p.y + q.y) / 2);
  if (a.state == ArrowState::dropped) mid = ImVec2(q.x + px(6), q.y - ts.y);  // by the cross
  ImVec2 at(mid.x + px(4), mid.y - ts.y / 2);
  if (at.x + ts.x > f.x1 || at.x < f.x0 || !f.place_label(at, ts)) {
    if (f.stats) ++f.stats->arrow_labels_skipped;
    return;
  }
  f.dl->AddRectFilled(ImVec2(at.x - 1, at.y), ImVec2(at.x + ts.x + 1, at.y + ts.y),
                      f.fade(IM_COL32(0, 0, 0, 170)));
  f.dl->AddText(at, col | IM_COL32_A_MASK, text.c_str());
  if (f.stats) ++f.stats->arrow_labels;
}

}  // namespace

void draw_arrow(TimelineFrame& f, uint32_t ai, uint32_t count, float y_from, float y_to, bool focus,
                bool crowded) {
  const Arrow& a = f.model.arrows()[ai];
  ImVec2 p(f.x_of(static_cast<double>(a.send_us)), y_from),
      q(f.x_of(static_cast<double>(a.end_us)), y_to);
  ImU32 col = f.fade(with_alpha(arrow_color(a.state), crowded ? 0.35f : 1.0f), focus);
  float u = px(1), w = palette().line_w * u;
  float thick = focus ? 2.0f * w : (count > 1 && !crowded ? 1.8f * w : w);
  float dx = q.x - p.x, dy = q.y - p.y, len = std::sqrt(dx * dx + dy * dy);
  if (a.state == ArrowState::dropped) {
    // A lost message is a short stub from its sender ending in a cross: drawn to the receiver it
    // would be a line across every lane between, for a message that never got there.
    float stub = std::min(len, 22 * u);
    if (len > 0) q = ImVec2(p.x + dx / len * stub, p.y + dy / len * stub);
    dx = q.x - p.x, dy = q.y - p.y, len = stub;
    f.dl->AddLine(p, q, col, thick);
    f.dl->AddLine(ImVec2(q.x - 4 * u, q.y - 4 * u), ImVec2(q.x + 4 * u, q.y + 4 * u), col, 2 * w);
    f.dl->AddLine(ImVec2(q.x - 4 * u, q.y + 4 * u), ImVec2(q.x + 4 * u, q.y - 4 * u), col, 2 * w);
    if (f.stats) ++f.stats->lost_marks;
  } else {
    f.dl->AddLine(p, q, col, thick);
    if (!crowded && a.state != ArrowState::in_flight && len > 6 * u) {
      float ux = dx / len, uy = dy / len;
      ImVec2 b(q.x - ux * 7 * u, q.y - uy * 7 * u);
      f.dl->AddTriangleFilled(q, ImVec2(b.x - uy * 3.5f * u, b.y + ux * 3.5f * u),
                              ImVec2(b.x + uy * 3.5f * u, b.y - ux * 3.5f * u), col);
      if (a.state == ArrowState::duplicate) f.dl->AddCircle(q, 5 * u, col, 10, 1.5f * w);
    }
  }
  // A focused arrow is labelled when drawn bright, not in the dimmed pass under it.
  bool bright_later = !focus && f.dim && f.app.in_focus(a.send_event);
  if (f.arrow_labels && !crowded && !bright_later &&
      (len > 30 * u || a.state == ArrowState::dropped))
    arrow_label(f, a, count, p, q, col);
  if (f.mouse_inside && len > 0) {  // distance from the mouse to the segment
    float t =
        std::clamp(((f.mouse.x - p.x) * dx + (f.mouse.y - p.y) * dy) / (len * len), 0.0f, 1.0f);
    float ex = p.x + t * dx - f.mouse.x, ey = p.y + t * dy - f.mouse.y;
    if (ex * ex + ey * ey < 16 * u * u)
      f.offer(f.mouse, f.mouse, Hover{HoverKind::arrow, ai, count, a.send_us, a.end_us, a.from});
  }
}

}  // namespace dtxview
