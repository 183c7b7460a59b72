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

// A cell of the swatch column: room for one glyph or bar, returned as its top-left corner.
ImVec2 swatch(float w = 28) {
  ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::Dummy(ImVec2(px(w), std::max(ImGui::GetTextLineHeight(), px(22))));
  ImGui::SameLine();
  return p;
}

float swatch_mid(ImVec2 p) {
  return p.y + std::max(ImGui::GetTextLineHeight(), px(22)) / 2;
}

void bar_row(ImU32 col, const char* name, const char* meaning) {
  ImVec2 p = swatch();
  float y = swatch_mid(p), h = ImGui::GetTextLineHeight() / 2 - px(3);
  ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(p.x + px(2), y - h), ImVec2(p.x + px(26), y + h),
                                            col);
  ImGui::AlignTextToFramePadding();
  ImGui::Text("%s: %s", name, meaning);
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
  ImGui::AlignTextToFramePadding();
  ImGui::Text("%s: %s", name, meaning);
}

void badge_row(StepMark m, uint32_t n, bool current, const char* meaning) {
  ImVec2 p = swatch();
  draw_step_badge(ImGui::GetWindowDrawList(), ImVec2(p.x + px(14), swatch_mid(p)), n, m, current);
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(meaning);
}

}  // namespace

void draw_legend(UiState& ui) {
  if (!ui.show_legend) return;
  ImGui::SetNextWindowSize(ImVec2(px(600), px(700)), ImGuiCond_FirstUseEver);
  if (!ImGui::Begin("Legend", &ui.show_legend)) {
    ImGui::End();
    return;
  }
  ImGui::TextDisabled("Events (marks on a node's lane)");
  for (const KindRow& r : kKinds) {
    ImVec2 p = swatch();
    draw_event_glyph(ImGui::GetWindowDrawList(), r.kind, p.x + px(14), swatch_mid(p),
                     kind_color(r.kind));
    ImGui::AlignTextToFramePadding();
    ImGui::Text("%s: %s", r.name, r.meaning);
  }
  ImGui::Separator();
  ImGui::TextDisabled("Local transactions (spans on a database lane)");
  bar_row(span_color(SpanOutcome::committed), "committed", "from begin to commit");
  bar_row(span_color(SpanOutcome::rolled_back), "rolled back", "from begin to rollback");
  bar_row(span_color(SpanOutcome::in_doubt), "in doubt", "prepared, waiting for its decision");
  bar_row(span_color(SpanOutcome::open), "open", "still open when the trace ends");
  ImGui::Separator();
  ImGui::TextDisabled("Messages (arrows from sender to receiver)");
  arrow_row(ArrowState::delivered, "delivered", "sent and received");
  arrow_row(ArrowState::dropped, "lost", "sent, never received: a stub at the sender, a cross");
  arrow_row(ArrowState::duplicate, "duplicate", "received more than once");
  arrow_row(ArrowState::in_flight, "in flight", "not received when the trace ends");
  ImGui::Text("  a word beside an arrow: the message's type (when zoomed in enough to fit)");
  ImGui::Separator();
  ImGui::TextDisabled("Bands and counts");
  bar_row(IM_COL32(200, 40, 40, 140), "down", "the node is crashed");
  bar_row(IM_COL32(70, 110, 230, 140), "PAUSED", "the node is frozen");
  bar_row(IM_COL32(170, 90, 220, 160), "clogged", "the link holds its messages");
  bar_row(IM_COL32(240, 210, 60, 110), "partition",
          "shaded on the lanes whose links are cut, named with the cut links");
  ImGui::Text(
      "  N  a number on a bar or a mark: N events folded into one at this zoom;"
      " zoom in to see them apart");
  ImGui::Text("  xN on an arrow: N arrows folded into one");
  ImGui::Text("  white ring: the selected event;  red ring with '!': evidence of a violation");
  ImGui::Separator();
  ImGui::TextDisabled("A finding's story (numbered steps, tied to their events)");
  badge_row(StepMark::decisive, 1, false, "the decisive step: what the finding turns on");
  badge_row(StepMark::fault, 2, false, "a fault involved (crash, pause, stall, lost message)");
  badge_row(StepMark::evidence, 3, false, "evidence: an event a violation names");
  badge_row(StepMark::none, 4, false, "another step of the story");
  badge_row(StepMark::none, 5, true, "the step being presented (Right/Left, N/P)");
  ImGui::End();
}

}  // namespace dtxview
