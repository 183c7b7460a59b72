// The toolbar: open, fit all, legend, contrast and scale, step/play controls, search (highlight
// or filter), gid focus, and what is loaded; plus the keyboard shortcuts: step mode (through a
// finding's story while one is selected), Ctrl +/-/0 for the UI scale.
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cmath>

#include "views.hpp"

namespace dtxview {

namespace {

void gid_picker(AppState& app, UiState& ui) {
  const TraceModel& m = app.model();
  ImGui::SetNextItemWidth(px(120));
  if (ImGui::InputTextWithHint("##gid", "gid, e.g. g42", &ui.gid_input)) {
    uint32_t g = m.find_gid(ui.gid_input);
    if (g != kNone || ui.gid_input.empty()) app.select_gid(g);
  }
  ImGui::SameLine(0, 2);
  if (ImGui::BeginCombo("##gids", nullptr,
                        ImGuiComboFlags_NoPreview | ImGuiComboFlags_HeightLarge)) {
    int shown = 0;
    for (uint32_t g = 0; g < m.gid_count() && shown < 300; ++g) {
      const std::string& name = m.gid_name(g);
      if (!ui.gid_input.empty() && name.find(ui.gid_input) == std::string::npos) continue;
      ++shown;
      if (ImGui::Selectable(name.c_str(), app.selected_gid() == g)) {
        app.select_gid(g);
        ui.gid_input = name;
      }
    }
    ImGui::EndCombo();
  }
  if (app.selected_gid() != kNone) {
    ImGui::SameLine();
    if (ImGui::SmallButton("x##gid")) {
      app.select_gid(kNone);
      ui.gid_input.clear();
    }
  }
}

// Lays groups of widgets out left to right and starts a new line when the next group would
// pass the window's right edge: at a projector's scale the toolbar wraps instead of running
// off the window. A group's width is known once it is drawn, so the decision uses last
// frame's (the first frame may run long once).
class Flow {
 public:
  explicit Flow(UiState& ui) : ui_(ui), right_(ImGui::GetWindowContentRegionMax().x) {
    ui_.stats.toolbar_rows = 1;
  }
  // Starts group `i`; `line_break`: always on a new line.
  void begin(size_t i, bool line_break = false) {
    if (i > 0 && !line_break) {
      float w = i < ui_.toolbar_widths.size() ? ui_.toolbar_widths[i] : 0;
      ImGui::SameLine();
      if (ImGui::GetCursorPosX() + w > right_) line_break = true;
      if (line_break) ImGui::NewLine();
    }
    if (i > 0 && line_break) ++ui_.stats.toolbar_rows;
    ImGui::BeginGroup();
  }
  void end(size_t i) {
    ImGui::EndGroup();
    if (ui_.toolbar_widths.size() <= i) ui_.toolbar_widths.resize(i + 1, 0);
    ui_.toolbar_widths[i] = ImGui::GetItemRectSize().x;
    float right = ImGui::GetItemRectMax().x - ImGui::GetWindowPos().x;
    ui_.stats.toolbar_right = std::max(ui_.stats.toolbar_right, right);
  }

