// TraceModel on the hand-written small trace: lanes, groups, span/message/band/partition pairing,
// gid index, violations, search and visible-slice queries. No display needed.
#include <catch2/catch.hpp>

#include "small_trace.hpp"
#include "trace_model.hpp"

using namespace dtxview;

namespace {

const TraceModel& small() {
  static const TraceModel m = TraceModel::load_text(dtxview_test::small_trace(), "small");
  return m;
}

uint16_t lane(const TraceModel& m, const std::string& name) {
  for (uint16_t l = 0; l < m.nodes().size(); ++l)
    if (m.nodes()[l].name == name) return l;
  FAIL("no lane " << name);
  return 0;
}

}  // namespace

TEST_CASE("small trace loads cleanly with lanes grouped by the header", "[viz][model]") {
  const TraceModel& m = small();
  INFO((m.issues().empty() ? std::string() : m.issues().front().what));
  CHECK(m.issues().empty());
  CHECK(m.readable());
  CHECK(m.complete());
  CHECK(m.header().scenario == "transfer");
  CHECK(m.header().seed == 7);
  REQUIRE(m.events().size() == 27);
  REQUIRE(m.nodes().size() == 5);
  REQUIRE(m.groups().size() == 3);
  CHECK(m.groups()[1].name == "bank-a");
  CHECK(m.groups()[1].lanes == std::vector<uint16_t>{1, 2});
  CHECK(m.groups()[1].events.size() == 8);  // bank-a: 2, 26; bank-a.db: 3, 4, 5, 6, 10, 11
  CHECK(m.t_begin_us() == 100);
  CHECK(m.t_end_us() == 500);  // from the end line, past the last event
  CHECK(m.event(4).line == 6);
  CHECK(m.kind_name(m.event(25)) == "mystery_kind");
  CHECK(m.event(25).kind == Kind::other);
  CHECK(m.event(3).kind == Kind::db_begin);
  CHECK(m.detail_text(m.event(13)) == R"({"attempt":2})");
  CHECK(m.detail_text(m.event(8)).empty());
}

TEST_CASE("local transactions pair into spans per database by txn", "[viz][model]") {
  const TraceModel& m = small();
  REQUIRE(m.spans().size() == 3);
  const Span& t1 = m.spans()[0];
  CHECK(t1.txn == "1");
  CHECK(t1.begin_us == 160);
  CHECK(t1.end_us == 240);
  CHECK(t1.prepare_us == 190);
  CHECK(t1.exec_count == 1);
  CHECK(t1.outcome == SpanOutcome::committed);
  CHECK(t1.row == 0);
  const Span& t2 = m.spans()[1];
  CHECK(t2.outcome == SpanOutcome::rolled_back);
  CHECK(t2.row == 1);  // overlaps txn 1, so it gets its own sub-row
  CHECK(t2.gid == m.find_gid("g2"));
  const Span& t9 = m.spans()[2];
  CHECK(t9.txn == "t-9");
  CHECK(t9.outcome == SpanOutcome::in_doubt);
  CHECK(t9.end_event == kNone);
  CHECK(t9.end_us == 500);
  CHECK(m.event(4).span == 0);
  CHECK(m.event(10).span == 1);
  CHECK(m.span_rows(lane(m, "bank-a.db")).size() == 2);
  CHECK(m.span_rows(lane(m, "coord")).empty());
}

TEST_CASE("messages pair by msg id: delivered, dropped, duplicate, in flight", "[viz][model]") {
  const TraceModel& m = small();
  const auto& a = m.arrows();
  REQUIRE(a.size() == 5);
  for (size_t i = 1; i < a.size(); ++i) CHECK(a[i - 1].send_us <= a[i].send_us);
  CHECK(a[0].msg == 1);
  CHECK(a[0].state == ArrowState::delivered);
  CHECK(a[0].from == lane(m, "coord"));
  CHECK(a[0].to == lane(m, "bank-a"));
  CHECK(a[0].end_us == 150);
  CHECK(a[1].msg == 2);
  CHECK(a[1].state == ArrowState::dropped);
  CHECK(a[1].end_event == 9);
  CHECK(a[2].msg == 3);
  CHECK(a[2].state == ArrowState::delivered);
  CHECK(a[2].end_us == 310);
  CHECK(a[3].msg == 3);
  CHECK(a[3].state == ArrowState::duplicate);
  CHECK(a[3].end_us == 320);
  CHECK(a[4].state == ArrowState::in_flight);
  CHECK(a[4].end_us == 500);
  CHECK(m.event(19).arrow == 3);
  CHECK(m.event(14).arrow == 2);  // the send points at the first arrival
}

TEST_CASE("crash, pause and partition become bands and shaded regions", "[viz][model]") {
  const TraceModel& m = small();
  REQUIRE(m.bands().size() == 2);
  const Band& down = m.bands()[0];
  CHECK(down.kind == BandKind::down);
  CHECK(down.lane == lane(m, "bank-b"));
  CHECK(down.begin_us == 210);
  CHECK(down.end_us == 300);
  const Band& paused = m.bands()[1];
  CHECK(paused.kind == BandKind::paused);
  CHECK(paused.end_event == kNone);
  CHECK(paused.end_us == 500);
  CHECK(m.lane_bands(lane(m, "bank-b")).size() == 1);
  REQUIRE(m.partitions().size() == 1);
  const Partition& p = m.partitions()[0];
  CHECK(p.name == "p1");
  CHECK(p.begin_us == 280);
  CHECK(p.end_us == 360);
  CHECK(p.lanes == std::vector<uint16_t>{lane(m, "coord"), lane(m, "bank-a")});
}

