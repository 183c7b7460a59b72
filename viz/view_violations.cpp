// The violations under the findings: violations from the trailer lines (click one to zoom to its
// evidence, highlight it and focus its gid), then the problems met while loading, each with its
// line. With finding lines in the trace the violations fold under a header (findings group them).
#include <imgui.h>

#include "views.hpp"

namespace dtxview {

namespace {
void list_violations(AppState& app);
}

void draw_violations(AppState& app, UiState&) {
  const TraceModel& m = app.model();
  const auto& vs = m.violations();
  bool listed = true;
  if (m.findings().empty()) {
    ImGui::Text("Violations: %zu", vs.size());
  } else {
    std::string title = "Violations (" + std::to_string(vs.size()) + ")###violations";
    listed = ImGui::CollapsingHeader(title.c_str());
  }
  if (listed) list_violations(app);
  if (app.selected_violation() != kNone || app.selected_gid() != kNone ||
      app.selected_finding() != kNone) {
    if (ImGui::SmallButton("clear highlight")) {
      app.select_finding(kNone);
      app.select_violation(kNone);
      app.select_gid(kNone);
    }
  }
  const auto& issues = m.issues();
  if (issues.empty()) return;
  ImGui::Spacing();
  ImGuiTreeNodeFlags open = ImGuiTreeNodeFlags_DefaultOpen;
  std::string title = "Load problems (" + std::to_string(issues.size()) + ")###problems";
  if (!ImGui::CollapsingHeader(title.c_str(), open)) return;
  for (const LoadIssue& i : issues) {
    if (i.line > 0)
      ImGui::TextColored(ImVec4(1, 0.7f, 0.3f, 1), "line %u:", i.line);
    else
      ImGui::TextColored(ImVec4(1, 0.7f, 0.3f, 1), "file:");
    ImGui::SameLine();
    ImGui::TextWrapped("%s", i.what.c_str());
  }
}

namespace {

void list_violations(AppState& app) {
  const TraceModel& m = app.model();
  const auto& vs = m.violations();
  if (vs.empty())
    ImGui::TextDisabled(m.complete() ? "The checkers found nothing."
                                     : "None read (trace incomplete).");
  for (uint32_t i = 0; i < vs.size(); ++i) {
    const Violation& v = vs[i];
    ImGui::PushID(static_cast<int>(i));
    ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 120, 120, 255));
    bool clicked = ImGui::Selectable(v.invariant.c_str(), app.selected_violation() == i);
    ImGui::PopStyleColor();
    if (ImGui::IsItemHovered()) {
      ImGui::BeginTooltip();
      ImGui::Text("line %u, %zu evidence events; click to zoom to them", v.line, v.events.size());
      ImGui::EndTooltip();
    }
    if (clicked) app.select_violation(i);
    ImGui::Indent();
    ImGui::TextDisabled("gid %s", v.gid_text.empty() ? "-" : v.gid_text.c_str());
    ImGui::TextWrapped("%s", v.message.c_str());
    ImGui::Unindent();
    ImGui::PopID();
  }
}

}  // namespace

}  // namespace dtxview
