// Lanes of the timeline and the drawing of their items: marks, spans, bands (arrows:
// timeline_arrows.cpp).
// Guarantees: each lane touches only the binary-searched visible slice and folds runs under
// kFoldPx into one counted bar, so a frame costs O(pixels), not O(events).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "timeline.hpp"

namespace dtxview {

namespace {

constexpr ImU32 kFoldColor = IM_COL32(150, 160, 180, 200);

// Touching fold bars of one row drawn as one quad: at "fit all" a row is mostly touching bars,
// and software GL pays per triangle.
class BarRow {
 public:
  explicit BarRow(ImDrawList* dl) : dl_(dl) {}
  BarRow(const BarRow&) = delete;
  BarRow& operator=(const BarRow&) = delete;
  ~BarRow() { flush(); }
  void add(ImVec2 a, ImVec2 b, ImU32 col) {
    if (open_ && col == col_ && a.y == a_.y && b.y == b_.y && a.x <= b_.x + 0.5f) {
      b_.x = std::max(b_.x, b.x);
      return;
    }
    flush();
    a_ = a, b_ = b, col_ = col, open_ = true;
  }
  void flush() {
    if (open_) dl_->AddRectFilled(a_, b_, col_);
    open_ = false;
  }

 private:
  ImDrawList* dl_;
  ImVec2 a_, b_;
  ImU32 col_ = 0;
  bool open_ = false;
};

// A counted bar for a folded run; the count is written when it fits.
void draw_fold_bar(TimelineFrame& f, BarRow& bars, const Fold& fold, float y0, float y1, ImU32 col,
                   bool focus, const Hover& h) {
  float xa = f.x_of(static_cast<double>(fold.begin_us));
  float xb = std::max(f.x_of(static_cast<double>(fold.end_us)), xa + kFoldPx);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u", fold.count);
  ImVec2 ts = ImGui::CalcTextSize(buf);
  bool text = xb - xa > ts.x + 4 && y1 - y0 >= ts.y - 2;
  bars.add(ImVec2(xa, y0), ImVec2(xb, y1), f.fade(col, focus));
  if (text || focus) bars.flush();  // what goes on top must follow its bar
  if (focus) f.dl->AddRect(ImVec2(xa - 1, y0 - 1), ImVec2(xb + 1, y1 + 1), IM_COL32_WHITE);
  if (text)
    f.dl->AddText(ImVec2((xa + xb - ts.x) / 2, (y0 + y1 - ts.y) / 2), f.fade(IM_COL32_BLACK, focus),
                  buf);
  f.offer(ImVec2(xa - 1, y0), ImVec2(xb + 1, y1), h);
}

}  // namespace

ImU32 with_alpha(ImU32 c, float a) {
  ImU32 alpha = static_cast<ImU32>(((c >> IM_COL32_A_SHIFT) & 0xff) * a);
  return (c & ~IM_COL32_A_MASK) | (alpha << IM_COL32_A_SHIFT);
}

ImU32 TimelineFrame::fade(ImU32 c, bool focused) const {
  return dim && !focused ? with_alpha(c, palette().faint_alpha) : c;
}

bool TimelineFrame::place_label(ImVec2 a, ImVec2 size) {
  ImVec4 r(a.x, a.y, a.x + size.x, a.y + size.y);
  for (const ImVec4& o : labels)
    if (r.x < o.z && o.x < r.z && r.y < o.w && o.y < r.w) return false;
  labels.push_back(r);
  return true;
}

std::string elide(const std::string& text, float width) {
  if (ImGui::CalcTextSize(text.c_str()).x <= width) return text;
  std::string out = text;
  while (!out.empty() && ImGui::CalcTextSize((out + "...").c_str()).x > width) out.pop_back();
  return out.empty() ? std::string() : out + "...";
}

void TimelineFrame::offer(ImVec2 a, ImVec2 b, const Hover& h) {
  if (!mouse_inside || mouse.x < a.x || mouse.x > b.x || mouse.y < a.y || mouse.y > b.y) return;
  if (h.kind >= hover.kind) hover = h;
}

ImU32 kind_color(Kind k) {
  switch (k) {
    case Kind::send:
      return IM_COL32(110, 160, 255, 255);
    case Kind::deliver:
      return IM_COL32(150, 200, 255, 255);
    case Kind::drop:
      return IM_COL32(255, 70, 70, 255);
    case Kind::duplicate:
      return IM_COL32(255, 160, 40, 255);
    case Kind::timeout:
      return IM_COL32(255, 90, 90, 255);
    case Kind::retry:
      return IM_COL32(255, 170, 60, 255);
    case Kind::checkback:
      return IM_COL32(240, 90, 240, 255);
    case Kind::db_begin:
    case Kind::db_exec:
    case Kind::db_lock_wait:
      return IM_COL32(200, 200, 200, 255);
    case Kind::db_prepare:
      return IM_COL32(240, 190, 50, 255);
    case Kind::db_commit:
      return IM_COL32(90, 210, 110, 255);
    case Kind::db_rollback:
      return IM_COL32(230, 80, 80, 255);
    case Kind::crash:
      return IM_COL32(255, 60, 60, 255);
    case Kind::restart:
      return IM_COL32(90, 220, 110, 255);
    case Kind::pause:
    case Kind::resume:
      return IM_COL32(110, 140, 255, 255);
    case Kind::partition:
    case Kind::heal:
      return IM_COL32(240, 210, 70, 255);
    case Kind::clog:
    case Kind::unclog:
      return IM_COL32(180, 110, 230, 255);
    case Kind::fault:
      return IM_COL32(255, 110, 110, 255);
    case Kind::broker:
      return IM_COL32(70, 210, 200, 255);
    case Kind::branch_call:
      return IM_COL32(90, 200, 240, 255);
    case Kind::gtx:
      return IM_COL32(245, 245, 245, 255);
    case Kind::effect:
      return IM_COL32(120, 240, 140, 255);
    case Kind::note:
      return IM_COL32(170, 170, 170, 255);
    case Kind::other:
      return IM_COL32(190, 170, 150, 255);
  }
  return IM_COL32_WHITE;
}

ImU32 span_color(SpanOutcome o) {
  switch (o) {
    case SpanOutcome::committed:
      return IM_COL32(60, 170, 90, 230);
    case SpanOutcome::rolled_back:
      return IM_COL32(200, 60, 60, 230);
    case SpanOutcome::in_doubt:
      return IM_COL32(230, 170, 30, 230);
    case SpanOutcome::open:
      return IM_COL32(120, 120, 130, 230);
  }
  return IM_COL32_WHITE;
}

ImU32 arrow_color(ArrowState s) {
  switch (s) {
    case ArrowState::delivered:
      return IM_COL32(120, 170, 255, 200);
    case ArrowState::dropped:
      return IM_COL32(255, 80, 80, 220);
    case ArrowState::duplicate:
      return IM_COL32(255, 165, 40, 220);
    case ArrowState::in_flight:
      return IM_COL32(160, 160, 160, 160);
  }
  return IM_COL32_WHITE;
}

void draw_event_glyph(ImDrawList* dl, Kind k, float x, float y, ImU32 col) {
  float u = px(1);  // glyphs are drawn for scale 1 and grow with the UI
  auto at = [&](float dx, float dy) { return ImVec2(x + dx * u, y + dy * u); };
  switch (k) {
    case Kind::send:
      dl->AddTriangleFilled(at(-3, -4), at(-3, 4), at(3, 0), col);
      break;
    case Kind::deliver:
      dl->AddCircleFilled(at(0, 0), 2.5f * u, col);
      break;
    case Kind::drop:
    case Kind::timeout:
      dl->AddLine(at(-3, -3), at(3, 3), col, 2 * u);
      dl->AddLine(at(-3, 3), at(3, -3), col, 2 * u);
      break;
    case Kind::checkback:
    case Kind::retry:  // teaching highlights: big and ringed
      dl->AddQuadFilled(at(0, -6), at(6, 0), at(0, 6), at(-6, 0), col);
      dl->AddCircle(at(0, 0), 8 * u, col, 12, 1.5f * u);
      break;
    case Kind::crash:
      dl->AddTriangleFilled(at(-5, -5), at(5, -5), at(0, 5), col);
      break;
    case Kind::restart:
      dl->AddTriangleFilled(at(-5, 5), at(5, 5), at(0, -5), col);
      break;
    case Kind::duplicate: {
      ImVec2 ts = ImGui::CalcTextSize("2");
      dl->AddText(ImVec2(x - ts.x / 2, y - ts.y / 2), col, "2");
      break;
    }
    case Kind::gtx:
    case Kind::branch_call:
      dl->AddRectFilled(at(-3, -3), at(3, 3), col);
      break;
    case Kind::db_begin:
    case Kind::db_exec:
    case Kind::db_lock_wait:
    case Kind::db_prepare:
    case Kind::db_commit:
    case Kind::db_rollback:
      dl->AddLine(at(0, -6), at(0, 6), col, 2 * u);
      break;
    case Kind::broker:
      dl->AddQuadFilled(at(0, -4), at(4, 0), at(0, 4), at(-4, 0), col);
      break;
    case Kind::other:
      dl->AddCircle(at(0, 0), 3.5f * u, col, 8, 1.5f * u);
      break;
    default:
      dl->AddCircleFilled(at(0, 0), 3.5f * u, col);
      break;
  }
}

void draw_instants(TimelineFrame& f, const TimeIndex& idx, float y_top, uint16_t lane, bool focus) {
  auto folds = fold_instants(idx, idx.slice(f.t_lo(), f.t_hi()), f.us_per_px, kFoldPx);
  float y_mid = y_top + mark_row_h() / 2;
  BarRow bars(f.dl);
  for (const Fold& fold : folds) {
    if (fold.count > 1) {
      Hover h{HoverKind::events, kNone, fold.count, fold.begin_us, fold.end_us, lane};
      draw_fold_bar(f, bars, fold, y_mid - px(4), y_mid + px(4), kFoldColor, focus, h);
      continue;
    }
    bars.flush();
    uint32_t ev = idx.event[fold.first];
    const Event& e = f.model.event(ev);
    float x = f.x_of(static_cast<double>(e.t_us));
    if (focus) f.dl->AddCircleFilled(ImVec2(x, y_mid), px(6), IM_COL32(255, 255, 255, 70));
    draw_event_glyph(f.dl, e.kind, x, y_mid, f.fade(kind_color(e.kind), focus));
    f.offer(ImVec2(x - px(5), y_top), ImVec2(x + px(5), y_top + mark_row_h()),
            Hover{HoverKind::event, ev, 1, e.t_us, e.t_us, lane});
  }
}

void draw_outlines(TimelineFrame& f, const TimeIndex& idx, float y_top, ImU32 col) {
  auto folds = fold_instants(idx, idx.slice(f.t_lo(), f.t_hi()), f.us_per_px, kFoldPx);
  for (const Fold& fold : folds) {
    float xa = f.x_of(static_cast<double>(fold.begin_us)) - px(5);
    float xb = std::max(f.x_of(static_cast<double>(fold.end_us)), xa + kFoldPx) + px(5);
    f.dl->AddRect(ImVec2(xa, y_top), ImVec2(xb, y_top + mark_row_h()), col, 2, 0, px(2));
  }
}

void draw_span(TimelineFrame& f, uint32_t si, float y_top, bool focus) {
  const Span& s = f.model.spans()[si];
  float y0 = y_top + mark_row_h() + s.row * span_row_h(), y1 = y0 + span_row_h() - 1;
  float xa = f.x_of(static_cast<double>(s.begin_us));
  float xb = std::max(f.x_of(static_cast<double>(s.end_us)), xa + 2);
  f.dl->AddRectFilled(ImVec2(xa, y0), ImVec2(xb, y1), f.fade(span_color(s.outcome), focus));
  if (s.prepare_us >= 0) {  // the in-doubt window after prepare, striped on top
    float xp = f.x_of(static_cast<double>(s.prepare_us));
    f.dl->AddRectFilled(ImVec2(xp, y0), ImVec2(xb, y0 + 3),
                        f.fade(IM_COL32(250, 210, 60, 255), focus));
  }
  if (focus) f.dl->AddRect(ImVec2(xa - 1, y0 - 1), ImVec2(xb + 1, y1 + 1), IM_COL32_WHITE);
  // The label stays inside the span's visible part, cut with "..." (the tooltip has it whole),
  // so it never runs into the next span or a count.
  // Spans deeper than the lane's rows share its last row, so a label also yields to one there.
  float la = std::max(xa, f.x0) + px(3), lb = std::min(xb, f.x1) - px(3);
  if (lb - la > ImGui::CalcTextSize("t...").x) {
    std::string label = elide("txn " + s.txn, lb - la);
    ImVec2 ts = ImGui::CalcTextSize(label.c_str());
    if (focus || f.place_label(ImVec2(la, y0), ImVec2(ts.x, y1 - y0)))
      f.dl->AddText(ImVec2(la, y0), f.fade(palette().text, focus), label.c_str());
  }
  f.offer(ImVec2(xa, y0), ImVec2(xb, y1),
          Hover{HoverKind::span, si, 1, s.begin_us, s.end_us, s.lane});
}

namespace {

class NodeLane : public LaneView {
 public:
  NodeLane(const TraceModel& m, uint16_t lane) : m_(m), lane_(lane) {}
  std::string label() const override { return m_.nodes()[lane_].name; }
  std::string sublabel() const override { return m_.nodes()[lane_].role; }
  std::pair<int64_t, int64_t> time_range() const override {
    const auto& t = m_.lane_events(lane_).t_us;
    return t.empty() ? std::pair<int64_t, int64_t>{0, 0} : std::pair{t.front(), t.back()};
  }
  float height() const override {
    return mark_row_h() + static_cast<float>(m_.span_rows(lane_).size()) * span_row_h() +
           lane_gap_h();
  }
  void draw(TimelineFrame& f, float y_top) const override {
    draw_bands(f, y_top);
    const auto& rows = m_.span_rows(lane_);
    for (size_t r = 0; r < rows.size(); ++r) {
      auto range = rows[r].overlapping(f.t_lo(), f.t_hi());
      BarRow bars(f.dl);
      for (const Fold& fold : fold_spans(m_.spans(), rows[r], range, f.us_per_px, kFoldPx)) {
        if (fold.count == 1) {
          bars.flush();
          draw_span(f, rows[r].item[fold.first], y_top, false);
        } else {
          float y0 = y_top + mark_row_h() + static_cast<float>(r) * span_row_h();
          Hover h{HoverKind::spans, kNone, fold.count, fold.begin_us, fold.end_us, lane_};
          draw_fold_bar(f, bars, fold, y0, y0 + span_row_h() - 1, IM_COL32(110, 140, 120, 230),
                        false, h);
        }
      }
    }
    draw_instants(f, m_.lane_events(lane_), y_top, lane_, false);
  }

