// The detail panel: every field of the selected event (parsed from its raw line, so nothing the
// loader skipped is lost), SQL and params of a db_exec, and the span, message and violations it
// belongs to, with buttons to jump along them.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "views.hpp"

namespace dtxview {

namespace {

using Json = nlohmann::ordered_json;  // fields in the order the file has them

void section(const char* title) {  // ImGui 1.86 has no SeparatorText
  ImGui::Spacing();
  ImGui::TextDisabled("%s", title);
  ImGui::Separator();
}

void jump_button(AppState& app, const char* label, uint32_t ev) {
  if (ev == kNone) return;
  ImGui::SameLine();
  ImGui::PushID(label);
  if (ImGui::SmallButton(label)) app.select_event(ev, true);
  ImGui::PopID();
}

void show_value(const std::string& key, const Json& v) {
  if (v.is_string()) {
    ImGui::TextColored(ImVec4(0.6f, 0.8f, 1, 1), "%s:", key.c_str());
    ImGui::SameLine();
    ImGui::TextWrapped("%s", v.get<std::string>().c_str());
  } else if (v.is_object() && !v.empty()) {
    if (ImGui::TreeNodeEx(key.c_str(), ImGuiTreeNodeFlags_DefaultOpen)) {
      for (auto it = v.begin(); it != v.end(); ++it) show_value(it.key(), it.value());
      ImGui::TreePop();
    }
  } else {
    ImGui::TextColored(ImVec4(0.6f, 0.8f, 1, 1), "%s:", key.c_str());
    ImGui::SameLine();
    ImGui::TextWrapped("%s", v.dump().c_str());
  }
}

void show_related(AppState& app, const Event& e, uint32_t ev) {
  const TraceModel& m = app.model();
  if (e.span != kNone) {
    const Span& s = m.spans()[e.span];
    section("Local transaction");
    ImGui::Text("txn %s on %s: %s", s.txn.c_str(), m.nodes()[s.lane].name.c_str(),
                span_outcome_name(s.outcome));
    ImGui::Text("%s long, %u statements",
                format_time(static_cast<double>(s.end_us - s.begin_us)).c_str(), s.exec_count);
    jump_button(app, "begin", s.begin_event);
    jump_button(app, "end", s.end_event);
  }
  if (e.arrow != kNone) {
    const Arrow& a = m.arrows()[e.arrow];
    section("Message");
    ImGui::Text("msg %llu %s -> %s: %s", static_cast<unsigned long long>(a.msg),
                m.nodes()[a.from].name.c_str(), m.nodes()[a.to].name.c_str(),
                arrow_state_name(a.state));
    if (a.end_event != kNone)
      ImGui::Text("latency %s", format_time(static_cast<double>(a.end_us - a.send_us)).c_str());
    jump_button(app, "send", a.send_event);
    jump_button(app, "arrival", a.end_event);
  }
  const auto& vs = m.violations();
  for (uint32_t v = 0; v < vs.size(); ++v) {
    if (!std::binary_search(vs[v].events.begin(), vs[v].events.end(), ev)) continue;
    ImGui::PushID(static_cast<int>(v));
    ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "evidence for %s (%s)", vs[v].invariant.c_str(),
                       vs[v].gid_text.c_str());
    ImGui::SameLine();
    if (ImGui::SmallButton("show")) app.select_violation(v);
    ImGui::PopID();
  }
}

}  // namespace

void draw_detail(AppState& app, UiState& ui) {
  auto& cache = ui.caches.detail;
  const TraceModel& m = app.model();
  uint32_t ev = app.selected_event();
  if (ev == kNone) {
    // Wrapped: at a projector's scale the pane is narrower than a line of this.
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextWrapped("Click an event, span or arrow in the timeline or the log.");
    ImGui::TextWrapped("Step with Left/Right, play with Space, F fits all.");
    ImGui::PopStyleColor();
    return;
  }
  if (ev != cache.ev || cache.generation != app.model_generation()) {  // once per selection
    cache.ev = ev, cache.generation = app.model_generation();
    cache.raw = std::string(m.line_text(m.event(ev)));
    cache.parsed = Json::parse(cache.raw, nullptr, false);
  }
  std::string& raw = cache.raw;
  const Json& parsed = cache.parsed;
  const Event& e = m.event(ev);
  ImGui::Text("Event #%llu", static_cast<unsigned long long>(e.id));
  ImGui::SameLine();
  ImGui::TextDisabled("(line %u)", e.line);
  jump_button(app, "prev", ev > 0 ? ev - 1 : kNone);
  jump_button(app, "next", ev + 1 < m.events().size() ? ev + 1 : kNone);
  ImGui::Text("at %s on %s (%s)", format_timestamp(e.t_us).c_str(), m.nodes()[e.lane].name.c_str(),
              m.nodes()[e.lane].role.c_str());
  if (e.gid != kNone) {
    ImGui::Text("gid %s", m.gid_name(e.gid).c_str());
    ImGui::SameLine();
    bool focused = app.selected_gid() == e.gid;
    if (ImGui::SmallButton(focused ? "unfocus gid" : "focus gid"))
      app.select_gid(focused ? kNone : e.gid);
  }
  section("Fields");
  if (parsed.is_object()) {
    for (auto it = parsed.begin(); it != parsed.end(); ++it) show_value(it.key(), it.value());
  }
  show_related(app, e, ev);
  section("Raw line");
  ImGui::InputTextMultiline("##raw", &raw, ImVec2(-1, ImGui::GetTextLineHeight() * 4),
                            ImGuiInputTextFlags_ReadOnly);
}

}  // namespace dtxview
