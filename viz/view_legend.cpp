// The legend: every glyph and colour the timeline draws, drawn by the same functions the
// timeline uses (kind_color, draw_event_glyph, span_color, arrow_color), so it cannot drift
// from the picture it explains. Toggled with the toolbar's Legend button or the L key.
#include <imgui.h>

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
    {Kind::drop, "drop", "a message is lost (its arrow ends in a cross)"},
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
  ImGui::Dummy(ImVec2(w, ImGui::GetTextLineHeight()));
  ImGui::SameLine();
  return p;
}

void bar_row(ImU32 col, const char* name, const char* meaning) {
  ImVec2 p = swatch();
  float h = ImGui::GetTextLineHeight();
  ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(p.x + 2, p.y + 3), ImVec2(p.x + 26, p.y + h - 3),
                                            col);
  ImGui::Text("%s: %s", name, meaning);
}

void arrow_row(ArrowState s, const char* name, const char* meaning) {
  ImVec2 p = swatch();
  float y = p.y + ImGui::GetTextLineHeight() / 2;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddLine(ImVec2(p.x + 2, y), ImVec2(p.x + 24, y), arrow_color(s), 1.5f);
  if (s == ArrowState::dropped) {
    dl->AddLine(ImVec2(p.x + 20, y - 4), ImVec2(p.x + 28, y + 4), arrow_color(s), 2);
    dl->AddLine(ImVec2(p.x + 20, y + 4), ImVec2(p.x + 28, y - 4), arrow_color(s), 2);
  } else {
    dl->AddTriangleFilled(ImVec2(p.x + 24, y - 4), ImVec2(p.x + 24, y + 4), ImVec2(p.x + 29, y),
                          arrow_color(s));
  }
  ImGui::Text("%s: %s", name, meaning);
}

}  // namespace

void draw_legend(UiState& ui) {
  if (!ui.show_legend) return;
  ImGui::SetNextWindowSize(ImVec2(560, 640), ImGuiCond_FirstUseEver);
  if (!ImGui::Begin("Legend", &ui.show_legend)) {
    ImGui::End();
    return;
  }
  ImGui::TextDisabled("Events (marks on a node's lane)");
  for (const KindRow& r : kKinds) {
    ImVec2 p = swatch();
    draw_event_glyph(ImGui::GetWindowDrawList(), r.kind, p.x + 14,
                     p.y + ImGui::GetTextLineHeight() / 2, kind_color(r.kind));
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
  arrow_row(ArrowState::dropped, "lost", "sent, never received");
  arrow_row(ArrowState::duplicate, "duplicate", "received more than once");
  arrow_row(ArrowState::in_flight, "in flight", "not received when the trace ends");
  ImGui::Separator();
  ImGui::TextDisabled("Bands and counts");
  bar_row(IM_COL32(200, 40, 40, 140), "down", "the node is crashed");
  bar_row(IM_COL32(70, 110, 230, 140), "PAUSED", "the node is frozen");
  bar_row(IM_COL32(170, 90, 220, 160), "clogged", "the link holds its messages");
  ImGui::Text(
      "  N  a number on a bar or a mark: N events folded into one at this zoom;"
      " zoom in to see them apart");
  ImGui::Text("  xN on an arrow: N arrows folded into one");
  ImGui::Text("  white ring: the selected event;  red ring with '!': evidence of a violation");
  ImGui::End();
}

}  // namespace dtxview
