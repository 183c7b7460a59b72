// One frame of the viewer: a fixed layout of the views filling the window — toolbar on top,
// timeline over the event log on the left, detail over findings on the right — and shortcuts.
#include <imgui.h>

#include <algorithm>

#include "views.hpp"

namespace dtxview {

void draw_frame(AppState& app, UiState& ui) {
  app.advance_play(ImGui::GetIO().DeltaTime);
  handle_shortcuts(app);
  ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGuiWindowFlags host =
      ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
      ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse;
  ImGui::Begin("dtxview", nullptr, host);
  draw_toolbar(app, ui);
  ImVec2 avail = ImGui::GetContentRegionAvail();
  float right_w = std::clamp(avail.x * 0.27f, 260.0f, 520.0f);
  float spacing = ImGui::GetStyle().ItemSpacing.x;
  ImGui::BeginChild("left", ImVec2(avail.x - right_w - spacing, avail.y));
  ImGui::BeginChild("timeline", ImVec2(0, avail.y * 0.64f), true,
                    ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  draw_timeline(app, ui);
  ImGui::EndChild();
  ImGui::BeginChild("log", ImVec2(0, 0), true);
  draw_log(app, ui);
  ImGui::EndChild();
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("right", ImVec2(0, avail.y));
  ImGui::BeginChild("detail", ImVec2(0, avail.y * 0.55f), true);
  draw_detail(app, ui);
  ImGui::EndChild();
  ImGui::BeginChild("findings", ImVec2(0, 0), true);
  draw_violations(app, ui);
  ImGui::EndChild();
  ImGui::EndChild();
  ImGui::End();
  draw_open_dialog(app, ui);
  draw_legend(ui);
}

}  // namespace dtxview
