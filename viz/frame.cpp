// One frame of the viewer: a fixed layout of the views filling the window — toolbar on top, the
// story banner while a finding is selected, timeline over the event log on the left, detail over
// findings on the right — and shortcuts. Sets the session's look (scale, theme) first.
#include <imgui.h>

#include <algorithm>

#include "views.hpp"

namespace dtxview {

void draw_frame(AppState& app, UiState& ui) {
  set_look(ui.look);
  if (!(ui.styled == ui.look)) {
    apply_style(ui.look);
    ui.styled = ui.look;
  }
  ui.stats = {};
  app.advance_play(ImGui::GetIO().DeltaTime);
  handle_shortcuts(app, ui);
  ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGuiWindowFlags host =
      ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
      ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse;
  ImGui::Begin("dtxview", nullptr, host);
  draw_toolbar(app, ui);
  ImVec2 avail = ImGui::GetContentRegionAvail();
  // The timeline keeps at least two thirds of the width, also when scaled up for a projector.
  float right_w = std::min(std::clamp(avail.x * 0.27f, px(260), px(520)), avail.x / 3);
  float spacing = ImGui::GetStyle().ItemSpacing.x;
  ImGui::BeginChild("left", ImVec2(avail.x - right_w - spacing, avail.y));
  float left_w = ImGui::GetContentRegionAvail().x;
  float banner_h = story_banner_height(app, left_w);
  if (banner_h > 0) {
    ImGui::BeginChild("story", ImVec2(0, banner_h), true, ImGuiWindowFlags_NoScrollbar);
    draw_story_banner(app);
    ImGui::EndChild();
  }
  float left_h = ImGui::GetContentRegionAvail().y;
  ImGui::BeginChild("timeline", ImVec2(0, left_h * 0.66f), true,
                    ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  draw_timeline(app, ui);
  ImGui::EndChild();
  ImGui::BeginChild("log", ImVec2(0, 0), true);
  draw_log(app, ui);
  ImGui::EndChild();
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("right", ImVec2(0, avail.y));
  // A selected finding's story needs the room more than the detail does.
  float detail_share = app.finding() ? 0.38f : 0.55f;
  ImGui::BeginChild("detail", ImVec2(0, avail.y * detail_share), true);
  draw_detail(app, ui);
  ImGui::EndChild();
  ImGui::BeginChild("findings", ImVec2(0, 0), true);
  draw_findings(app, ui);
  draw_violations(app, ui);
  ImGui::EndChild();
  ImGui::EndChild();
  ImGui::End();
  draw_open_dialog(app, ui);
  draw_legend(ui);
}

}  // namespace dtxview
