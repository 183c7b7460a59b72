// The legend: every glyph and colour the timeline draws, drawn by the same functions the
// timeline uses (kind_color, draw_event_glyph, span_color, arrow_color), so it cannot drift
// from the picture it explains (finding badges included). Toggled with the toolbar's Legend
// button or --legend.
#include <imgui.h>

#include <algorithm>

#include "timeline.hpp"
#include "views.hpp"

namespace dtxview {

namespace {

struct KindRow {
  Kind kind;
  const char* name;
  const char* meaning;
};

constexpr KindRow kKinds[] = {
    {Kind::send, "send", "a message leaves the node"},
    {Kind::deliver, "deliver", "a message arrives"},
    {Kind::drop, "drop", "a message is lost (on the receiver's lane)"},
    {Kind::duplicate, "duplicate", "the network delivers a message twice"},
    {Kind::timeout, "timeout", "a call gave up waiting for its reply"},
    {Kind::retry, "retry", "a call or delivery is tried again"},
    {Kind::checkback, "checkback", "a check-back question or its answer"},
    {Kind::db_exec, "statement", "a statement inside a local transaction"},
    {Kind::db_prepare, "prepare", "a local transaction prepared (in doubt)"},
    {Kind::db_commit, "commit", "a local transaction commits"},
    {Kind::db_rollback, "rollback", "a local transaction rolls back"},
    {Kind::crash, "crash", "the node stops (red band until it restarts)"},
    {Kind::restart, "restart", "the node comes back"},
    {Kind::pause, "pause", "the node freezes (blue band until it resumes)"},
    {Kind::partition, "partition", "links are cut (shaded until healed)"},
    {Kind::clog, "clog", "a link holds its messages (purple band)"},
    {Kind::fault, "fault", "another fault window (drop/duplicate rate, database fault)"},
    {Kind::broker, "broker", "a broker step: publish, deliver, ack, redeliver, dead letter"},
    {Kind::branch_call, "branch call", "the coordinator calls a branch"},
    {Kind::gtx, "gtx", "a global transaction changes state"},
    {Kind::effect, "effect", "a business effect is applied (money moves)"},
    {Kind::note, "note", "free text from a pattern"},
};

// A cell of the swatch column, h tall (a text line by default): room for one glyph, bar or badge,
// returned as its top-left corner; the text beside it is centred on it.
ImVec2 swatch(float h = 0) {
  float line = ImGui::GetTextLineHeight();
  h = std::max(h, line);
  ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::Dummy(ImVec2(px(28), h));
  ImGui::SameLine();
  ImGui::SetCursorScreenPos(ImVec2(ImGui::GetCursorScreenPos().x, p.y + (h - line) / 2));
  return p;
}

float swatch_mid(ImVec2 p, float h = 0) {
  return p.y + std::max(h, ImGui::GetTextLineHeight()) / 2;
}

void bar_row(ImU32 col, const char* name, const char* meaning) {
  ImVec2 p = swatch();
  float y = swatch_mid(p), h = ImGui::GetTextLineHeight() / 2 - px(3);
  ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(p.x + px(2), y - h), ImVec2(p.x + px(26), y + h),
                                            col);
  ImGui::TextWrapped("%s: %s", name, meaning);
}

void arrow_row(ArrowState s, const char* name, const char* meaning) {
  ImVec2 p = swatch();
  float y = swatch_mid(p), u = px(1);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImU32 col = arrow_color(s);
  if (s == ArrowState::dropped) {  // the stub at the sender's end, as the timeline draws it
    dl->AddLine(ImVec2(p.x + 2 * u, y), ImVec2(p.x + 18 * u, y), col, 1.5f * u);
    dl->AddLine(ImVec2(p.x + 14 * u, y - 4 * u), ImVec2(p.x + 22 * u, y + 4 * u), col, 2 * u);
    dl->AddLine(ImVec2(p.x + 14 * u, y + 4 * u), ImVec2(p.x + 22 * u, y - 4 * u), col, 2 * u);
  } else {
    dl->AddLine(ImVec2(p.x + 2 * u, y), ImVec2(p.x + 24 * u, y), col, 1.5f * u);
    dl->AddTriangleFilled(ImVec2(p.x + 22 * u, y - 4 * u), ImVec2(p.x + 22 * u, y + 4 * u),
                          ImVec2(p.x + 28 * u, y), col);
  }
  ImGui::TextWrapped("%s: %s", name, meaning);
}

void badge_row(StepMark m, uint32_t n, bool current, const char* meaning) {
  float h = px(26);
  ImVec2 p = swatch(h);
  draw_step_badge(ImGui::GetWindowDrawList(), ImVec2(p.x + px(14), swatch_mid(p, h)), n, m,
                  current);
  ImGui::TextWrapped("%s", meaning);
}

}  // namespace