TEST_CASE("gid index, violations and search", "[viz][model]") {
  const TraceModel& m = small();
  uint32_t g1 = m.find_gid("g1"), g2 = m.find_gid("g2");
  REQUIRE(g1 != kNone);
  REQUIRE(g2 != kNone);
  CHECK(m.find_gid("g99") == kNone);
  CHECK(m.gid_events(g1).size() == 18);
  CHECK(m.gid_events(g2).event == std::vector<uint32_t>{5, 10, 24});
  REQUIRE(m.violations().size() == 1);
  const Violation& v = m.violations()[0];
  CHECK(v.invariant == "atomicity");
  CHECK(v.gid == g1);
  CHECK(v.events == std::vector<uint32_t>{11, 21});  // time order, whatever order the file gave
  CHECK(m.search("alice") == std::vector<uint32_t>{4});
  CHECK(m.search("DEADLOCK") == std::vector<uint32_t>{10});
  CHECK(m.search("bank-b.db") == std::vector<uint32_t>{20, 21});
  CHECK(m.search("mystery").size() == 1);
  CHECK(m.search("").empty());
  CHECK(m.search("no such text").empty());
}

TEST_CASE("visible slices come from binary searches over sorted indices", "[viz][model]") {
  const TraceModel& m = small();
  const TimeIndex& db = m.lane_events(lane(m, "bank-a.db"));
  REQUIRE(db.size() == 6);
  auto s = db.slice(170, 230);
  CHECK(s.first == 1);
  CHECK(s.second == 5);  // events 4, 5, 6, 10
  CHECK(db.slice(0, 99).first == db.slice(0, 99).second);
  CHECK(db.slice(241, 1000).first == 6);

  auto arrows = m.arrow_index().overlapping(215, 225);
  REQUIRE(arrows.second - arrows.first == 1);
  CHECK(m.arrows()[m.arrow_index().item[arrows.first]].msg == 2);
  // The in-flight arrow reaches the trace end, so it overlaps late windows.
  auto late = m.arrow_index().overlapping(450, 460);
  REQUIRE(late.second - late.first >= 1);
  CHECK(m.arrows()[m.arrow_index().item[late.second - 1]].state == ArrowState::in_flight);

  const IntervalIndex& row0 = m.span_rows(lane(m, "bank-a.db"))[0];
  auto none = row0.overlapping(241, 300);
  CHECK(none.first == none.second);
  auto hit = row0.overlapping(200, 200);
  CHECK(hit.second - hit.first == 1);
  CHECK(m.event_by_id(17) == 17);
  CHECK(m.event_by_id(27) == kNone);
  CHECK(m.first_event_at(305) == 17);
}

TEST_CASE("instants closer than the pixel threshold fold into counted runs", "[viz][fold]") {
  TimeIndex idx;
  for (int t = 0; t < 10; ++t) idx.push(t, static_cast<uint32_t>(t));
  auto folds = fold_instants(idx, {0, 10}, 1.0, 3.0);
  REQUIRE(folds.size() == 4);
  CHECK(folds[0].count == 3);
  CHECK(folds[1].first == 3);
  CHECK(folds[2].end_us == 8);
  CHECK(folds[3].count == 1);
  CHECK(fold_instants(idx, {0, 10}, 0.1, 3.0).size() == 10);  // zoomed in: nothing folds
  auto all = fold_instants(idx, {0, 10}, 100.0, 3.0);
  REQUIRE(all.size() == 1);
  CHECK(all[0].count == 10);
  CHECK(fold_instants(idx, {4, 4}, 1.0, 3.0).empty());
}

TEST_CASE("narrow spans with small gaps fold; wide spans stand alone", "[viz][fold]") {
  std::vector<Span> spans(5);
  int64_t b[] = {0, 2, 4, 20, 61}, e[] = {1, 3, 5, 60, 62};
  IntervalIndex row;
  for (uint32_t i = 0; i < 5; ++i) {
    spans[i].begin_us = b[i], spans[i].end_us = e[i];
    row.push(i, b[i], e[i]);
  }
  auto folds = fold_spans(spans, row, {0, 5}, 1.0, 3.0);
  REQUIRE(folds.size() == 3);
  CHECK(folds[0].count == 3);
  CHECK(folds[0].end_us == 5);
  CHECK(folds[1].count == 1);
  CHECK(folds[1].begin_us == 20);
  CHECK(folds[2].count == 1);
  CHECK(fold_spans(spans, row, {0, 5}, 0.01, 3.0).size() == 5);
}

TEST_CASE("arrows fold per lane pair and state, counts add up", "[viz][fold]") {
  const TraceModel& m = small();
  auto range = std::pair<size_t, size_t>{0, m.arrows().size()};
  auto fine = fold_arrows(m, range, 0, 0.01, 3.0);
  CHECK(fine.size() == 5);
  // At 100 us per pixel msg 3 and its duplicate share both ends but not the state.
  auto coarse = fold_arrows(m, range, 0, 100.0, 3.0);
  CHECK(coarse.size() == 5);
  uint32_t total = 0;
  for (auto f : coarse) total += f.count;
  CHECK(total == 5);
}
