// The synthetic generator must write what the loader accepts without a single issue, at the
// requested size, with every feature the viewer draws present.
#include <catch2/catch.hpp>
#include <sstream>

#include "synth_trace.hpp"
#include "trace_model.hpp"

using namespace dtxview;

TEST_CASE("generated traces load cleanly with every drawable feature", "[viz][synth]") {
  std::ostringstream out;
  SynthStats st = write_synthetic_trace(out, 20000, 3);
  CHECK(st.events == 20000);
  TraceModel m = TraceModel::load_text(out.str(), "synth");
  std::string issues;
  for (const auto& i : m.issues()) issues += std::to_string(i.line) + ": " + i.what + "\n";
  INFO(issues);
  CHECK(m.issues().empty());
  CHECK(m.complete());
  CHECK(m.events().size() == 20000);
  CHECK(m.nodes().size() == 12);
  CHECK(m.groups().size() == 6);
  CHECK(m.violations().size() == st.violations);
  CHECK(m.violations().size() >= 2);
  CHECK(m.partitions().size() >= 1);
  auto count_spans = [&](SpanOutcome o) {
    return std::count_if(m.spans().begin(), m.spans().end(), [&](const Span& s) { return s.outcome == o; });
  };
  CHECK(count_spans(SpanOutcome::committed) > 100);
  CHECK(count_spans(SpanOutcome::rolled_back) > 5);
  CHECK(count_spans(SpanOutcome::in_doubt) >= 1);
  auto count_arrows = [&](ArrowState s) {
    return std::count_if(m.arrows().begin(), m.arrows().end(), [&](const Arrow& a) { return a.state == s; });
  };
  CHECK(count_arrows(ArrowState::delivered) > 1000);
  CHECK(count_arrows(ArrowState::dropped) > 10);
  CHECK(count_arrows(ArrowState::duplicate) > 10);
  bool down = false, paused = false;
  for (const Band& b : m.bands()) down |= b.kind == BandKind::down, paused |= b.kind == BandKind::paused;
  CHECK(down);
  CHECK(paused);
  CHECK_FALSE(m.search("checkback").empty());
  CHECK_FALSE(m.search("retry").empty());
  std::ostringstream again;
  write_synthetic_trace(again, 20000, 3);
  CHECK(again.str() == out.str());  // deterministic
}