 private:
  void draw_bands(TimelineFrame& f, float y_top) const {
    const IntervalIndex& idx = m_.lane_bands(lane_);
    auto [first, last] = idx.overlapping(f.t_lo(), f.t_hi());
    RectRun runs[3];  // one per BandKind: kinds overlap in time but fold apart
    for (size_t p = first; p < last; ++p) {
      const Band& b = m_.bands()[idx.item[p]];
      if (b.end_us < f.t_lo()) continue;
      float xa = f.x_of(static_cast<double>(b.begin_us));
      float xb = std::max(f.x_of(static_cast<double>(b.end_us)), xa + 2);
      RectRun& run = runs[static_cast<int>(b.kind)];
      if (run.absorb(xa, xb, b.end_us)) continue;
      if (run.count > 0) draw_band_run(f, y_top, run);
      run.start(xa, xb, idx.item[p], b.begin_us, b.end_us);
    }
    for (const RectRun& run : runs)
      if (run.count > 0) draw_band_run(f, y_top, run);
  }

  void draw_band_run(TimelineFrame& f, float y_top, const RectRun& run) const {
    const Band& b = m_.bands()[run.item];
    float y1 = y_top + height() - lane_gap_h(), y0 = y_top;
    const char* text = "DOWN";
    ImU32 col = IM_COL32(200, 40, 40, 70);
    if (b.kind == BandKind::paused) text = "PAUSED", col = IM_COL32(70, 110, 230, 70);
    if (b.kind == BandKind::clogged)
      text = "clogged", col = IM_COL32(170, 90, 220, 110), y0 = y1 - px(4);
    f.dl->AddRectFilled(ImVec2(run.xa, y0), ImVec2(run.xb, y1), f.fade(col));
    if (run.count == 1) {
      f.dl->AddLine(ImVec2(run.xa, y0), ImVec2(run.xa, y1), f.fade(col | IM_COL32_A_MASK));
      float la = std::max(run.xa, f.x0) + px(3);
      if (b.kind != BandKind::clogged && std::min(run.xb, f.x1) - la > ImGui::CalcTextSize(text).x)
        f.dl->AddText(ImVec2(la, y1 - ImGui::GetFontSize() - 1),
                      f.fade(IM_COL32(255, 255, 255, 120)), text);
    }
    f.offer(ImVec2(run.xa, y0), ImVec2(run.xb, y1),
            Hover{HoverKind::band, run.item, run.count, run.begin_us, run.end_us, lane_});
  }