 private:
  UiState& ui_;
  float right_;
};

}  // namespace

void draw_toolbar(AppState& app, UiState& ui) {
  const TraceModel& m = app.model();
  Flow flow(ui);
  size_t g = 0;
  flow.begin(g);
  if (ImGui::Button("Open...")) ui.open_dialog = true;
  ImGui::SameLine();
  if (ImGui::Button("Fit all")) app.view().fit_all();
  ImGui::SameLine();
  if (ImGui::Button("Legend")) ui.show_legend = !ui.show_legend;
  flow.end(g);
  flow.begin(++g);
  bool high = ui.look.theme == Theme::high_contrast;
  if (ImGui::Button(high ? "Normal contrast" : "High contrast"))
    ui.look.theme = high ? Theme::dark : Theme::high_contrast;
  ImGui::SameLine();
  if (ImGui::Button("A-")) ui.look.scale = next_scale(ui.look.scale, -1);
  ImGui::SameLine(0, px(2));
  if (ImGui::Button("A+")) ui.look.scale = next_scale(ui.look.scale, +1);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("UI scale %.2fx (Ctrl +/-, Ctrl 0)", ui.look.scale);
  flow.end(g);
  flow.begin(++g);
  ImGui::TextDisabled("|");
  ImGui::SameLine();
  if (ImGui::Button("|<")) app.select_event(m.events().empty() ? kNone : 0, true);
  ImGui::SameLine();
  if (ImGui::ArrowButton("prev", ImGuiDir_Left)) app.step(-1);
  ImGui::SameLine();
  if (ImGui::ArrowButton("next", ImGuiDir_Right)) app.step(+1);
  ImGui::SameLine();
  if (ImGui::Button(">|") && !m.events().empty())
    app.select_event(static_cast<uint32_t>(m.events().size() - 1), true);
  ImGui::SameLine();
  if (ImGui::Button(app.playing() ? "Pause" : "Play ")) app.set_playing(!app.playing());
  flow.end(g);
  flow.begin(++g);
  ImGui::SetNextItemWidth(px(130));
  float speed = static_cast<float>(app.play_events_per_s());
  if (ImGui::SliderFloat("##speed", &speed, 0.5f, 500.0f, "%.1f events/s",
                         ImGuiSliderFlags_Logarithmic))
    app.play_events_per_s() = speed;
  flow.end(g);
  flow.begin(++g);
  ImGui::TextDisabled("|");
  ImGui::SameLine();
  std::string name = ui.trace_path.empty() ? m.source() : ui.trace_path;
  ImGui::Text("%s: %zu events, %zu lanes, %zu gids", name.c_str(), m.events().size(),
              m.nodes().size(), m.gid_count());
  if (!m.issues().empty()) {
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(1, 0.5f, 0.2f, 1),
                       m.complete() ? "%zu load problems" : "TRUNCATED, %zu load problems",
                       m.issues().size());
  }
  flow.end(g);
  flow.begin(++g, true);  // searching and picking start a line of their own
  ImGui::SetNextItemWidth(px(220));
  if (ImGui::InputTextWithHint("##search", "search kind/node/gid/detail", &ui.search_input))
    app.set_search(ui.search_input);
  ImGui::SameLine();
  bool filter = app.filter();
  if (ImGui::Checkbox("filter", &filter)) app.set_filter(filter);
  if (!app.search_text().empty()) {
    ImGui::SameLine();
    ImGui::Text("%zu hits", app.search_hits().size());
  }
  flow.end(g);
  flow.begin(++g);
  ImGui::TextDisabled("|  gid");
  ImGui::SameLine();
  gid_picker(app, ui);
  if (app.focusing()) {
    ImGui::SameLine();
    ImGui::Text("%zu events in focus", app.focus().size());
  }
  flow.end(g);
  flow.begin(++g);
  ImGui::TextDisabled("|  wheel: zoom  drag: pan  shift-drag: zoom to range  click: details");
  flow.end(g);
}

void handle_shortcuts(AppState& app, UiState& ui) {
  ImGuiIO& io = ImGui::GetIO();
  // GLFW key codes: ASCII for letters and digits, '=' shares its key with '+'.
  if (io.KeyCtrl) {
    if (ImGui::IsKeyPressed(GLFW_KEY_EQUAL) || ImGui::IsKeyPressed(GLFW_KEY_KP_ADD))
      ui.look.scale = next_scale(ui.look.scale, +1);
    if (ImGui::IsKeyPressed(GLFW_KEY_MINUS) || ImGui::IsKeyPressed(GLFW_KEY_KP_SUBTRACT))
      ui.look.scale = next_scale(ui.look.scale, -1);
    if (ImGui::IsKeyPressed(GLFW_KEY_0, false) || ImGui::IsKeyPressed(GLFW_KEY_KP_0, false))
      ui.look.scale = 1;
    return;
  }
  if (io.WantTextInput) return;
  // While a finding is selected the arrows present its story; N/P always do.
  bool story = app.finding() != nullptr;
  bool right = ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_RightArrow));
  bool left = ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_LeftArrow));
  if (story && (right || ImGui::IsKeyPressed('N'))) app.step_finding(+1);
  if (story && (left || ImGui::IsKeyPressed('P'))) app.step_finding(-1);
  if (!story && right) app.step(+1);
  if (!story && left) app.step(-1);
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Space), false))
    app.set_playing(!app.playing());
  if (ImGui::IsKeyPressed('F', false))
    app.view().fit_all();  // GLFW key codes are ASCII for letters
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape), false)) {
    app.select_finding(kNone);
    app.select_violation(kNone);
    app.select_gid(kNone);
  }
}

}  // namespace dtxview
