// The toolbar: open, fit all, step/play controls, search (highlight or filter), gid focus, and
// what is loaded; plus the keyboard shortcuts for step mode.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <cmath>

#include "views.hpp"

namespace dtxview {

namespace {

void gid_picker(AppState& app, UiState& ui) {
  const TraceModel& m = app.model();
  ImGui::SetNextItemWidth(120);
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

}  // namespace

void draw_toolbar(AppState& app, UiState& ui) {
  const TraceModel& m = app.model();
  if (ImGui::Button("Open...")) ui.open_dialog = true;
  ImGui::SameLine();
  if (ImGui::Button("Fit all")) app.view().fit_all();
  ImGui::SameLine();
  if (ImGui::Button("Legend")) ui.show_legend = !ui.show_legend;
  ImGui::SameLine();
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
  ImGui::SameLine();
  ImGui::SetNextItemWidth(130);
  float speed = static_cast<float>(app.play_events_per_s());
  if (ImGui::SliderFloat("##speed", &speed, 0.5f, 500.0f, "%.1f events/s",
                         ImGuiSliderFlags_Logarithmic))
    app.play_events_per_s() = speed;
  ImGui::SameLine();
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

  ImGui::SetNextItemWidth(220);
  if (ImGui::InputTextWithHint("##search", "search kind/node/gid/detail", &ui.search_input))
    app.set_search(ui.search_input);
  ImGui::SameLine();
  bool filter = app.filter();
  if (ImGui::Checkbox("filter", &filter)) app.set_filter(filter);
  if (!app.search_text().empty()) {
    ImGui::SameLine();
    ImGui::Text("%zu hits", app.search_hits().size());
  }
  ImGui::SameLine();
  ImGui::TextDisabled("|  gid");
  ImGui::SameLine();
  gid_picker(app, ui);
  if (app.focusing()) {
    ImGui::SameLine();
    ImGui::Text("%zu events in focus", app.focus().size());
  }
  ImGui::SameLine();
  ImGui::TextDisabled("|  wheel: zoom  drag: pan  shift-drag: zoom to range  click: details");
}

void handle_shortcuts(AppState& app) {
  ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput) return;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_RightArrow))) app.step(+1);
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_LeftArrow))) app.step(-1);
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Space), false))
    app.set_playing(!app.playing());
  if (ImGui::IsKeyPressed('F', false))
    app.view().fit_all();  // GLFW key codes are ASCII for letters
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape), false)) {
    app.select_violation(kNone);
    app.select_gid(kNone);
  }
}

}  // namespace dtxview
