// The event log: a table of events (the focus only, when focusing) drawn with ImGuiListClipper,
// so a million rows cost what the visible ones cost. Shares the selection with the timeline:
// clicking a row selects and centres it there; selecting elsewhere scrolls the row into view.
#include <imgui.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "views.hpp"

namespace dtxview {

namespace {

constexpr ImU32 kHitText = IM_COL32(255, 230, 80, 255);

// The row that shows `ev`, or -1 when it is filtered out.
int row_of(const AppState& app, uint32_t ev) {
  if (!app.focusing()) return static_cast<int>(ev);
  const auto& f = app.focus();
  auto it = std::lower_bound(f.begin(), f.end(), ev);
  return it != f.end() && *it == ev ? static_cast<int>(it - f.begin()) : -1;
}

void draw_row(AppState& app, uint32_t ev) {
  const TraceModel& m = app.model();
  const Event& e = m.event(ev);
  bool hit = !app.focusing() && !app.search_text().empty() && app.is_hit(ev);
  bool evidence = app.is_evidence(ev);
  if (hit) ImGui::PushStyleColor(ImGuiCol_Text, kHitText);
  if (evidence) ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 110, 110, 255));
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  char id[32];
  std::snprintf(id, sizeof id, "%llu", static_cast<unsigned long long>(e.id));
  ImGui::PushID(static_cast<int>(ev));
  if (ImGui::Selectable(
          id, app.selected_event() == ev,
          ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap))
    app.select_event(ev, true);
  ImGui::PopID();
  ImGui::TableNextColumn();
  ImGui::TextUnformatted(format_timestamp(e.t_us).c_str());
  ImGui::TableNextColumn();
  ImGui::TextUnformatted(m.nodes()[e.lane].name.c_str());
  ImGui::TableNextColumn();
  std::string_view kind = m.kind_name(e);
  ImGui::TextUnformatted(kind.data(), kind.data() + kind.size());
  ImGui::TableNextColumn();
  if (e.gid != kNone) ImGui::TextUnformatted(m.gid_name(e.gid).c_str());
  ImGui::TableNextColumn();
  if (e.msg != kNoMsg) ImGui::Text("%llu", static_cast<unsigned long long>(e.msg));
  ImGui::TableNextColumn();
  if (e.peer != kNoLane) ImGui::TextUnformatted(m.nodes()[e.peer].name.c_str());
  ImGui::TableNextColumn();
  std::string_view d = m.detail_text(e);
  ImGui::TextUnformatted(d.data(), d.data() + std::min<size_t>(d.size(), 200));
  if (evidence) ImGui::PopStyleColor();
  if (hit) ImGui::PopStyleColor();
}

}  // namespace

void draw_log(AppState& app, UiState& ui) {
  const TraceModel& m = app.model();
  size_t rows = app.focusing() ? app.focus().size() : m.events().size();
  ImGui::Text("Event log: %zu %s", rows, app.focusing() ? "events in focus" : "events");
  ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg |
                          ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_Resizable |
                          ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("log", 8, flags)) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  // Widths fixed up front from the longest names: fit-to-content would only measure the rows
  // shown first (small ids, early gids).
  auto& cache = ui.caches.log;
  float* widths = cache.widths;
  if (cache.generation != app.model_generation() || cache.font_px != ImGui::GetFontSize()) {
    cache.generation = app.model_generation();
    cache.font_px = ImGui::GetFontSize();  // widths are text widths: a new UI scale redoes them
    auto longest = [](auto&& names) {
      float w = 0;
      for (const auto& n : names) w = std::max(w, ImGui::CalcTextSize(n.c_str()).x);
      return w;
    };
    std::vector<std::string> nodes, gids;
    for (const Node& n : m.nodes()) nodes.push_back(n.name);
    for (size_t g = 0; g < m.gid_count(); ++g) gids.push_back(m.gid_name(static_cast<uint32_t>(g)));
    float digit = ImGui::CalcTextSize("0").x;
    widths[0] = digit * 8;
    widths[1] = ImGui::CalcTextSize(format_timestamp(m.t_end_us()).c_str()).x;
    widths[2] = widths[6] = longest(nodes);
    widths[3] = longest(m.kind_names());
    widths[4] = std::max(longest(gids), ImGui::CalcTextSize("gid").x);
    widths[5] = digit * 7;
  }
  const char* names[7] = {"id", "time", "node", "kind", "gid", "msg", "peer"};
  for (int c = 0; c < 7; ++c)
    ImGui::TableSetupColumn(names[c], ImGuiTableColumnFlags_WidthFixed, widths[c]);
  ImGui::TableSetupColumn("detail", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableHeadersRow();
  if (ui.log_row_h > 0 && app.take_log_scroll()) {  // row height is known from frame 2 on
    int row = row_of(app, app.selected_event());
    if (row >= 0) {
      float visible = ImGui::GetWindowHeight() - ui.log_row_h;
      ImGui::SetScrollY(std::max(0.0f, row * ui.log_row_h - visible / 2));
    }
  }
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(rows));
  while (clipper.Step()) {
    if (clipper.ItemsHeight > 0) ui.log_row_h = clipper.ItemsHeight;
    for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r)
      draw_row(app, app.focusing() ? app.focus()[r] : static_cast<uint32_t>(r));
  }
  ImGui::EndTable();
}

}  // namespace dtxview
