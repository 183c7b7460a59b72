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
    return std::count_if(m.spans().begin(), m.spans().end(),
                         [&](const Span& s) { return s.outcome == o; });
  };
  CHECK(count_spans(SpanOutcome::committed) > 100);
  CHECK(count_spans(SpanOutcome::rolled_back) > 5);
  CHECK(count_spans(SpanOutcome::in_doubt) >= 1);
  auto count_arrows = [&](ArrowState s) {
    return std::count_if(m.arrows().begin(), m.arrows().end(),
                         [&](const Arrow& a) { return a.state == s; });
  };
  CHECK(count_arrows(ArrowState::delivered) > 1000);
  CHECK(count_arrows(ArrowState::dropped) > 10);
  CHECK(count_arrows(ArrowState::duplicate) > 10);
  bool down = false, paused = false;
  for (const Band& b : m.bands())
    down |= b.kind == BandKind::down, paused |= b.kind == BandKind::paused;
  CHECK(down);
  CHECK(paused);
  CHECK_FALSE(m.search("checkback").empty());
  CHECK_FALSE(m.search("retry").empty());
  std::ostringstream again;
  write_synthetic_trace(again, 20000, 3);
  CHECK(again.str() == out.str());  // deterministic
}

TEST_CASE("at fit-all scale arrows fold per lane pair and state into few drawn ones",
          "[viz][synth][fold]") {
  std::ostringstream out;
  write_synthetic_trace(out, 20000, 5);
  TraceModel m = TraceModel::load_text(out.str(), "synth");
  double us_per_px = static_cast<double>(m.t_end_us() - m.t_begin_us()) / 200;  // a 200 px view
  auto range = m.arrow_index().overlapping(m.t_begin_us(), m.t_end_us());
  REQUIRE(range.second - range.first == m.arrows().size());
  auto folds = fold_arrows(m, range, m.t_begin_us(), us_per_px, 3.0);
  uint64_t total = 0;
  for (const ArrowFold& f : folds) total += f.count;
  CHECK(total == m.arrows().size());
  // Bounded by lane pairs x states x (200 px / 3 px), whatever the interleaving of states.
  size_t pairs = 0;
  std::vector<bool> seen(m.nodes().size() * m.nodes().size() * 4);
  for (const Arrow& a : m.arrows()) {
    size_t k = (a.from * m.nodes().size() + a.to) * 4 + static_cast<size_t>(a.state);
    if (!seen[k]) seen[k] = true, ++pairs;
  }
  CHECK(folds.size() <= pairs * 67);
  CHECK(folds.size() < m.arrows().size() / 2);
}
