// Tooltips of the timeline: what the hovered event, span, arrow, band, partition, folded run or
// finding step is, with times in readable units. Guarantees: reads the model only, never
// changes state.
#include <string>

#include "timeline.hpp"

namespace dtxview {

namespace {

void folded_run(const Hover& h, const char* what) {
  ImGui::Text("%u %s folded", h.count, what);
  ImGui::Text("%s .. %s (%s)", format_time(static_cast<double>(h.begin_us)).c_str(),
              format_time(static_cast<double>(h.end_us)).c_str(),
              format_time(static_cast<double>(h.end_us - h.begin_us)).c_str());
  ImGui::TextDisabled("click to zoom in");
}

// A finding's step: its number, what marks it, when and where, and what happened.
void finding_step(const AppState& app, uint32_t k) {
  const Finding* fi = app.finding();
  if (!fi || k >= fi->steps.size()) return;
  const FindingStep& st = fi->steps[k];
  const char* mark = st.mark == StepMark::decisive   ? "  (decisive)"
                     : st.mark == StepMark::fault    ? "  (fault)"
                     : st.mark == StepMark::evidence ? "  (evidence)"
                                                     : "";
  ImGui::Text("step %u of %zu%s", k + 1, fi->steps.size(), mark);
  ImGui::Text("%s on %s", format_time(static_cast<double>(st.t_us)).c_str(), st.node.c_str());
  ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30);
  ImGui::TextUnformatted(st.text.c_str());
  ImGui::PopTextWrapPos();
  ImGui::TextDisabled("click to present the story from here");
}

}  // namespace

void show_tooltip(const AppState& app, const Hover& h) {
  const TraceModel& m = app.model();
  ImGui::BeginTooltip();
  switch (h.kind) {
    case HoverKind::event: {
      const Event& e = m.event(h.index);
      ImGui::Text("#%llu  %s  at %s", static_cast<unsigned long long>(e.id),
                  std::string(m.kind_name(e)).c_str(),
                  format_time(static_cast<double>(e.t_us)).c_str());
      ImGui::Text("node %s%s%s", m.nodes()[e.lane].name.c_str(), e.peer != kNoLane ? "  peer " : "",
                  e.peer != kNoLane ? m.nodes()[e.peer].name.c_str() : "");
      if (e.gid != kNone) ImGui::Text("gid %s", m.gid_name(e.gid).c_str());
      if (e.msg != kNoMsg) ImGui::Text("msg %llu", static_cast<unsigned long long>(e.msg));
      std::string d(m.detail_text(e).substr(0, 300));
      if (!d.empty()) ImGui::TextWrapped("%s", d.c_str());
      break;
    }
    case HoverKind::events:
    case HoverKind::spans:
      folded_run(h, h.kind == HoverKind::events ? "events" : "transactions");
      break;
    case HoverKind::span: {
      const Span& s = m.spans()[h.index];
      ImGui::Text("txn %s on %s: %s", s.txn.c_str(), m.nodes()[s.lane].name.c_str(),
                  span_outcome_name(s.outcome));
      ImGui::Text("%s .. %s (%s), %u statements",
                  format_time(static_cast<double>(s.begin_us)).c_str(),
                  format_time(static_cast<double>(s.end_us)).c_str(),
                  format_time(static_cast<double>(s.end_us - s.begin_us)).c_str(), s.exec_count);
      if (s.prepare_us >= 0)
        ImGui::Text("prepared at %s", format_time(static_cast<double>(s.prepare_us)).c_str());
      if (s.gid != kNone) ImGui::Text("gid %s", m.gid_name(s.gid).c_str());
      break;
    }
    case HoverKind::arrow: {
      const Arrow& a = m.arrows()[h.index];
      ImGui::Text("msg %llu: %s -> %s, %s", static_cast<unsigned long long>(a.msg),
                  m.nodes()[a.from].name.c_str(), m.nodes()[a.to].name.c_str(),
                  arrow_state_name(a.state));
      ImGui::Text("sent %s, %s later", format_time(static_cast<double>(a.send_us)).c_str(),
                  format_time(static_cast<double>(a.end_us - a.send_us)).c_str());
      uint32_t g = m.event(a.send_event).gid;
      if (g != kNone) ImGui::Text("gid %s", m.gid_name(g).c_str());
      if (h.count > 1) ImGui::TextDisabled("stands for %u arrows at this zoom", h.count);
      break;
    }
    case HoverKind::band: {
      const Band& b = m.bands()[h.index];
      if (h.count > 1) {
        folded_run(h, b.kind == BandKind::down     ? "down periods"
                      : b.kind == BandKind::paused ? "pauses"
                                                   : "clogs");
        break;
      }
      const char* what = b.kind == BandKind::down
                             ? "down"
                             : (b.kind == BandKind::paused ? "paused" : "link clogged");
      ImGui::Text("%s %s for %s%s", m.nodes()[b.lane].name.c_str(), what,
                  format_time(static_cast<double>(b.end_us - b.begin_us)).c_str(),
                  b.end_event == kNone ? " (until the end)" : "");
      break;
    }
    case HoverKind::partition: {
      const Partition& p = m.partitions()[h.index];
      if (h.count > 1) {
        folded_run(h, "partitions");
        break;
      }
      ImGui::Text("partition %s, %s .. %s", p.name.c_str(),
                  format_time(static_cast<double>(p.begin_us)).c_str(),
                  format_time(static_cast<double>(p.end_us)).c_str());
      for (auto [a, b] : p.cut)
        ImGui::BulletText("%s x %s", m.nodes()[a].name.c_str(), m.nodes()[b].name.c_str());
      break;
    }
    case HoverKind::step:
      finding_step(app, h.index);
      break;
    case HoverKind::none:
      break;
  }
  ImGui::EndTooltip();
}

}  // namespace dtxview
