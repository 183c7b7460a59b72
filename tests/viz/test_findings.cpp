// Finding trailer lines: parsed and resolved to events, tolerated when damaged or absent, and the
// view a finding opens on covers its whole story; presentation steps walk it. Message types too.
#include <catch2/catch.hpp>

#include "app_state.hpp"
#include "small_trace.hpp"

using namespace dtxview;
using Catch::Detail::Approx;
using dtxview_test::assemble;
using dtxview_test::small_trace_lines;

namespace {

TraceModel with_findings(const std::string& lines) {
  return TraceModel::load_text(assemble(small_trace_lines(), true, lines), "findings");
}

}  // namespace

TEST_CASE("a finding line is read with its story resolved to events and lanes", "[viz][finding]") {
  TraceModel m = TraceModel::load_text(dtxview_test::small_trace_with_finding(), "f");
  CHECK(m.issues().empty());
  REQUIRE(m.findings().size() == 1);
  const Finding& f = m.findings()[0];
  CHECK(f.n == 1);
  CHECK(f.invariants == std::vector<std::string>{"atomicity"});
  CHECK(f.count == 2);
  CHECK(f.gid_text == "g1");
  CHECK(f.gid == m.find_gid("g1"));
  CHECK(f.gids == std::vector<std::string>{"g1", "g2"});
  CHECK(f.cause == "bank-b crashed and the prepare to it was lost");
  CHECK(f.signature == "atomicity|drop");
  REQUIRE(f.steps.size() == 5);
  CHECK(f.decisive() == 2);
  CHECK(f.steps[2].event == m.event_by_id(9));
  CHECK(f.steps[2].lane == 3);  // bank-b
  CHECK(f.steps[1].mark == StepMark::fault);
  CHECK(f.steps[3].mark == StepMark::evidence);
  CHECK(f.steps[0].mark == StepMark::none);
  CHECK(f.steps[3].lane == 4);  // bank-b.db
  CHECK(f.time_span() == std::pair<int64_t, int64_t>{110, 350});
}

TEST_CASE("traces without findings still load cleanly", "[viz][finding]") {
  TraceModel m = TraceModel::load_text(dtxview_test::small_trace(), "old");
  CHECK(m.issues().empty());
  CHECK(m.findings().empty());
  AppState app;
  app.set_model(std::move(m));
  app.select_finding(0);  // nothing to select: no crash, no change
  CHECK(app.selected_finding() == kNone);
  app.step_finding(+1);
  CHECK(app.finding_step() == kNone);
}

TEST_CASE("damaged finding lines become load issues, never errors", "[viz][finding]") {
  TraceModel m = with_findings(
      R"({"kind":"finding","n":1,"cause":"no steps"})"
      "\n"
      R"({"kind":"finding","n":2,"gid":7,"steps":[{"id":"x"},3,{"id":999,"t":50,"node":"coord","text":"gone"},{"id":4,"node":"nowhere"}]})"
      "\n");
  REQUIRE(m.findings().size() == 2);
  CHECK(m.findings()[0].steps.empty());
  const Finding& f = m.findings()[1];
  CHECK(f.gid == kNone);  // a gid of the wrong type reads as absent
  REQUIRE(f.steps.size() == 2);
  CHECK(f.steps[0].event == kNone);  // id 999 is not in the trace: its own time and node remain
  CHECK(f.steps[0].t_us == 50);
  CHECK(f.steps[0].lane == 0);
  CHECK(f.steps[1].event == 4);
  CHECK(f.steps[1].t_us == 170);  // no "t": the event's
  CHECK(f.steps[1].lane == 2);    // unknown node: the event's lane
  std::string all;
  for (const LoadIssue& i : m.issues()) all += i.what + "\n";
  CHECK(all.find("finding 1 has no \"steps\" list") != std::string::npos);
  CHECK(all.find("finding 2: 2 steps without an integer id skipped") != std::string::npos);
  CHECK(all.find("finding 2 names 1 event ids not in the trace") != std::string::npos);
}

TEST_CASE("a finding's view covers its first to last step with a margin", "[viz][finding]") {
  TraceModel m = TraceModel::load_text(dtxview_test::small_trace_with_finding(), "f");
  auto [a, b] = finding_view_range(m.findings()[0]);
  CHECK(a < 110);
  CHECK(b > 350);
  CHECK(b - a < 1.3 * (350 - 110));  // a margin, not the whole trace
  Finding one;
  one.steps.push_back(FindingStep{1, 5000, "coord", "x", StepMark::decisive});
  auto [c, d] = finding_view_range(one);
  CHECK(c < 5000);
  CHECK(d > 5000);
}

TEST_CASE("selecting a finding zooms to its story and focuses its example", "[viz][finding]") {
  AppState app;
  app.set_model(TraceModel::load_text(dtxview_test::small_trace_with_finding(), "f"));
  app.select_finding(0);
  REQUIRE(app.finding() != nullptr);
  CHECK(app.view().start_us() < 110);
  CHECK(app.view().end_us() > 350);
  CHECK(app.view().width_us() < 400);
  CHECK(app.selected_gid() == app.model().find_gid("g1"));
  CHECK(app.selected_event() == app.model().event_by_id(9));  // the decisive step
  CHECK(app.finding_step() == kNone);

  app.step_finding(+1);
  CHECK(app.finding_step() == 0);
  CHECK(app.selected_event() == app.model().event_by_id(1));
  double mid = (app.view().start_us() + app.view().end_us()) / 2;
  CHECK(mid == Approx(110));
  CHECK(app.view().end_us() > 350);  // the rest of the story stays in view
  app.step_finding(+1);
  app.step_finding(+1);
  CHECK(app.finding_step() == 2);
  app.step_finding(+10);  // clamps to the last step
  CHECK(app.finding_step() == 4);
  app.step_finding(-1);
  CHECK(app.finding_step() == 3);

  app.select_violation(0);  // another selection ends the story
  CHECK(app.selected_finding() == kNone);
  CHECK(app.finding_step() == kNone);
}

TEST_CASE("arrows carry their message type from the send", "[viz][finding]") {
  TraceModel m = TraceModel::load_text(dtxview_test::small_trace(), "small");
  const Event& send = m.event(m.event_by_id(1));
  REQUIRE(send.arrow != kNone);
  const Arrow& a = m.arrows()[send.arrow];
  REQUIRE(a.type != kNoType);
  CHECK(m.msg_types()[a.type] == "prepare");
  const Event& untyped = m.event(m.event_by_id(7));  // a send without detail.type
  CHECK(m.arrows()[untyped.arrow].type == kNoType);
}