  const TraceModel& m_;
  uint16_t lane_;
};

class GroupLane : public LaneView {
 public:
  GroupLane(const TraceModel& m, uint32_t group) : m_(m), group_(group) {}
  std::string label() const override { return m_.groups()[group_].name; }
  std::string sublabel() const override {
    return std::to_string(m_.groups()[group_].lanes.size()) + " lanes folded";
  }
  std::pair<int64_t, int64_t> time_range() const override {
    const auto& t = m_.groups()[group_].events.t_us;
    return t.empty() ? std::pair<int64_t, int64_t>{0, 0} : std::pair{t.front(), t.back()};
  }
  float height() const override { return mark_row_h() + lane_gap_h(); }
  void draw(TimelineFrame& f, float y_top) const override {
    draw_instants(f, m_.groups()[group_].events, y_top, kNoLane, false);
  }

 private:
  const TraceModel& m_;
  uint32_t group_;
};

}  // namespace

std::unique_ptr<LaneView> make_node_lane(const TraceModel& m, uint16_t lane) {
  return std::make_unique<NodeLane>(m, lane);
}

std::unique_ptr<LaneView> make_group_lane(const TraceModel& m, uint32_t group) {
  return std::make_unique<GroupLane>(m, group);
}

}  // namespace dtxview
