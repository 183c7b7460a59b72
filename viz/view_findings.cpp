// The findings panel and the story banner. Findings come from the trace's finding lines: each
// lists its cause, count and invariants; selecting one zooms the timeline to its story and lists
// the story's numbered steps (click one, or Right/Left, to present it step by step).
#include <imgui.h>

#include <string>

#include "timeline.hpp"
#include "views.hpp"

namespace dtxview {

namespace {

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// One step of the story: its badge, then time, node and text wrapped beside it; a click
// presents it.
void story_row(AppState& app, const Finding& f, uint32_t k) {
  const FindingStep& st = f.steps[k];
  float badge_w = px(26);
  float wrap_w = ImGui::GetContentRegionAvail().x - badge_w;
  std::string head = format_timestamp(st.t_us) + "  " + st.node;
  if (st.mark != StepMark::none) head += std::string("  (") + step_mark_name(st.mark) + ")";
  float text_h =
      ImGui::GetTextLineHeight() + ImGui::CalcTextSize(st.text.c_str(), nullptr, false, wrap_w).y;
  ImVec2 top = ImGui::GetCursorScreenPos();
  ImGui::PushID(static_cast<int>(k));
  if (ImGui::Selectable("##step", app.finding_step() == k, ImGuiSelectableFlags_AllowItemOverlap,
                        ImVec2(0, text_h)))
    app.set_finding_step(k);
  ImGui::PopID();
  ImVec2 after = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  draw_step_badge(dl, ImVec2(top.x + badge_w / 2, top.y + px(10)), k + 1, st.mark,
                  app.finding_step() == k);
  ImGui::SetCursorScreenPos(ImVec2(top.x + badge_w, top.y));
  ImGui::TextDisabled("%s", head.c_str());
  ImGui::SetCursorScreenPos(ImVec2(top.x + badge_w, top.y + ImGui::GetTextLineHeight()));
  ImGui::PushTextWrapPos(top.x + badge_w + wrap_w - ImGui::GetWindowPos().x);
  if (st.mark == StepMark::decisive)
    ImGui::TextColored(ImVec4(1, 0.45f, 0.45f, 1), "%s", st.text.c_str());
  else
    ImGui::TextUnformatted(st.text.c_str());
  ImGui::PopTextWrapPos();
  ImGui::SetCursorScreenPos(after);
  ImGui::Dummy(ImVec2(0, px(2)));
}

}  // namespace

void draw_findings(AppState& app, UiState&) {
  const auto& fs = app.model().findings();
  if (fs.empty()) return;
  ImGui::Text("Findings: %zu", fs.size());
  for (uint32_t i = 0; i < fs.size(); ++i) {
    const Finding& f = fs[i];
    ImGui::PushID(static_cast<int>(i));
    std::string title = "Finding " + std::to_string(f.n) + ": " + std::to_string(f.count) +
                        (f.count == 1 ? " transaction" : " transactions");
    ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 150, 120, 255));
    bool clicked = ImGui::Selectable(title.c_str(), app.selected_finding() == i);
    ImGui::PopStyleColor();
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("%s\nclick: zoom to its story (%zu steps)", f.signature.c_str(),
                        f.steps.size());
    if (clicked) app.select_finding(app.selected_finding() == i ? kNone : i);
    ImGui::Indent();
    ImGui::TextWrapped("%s", f.cause.c_str());
    ImGui::TextDisabled("breaks %s; example %s", join(f.invariants, ", ").c_str(),
                        f.gid_text.empty() ? "-" : f.gid_text.c_str());
    ImGui::Unindent();
    if (app.selected_finding() == i) {
      ImGui::Spacing();
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
      ImGui::TextWrapped("Story (click a step, or Right/Left to present it):");
      ImGui::PopStyleColor();
      for (uint32_t k = 0; k < f.steps.size(); ++k) story_row(app, f, k);
      ImGui::Separator();
    }
    ImGui::PopID();
  }
  ImGui::Spacing();
}

namespace {

struct BannerText {
  std::string big, small;
  ImU32 col = IM_COL32_WHITE;
};

BannerText banner_text(const AppState& app) {
  const Finding* f = app.finding();
  BannerText b;
  if (!f) return b;
  uint32_t k = app.finding_step();
  if (k == kNone || k >= f->steps.size()) {
    b.big = "Finding " + std::to_string(f->n) + ": " + f->cause;
    b.small = std::to_string(f->count) +
              (f->count == 1 ? " transaction breaks " : " transactions break ") +
              join(f->invariants, ", ") + "; the story of " + f->gid_text + " in " +
              std::to_string(f->steps.size()) + " steps (Right/Left: step through it, Esc: close)";
    return b;
  }
  const FindingStep& st = f->steps[k];
  b.big = std::to_string(k + 1) + "/" + std::to_string(f->steps.size()) + "  " + st.text;
  b.small = format_timestamp(st.t_us) + " on " + st.node;
  if (st.mark != StepMark::none) b.small += std::string(", ") + step_mark_name(st.mark) + " step";
  if (st.mark == StepMark::decisive) b.col = IM_COL32(255, 110, 110, 255);
  return b;
}

}  // namespace

float story_banner_height(const AppState& app, float width) {
  BannerText b = banner_text(app);
  if (b.big.empty()) return 0;
  float wrap = width - 2 * ImGui::GetStyle().WindowPadding.x;
  ImGui::PushFont(big_font());
  float h = ImGui::CalcTextSize(b.big.c_str(), nullptr, false, wrap).y;
  ImGui::PopFont();
  return h + ImGui::GetTextLineHeightWithSpacing() + 2 * ImGui::GetStyle().WindowPadding.y +
         ImGui::GetStyle().ItemSpacing.y;
}

void draw_story_banner(AppState& app) {
  BannerText b = banner_text(app);
  ImGui::PushFont(big_font());
  ImGui::PushStyleColor(ImGuiCol_Text, b.col);
  ImGui::TextWrapped("%s", b.big.c_str());
  ImGui::PopStyleColor();
  ImGui::PopFont();
  ImGui::TextDisabled("%s", b.small.c_str());
}

}  // namespace dtxview