void draw_legend(UiState& ui) {
  if (!ui.show_legend) return;
  // Two columns, so the whole legend fits a 1280x800 window at scale 1 without scrolling.
  ImVec2 room = ImGui::GetMainViewport()->WorkSize;
  ImGui::SetNextWindowSize(
      ImVec2(std::min(px(980), room.x - px(40)), std::min(px(640), room.y - px(60))),
      ImGuiCond_FirstUseEver);
  if (!ImGui::Begin("Legend", &ui.show_legend)) {
    ImGui::End();
    return;
  }
  if (!ImGui::BeginTable("legend", 2, ImGuiTableFlags_BordersInnerV)) {
    ImGui::End();
    return;
  }
  ImGui::TableNextColumn();
  ImGui::TextDisabled("Events (marks on a node's lane)");
  for (const KindRow& r : kKinds) {
    ImVec2 p = swatch();
    draw_event_glyph(ImGui::GetWindowDrawList(), r.kind, p.x + px(14), swatch_mid(p),
                     kind_color(r.kind));
    ImGui::TextWrapped("%s: %s", r.name, r.meaning);
  }
  ImGui::TableNextColumn();
  ImGui::TextDisabled("Local transactions (spans on a database lane)");
  bar_row(span_color(SpanOutcome::committed), "committed", "from begin to commit");
  bar_row(span_color(SpanOutcome::rolled_back), "rolled back", "from begin to rollback");
  bar_row(span_color(SpanOutcome::in_doubt), "in doubt", "prepared, waiting for its decision");
  bar_row(span_color(SpanOutcome::open), "open", "still open when the trace ends");
  ImGui::Separator();
  ImGui::TextDisabled("Messages (arrows from sender to receiver)");
  arrow_row(ArrowState::delivered, "delivered", "sent and received");
  arrow_row(ArrowState::dropped, "lost", "never received: a stub at the sender, a cross");
  arrow_row(ArrowState::duplicate, "duplicate", "received more than once");
  arrow_row(ArrowState::in_flight, "in flight", "not received when the trace ends");
  ImGui::TextWrapped(
      "A word beside an arrow: the message's type, when few enough arrows are on "
      "screen; xN: N arrows folded into one.");
  ImGui::Separator();
  ImGui::TextDisabled("Bands and counts");
  bar_row(IM_COL32(200, 40, 40, 140), "DOWN", "the node is crashed");
  bar_row(IM_COL32(70, 110, 230, 140), "PAUSED", "the node is frozen");
  bar_row(IM_COL32(170, 90, 220, 160), "clogged", "the link holds its messages");
  bar_row(IM_COL32(240, 210, 60, 110), "partition", "shaded on the lanes whose links are cut");
  ImGui::TextWrapped(
      "N on a bar or a mark: N events folded into one at this zoom. White ring: "
      "the selected event; red ring with '!': evidence of a violation.");
  ImGui::Separator();
  ImGui::TextDisabled("A finding's story (numbered steps at their events)");
  badge_row(StepMark::decisive, 1, false, "the decisive step: what the finding turns on");
  badge_row(StepMark::fault, 2, false, "a fault involved");
  badge_row(StepMark::evidence, 3, false, "evidence: an event a violation names");
  badge_row(StepMark::none, 4, false, "another step of the story");
  badge_row(StepMark::none, 5, true, "the step presented (Right/Left, N/P)");
  ImGui::EndTable();
  ImGui::End();
}

}  // namespace dtxview
