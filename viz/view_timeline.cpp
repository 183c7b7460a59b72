// The timeline view: grouped collapsible lanes, partitions, message arrows, the focus overlay
// (gid path, search hits, violation evidence, a finding's numbered story) and the mouse: wheel
// zooms around the cursor, drag pans, shift-drag zooms to a range, hover shows a tooltip, click
// selects.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "timeline.hpp"
#include "views.hpp"

namespace dtxview {

namespace {

constexpr size_t kMaxFocusDetail = 4000;  // beyond this the focus shows marks only, no spans/arrows
constexpr size_t kCrowdedArrows = 300;    // more arrows than this on screen are drawn plain
constexpr size_t kMaxArrows = 600;        // and more than this fold coarser
constexpr size_t kLabelledArrows = 80;    // up to this many arrows on screen carry their type

struct Row {
  float y = 0, h = 0;
  uint32_t group = 0;
  uint16_t lane = kNoLane;  // kNoLane: a group header or a collapsed group
  bool header = false;
  std::unique_ptr<LaneView> view;
};

struct Layout {
  std::vector<Row> rows;
  std::vector<float> lane_top, lane_mid;
  std::vector<bool> lane_open;  // false: folded into its group's row
  float total_h = 0;
};

Layout build_layout(const TraceModel& m, const UiState& ui) {
  Layout lay;
  size_t n = m.nodes().size();
  lay.lane_top.assign(n, 0), lay.lane_mid.assign(n, 0), lay.lane_open.assign(n, true);
  float y = 0;
  for (uint32_t g = 0; g < m.groups().size(); ++g) {
    lay.rows.push_back(Row{y, group_header_h(), g, kNoLane, true, nullptr});
    y += group_header_h();
    if (g < ui.collapsed.size() && ui.collapsed[g]) {
      auto v = make_group_lane(m, g);
      float h = v->height();
      for (uint16_t l : m.groups()[g].lanes)
        lay.lane_top[l] = y, lay.lane_mid[l] = y + mark_row_h() / 2, lay.lane_open[l] = false;
      lay.rows.push_back(Row{y, h, g, kNoLane, false, std::move(v)});
      y += h;
      continue;
    }
    for (uint16_t l : m.groups()[g].lanes) {
      auto v = make_node_lane(m, l);
      float h = v->height();
      lay.lane_top[l] = y, lay.lane_mid[l] = y + mark_row_h() / 2;
      lay.rows.push_back(Row{y, h, g, l, false, std::move(v)});
      y += h;
    }
  }
  lay.total_h = y;
  return lay;
}

// The partition's name and its cut: "partition p1: bank-a | mq", or when every cut link has
// one node in common, "partition mq-cut: mq cut off from bank-a, bank-b".
std::string partition_label(const TraceModel& m, const Partition& p) {
  std::string text = "partition " + p.name;
  if (p.cut.empty()) return text;
  for (uint16_t hub : {p.cut[0].first, p.cut[0].second}) {
    bool common = p.cut.size() > 1 && std::all_of(p.cut.begin(), p.cut.end(), [&](const auto& c) {
                    return c.first == hub || c.second == hub;
                  });
    if (!common) continue;
    text += ": " + m.nodes()[hub].name + " cut off from ";
    for (size_t i = 0; i < p.cut.size(); ++i) {
      uint16_t other = p.cut[i].first == hub ? p.cut[i].second : p.cut[i].first;
      text += (i == 0 ? "" : ", ") + m.nodes()[other].name;
    }
    return text;
  }
  for (size_t i = 0; i < p.cut.size(); ++i)
    text += (i == 0 ? ": " : ", ") + m.nodes()[p.cut[i].first].name + " | " +
            m.nodes()[p.cut[i].second].name;
  return text;
}

void draw_partition_run(TimelineFrame& f, const Layout& lay, float oy, uint16_t lane,
                        const RectRun& run, std::vector<bool>& labelled) {
  const Partition& p = f.model.partitions()[run.item];
  float y0 = oy + lay.lane_top[lane], y1 = y0 + mark_row_h() + px(2);
  f.dl->AddRectFilled(ImVec2(run.xa, y0), ImVec2(run.xb, y1), f.fade(IM_COL32(240, 210, 60, 45)));
  if (run.count == 1) {
    f.dl->AddRect(ImVec2(run.xa, y0), ImVec2(run.xb, y1), f.fade(IM_COL32(240, 210, 60, 140)));
    // Named once, on its first lane, cut to the shaded width (the tooltip names it whole).
    float la = std::max(run.xa, f.x0) + px(3), lb = std::min(run.xb, f.x1) - px(3);
    std::string text = elide(partition_label(f.model, p), lb - la);
    ImVec2 ts = ImGui::CalcTextSize(text.c_str());
    if (!labelled[run.item] && !text.empty() && f.place_label(ImVec2(la, y0 + 1), ts)) {
      f.dl->AddText(ImVec2(la, y0 + 1), f.fade(IM_COL32(240, 210, 60, 230)), text.c_str());
      labelled[run.item] = true;
      if (f.stats) ++f.stats->partition_labels;
    }
  }
  f.offer(ImVec2(run.xa, y0), ImVec2(run.xb, y1),
          Hover{HoverKind::partition, run.item, run.count, run.begin_us, run.end_us, lane});
}

// Partitions shade only the lanes at the ends of their cut links; narrow ones fold per lane like
// bands.
void draw_partitions(TimelineFrame& f, const Layout& lay, float oy) {
  const auto& parts = f.model.partitions();
  std::vector<RectRun> runs(f.model.nodes().size());
  std::vector<bool> labelled(parts.size());
  for (uint32_t i = 0; i < parts.size(); ++i) {  // few enough that a scan beats an index
    const Partition& p = parts[i];
    if (p.end_us < f.t_lo() || p.begin_us > f.t_hi()) continue;
    float xa = f.x_of(static_cast<double>(p.begin_us));
    float xb = std::max(f.x_of(static_cast<double>(p.end_us)), xa + 2);
    for (uint16_t l : p.lanes) {
      if (runs[l].absorb(xa, xb, p.end_us)) continue;
      if (runs[l].count > 0) draw_partition_run(f, lay, oy, l, runs[l], labelled);
      runs[l].start(xa, xb, i, p.begin_us, p.end_us);
    }
  }
  for (uint16_t l = 0; l < runs.size(); ++l)
    if (runs[l].count > 0) draw_partition_run(f, lay, oy, l, runs[l], labelled);
}

void draw_arrows(TimelineFrame& f, const Layout& lay, float oy, ViewCaches::Arrows& cache) {
  // Folding scans every arrow in range, so a still view (hover, step, idle) reuses last frame's.
  uint64_t generation = f.app.model_generation();
  if (cache.generation != generation || cache.t0_us != f.t0_us || cache.us_per_px != f.us_per_px) {
    auto range = f.model.arrow_index().overlapping(f.t_lo(), f.t_hi());
    // Software GL pays per long thin line, so past a budget arrows fold over wider distances;
    // each drawn arrow still says how many it stands for.
    double fold_px = kFoldPx;
    auto t0 = static_cast<int64_t>(f.t0_us);
    cache.folds = fold_arrows(f.model, range, t0, f.us_per_px, fold_px);
    for (int i = 0; i < 4 && cache.folds.size() > kMaxArrows; ++i) {
      fold_px *= std::max(2.0, static_cast<double>(cache.folds.size()) / kMaxArrows);
      cache.folds = fold_arrows(f.model, range, t0, f.us_per_px, fold_px);
    }
    cache.generation = generation, cache.t0_us = f.t0_us, cache.us_per_px = f.us_per_px;
  }
  const auto& folds = cache.folds;
  bool crowded = folds.size() > kCrowdedArrows;
  f.arrow_labels = folds.size() <= kLabelledArrows;
  for (const ArrowFold& af : folds) {
    const Arrow& a = f.model.arrows()[af.arrow];
    if (a.end_us < f.t_lo()) continue;
    draw_arrow(f, af.arrow, af.count, oy + lay.lane_mid[a.from], oy + lay.lane_mid[a.to], false,
               crowded);
  }
}

// The focus drawn again on top, bright: its marks always, its spans and arrows when few.
void draw_focus(TimelineFrame& f, const AppState& app, const Layout& lay, float oy, float vis_y0,
                float vis_y1) {
  if (!app.focusing()) {
    if (app.search_text().empty()) return;
    for (const Row& r : lay.rows)
      if (r.lane != kNoLane && oy + r.y + r.h >= vis_y0 && oy + r.y <= vis_y1)
        draw_outlines(f, app.hits_on_lane(r.lane), oy + r.y, IM_COL32(255, 230, 0, 230));
    return;
  }
  const auto& focus = app.focus();
  auto first = std::lower_bound(focus.begin(), focus.end(), f.model.first_event_at(f.t_lo()));
  auto last = std::lower_bound(first, focus.end(), f.model.first_event_at(f.t_hi()));
  if (static_cast<size_t>(last - first) <= kMaxFocusDetail) {
    uint32_t last_span = kNone;
    for (auto it = first; it != last; ++it) {
      const Event& e = f.model.event(*it);
      if (e.span != kNone && e.span != last_span && lay.lane_open[e.lane]) {
        draw_span(f, e.span, oy + lay.lane_top[e.lane], true);
        last_span = e.span;
      }
      if (e.arrow != kNone) {
        // Once per arrow: at its send, or at its arrival when the send is out of focus.
        const Arrow& a = f.model.arrows()[e.arrow];
        if (a.send_event == *it || a.state == ArrowState::duplicate || !app.in_focus(a.send_event))
          draw_arrow(f, e.arrow, 1, oy + lay.lane_mid[a.from], oy + lay.lane_mid[a.to], true);
      }
    }
  }
  for (const Row& r : lay.rows)
    if (r.lane != kNoLane && oy + r.y + r.h >= vis_y0 && oy + r.y <= vis_y1)
      draw_instants(f, app.focus_on_lane(r.lane), oy + r.y, r.lane, true);
}

void draw_markers(TimelineFrame& f, const AppState& app, const Layout& lay, float oy, float vis_y0,
                  float vis_y1) {
  for (uint32_t ev : app.evidence()) {
    const Event& e = f.model.event(ev);
    if (e.t_us < f.t_lo() || e.t_us > f.t_hi()) continue;
    ImVec2 c(f.x_of(static_cast<double>(e.t_us)), oy + lay.lane_mid[e.lane]);
    f.dl->AddCircle(c, px(10), IM_COL32(255, 60, 60, 255), 16, px(2.5f));
    f.dl->AddText(ImVec2(c.x + px(9), c.y - px(18)), IM_COL32(255, 90, 90, 255), "!");
  }
  if (app.selected_event() != kNone) {
    const Event& e = f.model.event(app.selected_event());
    float x = f.x_of(static_cast<double>(e.t_us));
    f.dl->AddLine(ImVec2(x, vis_y0), ImVec2(x, vis_y1), IM_COL32(255, 255, 255, 60));
    f.dl->AddCircle(ImVec2(x, oy + lay.lane_mid[e.lane]), px(8), IM_COL32_WHITE, 16, px(2));
  }
}

void draw_labels(const AppState& app, const UiState& ui, const Layout& lay, ImDrawList* dl,
                 float left, float oy) {
  const TraceModel& m = app.model();
  const Palette& pal = palette();
  float u = px(1);
  for (const Row& r : lay.rows) {
    float y = oy + r.y;
    if (r.header) {
      bool folded = r.group < ui.collapsed.size() && ui.collapsed[r.group];
      // Over the label column only: arrows and story marks crossing the header stay visible.
      dl->AddRectFilled(ImVec2(left, y), ImVec2(left + label_w(), y + r.h),
                        pal.header_bg | IM_COL32_A_MASK);
      float cx = left + 9 * u, cy = y + r.h / 2;
      if (folded)
        dl->AddTriangleFilled(ImVec2(cx - 3 * u, cy - 5 * u), ImVec2(cx - 3 * u, cy + 5 * u),
                              ImVec2(cx + 4 * u, cy), IM_COL32_WHITE);
      else
        dl->AddTriangleFilled(ImVec2(cx - 5 * u, cy - 3 * u), ImVec2(cx + 5 * u, cy - 3 * u),
                              ImVec2(cx, cy + 4 * u), IM_COL32_WHITE);
      dl->AddText(ImVec2(left + 18 * u, y + 2 * u), pal.label_text,
                  m.groups()[r.group].name.c_str());
      continue;
    }
    dl->AddRectFilled(ImVec2(left, y), ImVec2(left + label_w() - 4 * u, y + r.h - 1), pal.label_bg);
    ImU32 name_col = r.lane != kNoLane && !m.nodes()[r.lane].declared ? IM_COL32(255, 170, 90, 255)
                                                                      : pal.label_text;
    // Labels never overlap: on a one-row lane the role goes when the name needs its room, and
    // a name too long for the column is cut with "..."; hovering shows both in full.
    std::string name = r.view->label(), role = r.view->sublabel();
    bool two_rows = r.h >= 2 * mark_row_h();
    float room = label_w() - 22 * u;
    float role_w = ImGui::CalcTextSize(role.c_str()).x;
    bool role_beside = !two_rows && ImGui::CalcTextSize(name.c_str()).x + 8 * u + role_w <= room;
    std::string shown = elide(name, room);
    dl->PushClipRect(ImVec2(left, y), ImVec2(left + label_w() - 6 * u, y + r.h), true);
    dl->AddText(ImVec2(left + 14 * u, y + 1), name_col, shown.c_str());
    if (two_rows)
      dl->AddText(ImVec2(left + 14 * u, y + mark_row_h()), pal.role_text,
                  elide(role, room).c_str());
    else if (role_beside)
      dl->AddText(ImVec2(left + 14 * u + room - role_w, y + 1), pal.role_text, role.c_str());
    dl->PopClipRect();
    if (ImGui::IsMouseHoveringRect(ImVec2(left, y), ImVec2(left + label_w() - 4 * u, y + r.h)) &&
        (shown != name || !(two_rows || role_beside)))
      ImGui::SetTooltip("%s (%s)", name.c_str(), role.c_str());
  }
}

void click(AppState& app, UiState& ui, const Hover& h, const Layout& lay, float oy, ImVec2 mouse,
           double us_per_px) {
  const TraceModel& m = app.model();
  if (h.kind == HoverKind::step) {  // a badge lies on top of lanes and headers alike
    app.set_finding_step(h.index);  // the story presented from this step
    return;
  }
  for (const Row& r : lay.rows) {
    if (r.header && mouse.y >= oy + r.y && mouse.y < oy + r.y + r.h) {
      if (ui.collapsed.size() <= r.group) ui.collapsed.resize(r.group + 1, false);
      ui.collapsed[r.group] = !ui.collapsed[r.group];
      return;
    }
  }
  // Folded runs zoom in; a folded arrow is drawn as one real message, so it selects like one.
  bool folded = h.kind == HoverKind::events || h.kind == HoverKind::spans ||
                (h.count > 1 && h.kind != HoverKind::arrow);
  if (folded) {
    double pad = std::max(static_cast<double>(h.end_us - h.begin_us) * 0.1, 20 * us_per_px);
    app.view().zoom_to_range(static_cast<double>(h.begin_us) - pad,
                             static_cast<double>(h.end_us) + pad);
    return;
  }
  uint32_t ev = kNone;
  switch (h.kind) {
    case HoverKind::event:
      ev = h.index;
      break;
    case HoverKind::span:
      ev = m.spans()[h.index].begin_event;
      break;
    case HoverKind::arrow:
      ev = m.arrows()[h.index].send_event;
      break;
    case HoverKind::band:
      ev = m.bands()[h.index].begin_event;
      break;
    case HoverKind::partition:
      ev = m.partitions()[h.index].begin_event;
      break;
    default:
      return;
  }
  app.select_event(ev, false);
}

void handle_mouse(AppState& app, UiState& ui, TimelineFrame& f, const Layout& lay, float oy,
                  float vis_y0, float vis_y1) {
  ImGuiIO& io = ImGui::GetIO();
  bool hovered = ImGui::IsWindowHovered();
  double width_px = f.x1 - f.x0;
  double mouse_t = f.t_at(f.mouse.x);
  if (hovered && io.MouseWheel != 0) {
    if (io.KeyCtrl)
      ImGui::SetScrollY(ImGui::GetScrollY() - io.MouseWheel * 40);
    else
      app.view().zoom_around(std::clamp(mouse_t, f.t0_us, f.t0_us + width_px * f.us_per_px),
                             std::pow(0.8, io.MouseWheel));
  }
  for (int b = 0; b < 2; ++b) {
    if (hovered && ui.drag_button < 0 && ImGui::IsMouseClicked(b)) {
      ui.drag_button = b;
      ui.drag_range = b == 0 && io.KeyShift;
      ui.drag_moved = false;
      ui.drag_from_us = mouse_t;
    }
  }
  if (ui.drag_button < 0) return;
  if (ImGui::IsMouseDragging(ui.drag_button)) ui.drag_moved = true;
  if (ui.drag_range) {
    float xa = f.x_of(ui.drag_from_us), xb = f.mouse.x;
    f.dl->AddRectFilled(ImVec2(std::min(xa, xb), vis_y0), ImVec2(std::max(xa, xb), vis_y1),
                        IM_COL32(120, 170, 255, 50));
    ImGui::SetTooltip("zoom to %s", format_time(std::abs(mouse_t - ui.drag_from_us)).c_str());
  } else if (ui.drag_moved && ImGui::IsMouseDown(ui.drag_button)) {
    app.view().pan_px(io.MouseDelta.x, width_px);
    ImGui::SetScrollY(ImGui::GetScrollY() - io.MouseDelta.y);
  }
  if (ImGui::IsMouseReleased(ui.drag_button)) {
    if (ui.drag_range && std::abs(f.x_of(ui.drag_from_us) - f.mouse.x) > kFoldPx)
      app.view().zoom_to_range(ui.drag_from_us, mouse_t);
    else if (!ui.drag_moved && ui.drag_button == 0)
      click(app, ui, f.hover, lay, oy, f.mouse, f.us_per_px);
    ui.drag_button = -1;
  }
}

}  // namespace

void draw_timeline(AppState& app, UiState& ui) {
  const TraceModel& m = app.model();
  ImVec2 p = ImGui::GetCursorScreenPos();
  float avail_w = ImGui::GetContentRegionAvail().x;
  float x0 = p.x + label_w(), x1 = p.x + avail_w - ImGui::GetStyle().ScrollbarSize;
  draw_ruler(app, ImGui::GetWindowDrawList(), p, x0, x1, ImGui::GetIO().MousePos.x);
  ImGui::Dummy(ImVec2(avail_w, ruler_h()));

  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
  ImGui::BeginChild("lanes", ImVec2(0, 0), false,
                    ImGuiWindowFlags_NoScrollWithMouse | ImGuiWindowFlags_AlwaysVerticalScrollbar);
  ImGui::PopStyleVar();
  Layout lay = build_layout(m, ui);
  ImVec2 origin = ImGui::GetCursorScreenPos();
  float vis_y0 = ImGui::GetWindowPos().y, vis_y1 = vis_y0 + ImGui::GetWindowHeight();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  TimelineFrame f{app,
                  m,
                  dl,
                  x0,
                  x1,
                  app.view().start_us(),
                  app.view().us_per_px(x1 - x0),
                  ImGui::GetIO().MousePos,
                  false,
                  app.focusing(),
                  {},
                  &ui.stats};
  f.mouse_inside = ImGui::IsWindowHovered() && f.mouse.x >= x0 && f.mouse.x <= x1;

  dl->PushClipRect(ImVec2(x0, vis_y0), ImVec2(x1, vis_y1), true);
  for (size_t i = 0; i < lay.rows.size(); ++i) {
    const Row& r = lay.rows[i];
    float y = origin.y + r.y;
    if (y + r.h < vis_y0 || y > vis_y1) continue;
    if (!r.header && i % 2 == 0)
      dl->AddRectFilled(ImVec2(x0, y), ImVec2(x1, y + r.h), palette().lane_stripe);
    if (r.header) dl->AddRectFilled(ImVec2(x0, y), ImVec2(x1, y + r.h), palette().header_bg);
  }
  draw_partitions(f, lay, origin.y);
  for (const Row& r : lay.rows) {
    float y = origin.y + r.y;
    if (r.view && y + r.h >= vis_y0 && y <= vis_y1) r.view->draw(f, y);
  }
  draw_arrows(f, lay, origin.y, ui.caches.arrows);
  draw_focus(f, app, lay, origin.y, vis_y0, vis_y1);
  draw_markers(f, app, lay, origin.y, vis_y0, vis_y1);
  draw_story_marks(f, lay.lane_mid, origin.y, vis_y0, vis_y1, ui.stats);
  if (f.mouse_inside)
    dl->AddLine(ImVec2(f.mouse.x, vis_y0), ImVec2(f.mouse.x, vis_y1), IM_COL32(255, 255, 160, 40));
  dl->PopClipRect();
  draw_labels(app, ui, lay, dl, origin.x, origin.y);

  ImGui::Dummy(ImVec2(avail_w - ImGui::GetStyle().ScrollbarSize, lay.total_h));
  TimelineGeometry& geo = ui.geometry;
  geo.x0 = x0, geo.x1 = x1;
  geo.lane_mid_y.resize(lay.lane_mid.size());
  for (size_t l = 0; l < lay.lane_mid.size(); ++l) geo.lane_mid_y[l] = origin.y + lay.lane_mid[l];
  geo.header_y.clear();
  for (const Row& r : lay.rows)
    if (r.header) geo.header_y.push_back(origin.y + r.y + r.h / 2);
  handle_mouse(app, ui, f, lay, origin.y, vis_y0, vis_y1);
  if (f.hover.kind != HoverKind::none && ui.drag_button < 0) show_tooltip(app, f.hover);
  ImGui::EndChild();
}

}  // namespace dtxview
