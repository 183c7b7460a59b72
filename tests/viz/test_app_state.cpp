// AppState: gid focus dims the rest, the search filter narrows it, violations zoom to their
// evidence, and step mode walks events (within the focus when focusing).
#include <catch2/catch.hpp>

#include "app_state.hpp"
#include "small_trace.hpp"

using namespace dtxview;

namespace {
AppState loaded() {
  AppState app;
  app.set_model(TraceModel::load_text(dtxview_test::small_trace(), "small"));
  return app;
}
}  // namespace

TEST_CASE("selecting a gid focuses its path", "[viz][state]") {
  AppState app = loaded();
  CHECK_FALSE(app.focusing());
  CHECK(app.in_focus(8));
  app.select_gid(app.model().find_gid("g2"));
  CHECK(app.focusing());
  CHECK(app.focus() == std::vector<uint32_t>{5, 10, 24});
  CHECK_FALSE(app.in_focus(8));
  CHECK(app.focus_on_lane(2).size() == 2);  // bank-a.db: 5 and 10
  app.select_gid(kNone);
  CHECK_FALSE(app.focusing());
}

TEST_CASE("search highlights, and filters only when asked", "[viz][state]") {
  AppState app = loaded();
  app.set_search("bank-b");
  CHECK(app.search_hits().size() > 2);
  CHECK(app.is_hit(20));
  CHECK_FALSE(app.focusing());
  app.set_filter(true);
  CHECK(app.focusing());
  CHECK(app.focus() == app.search_hits());
  app.select_gid(app.model().find_gid("g2"));
  CHECK(app.focus().empty());  // g2 never touches bank-b
}

TEST_CASE("a violation zooms to its evidence and selects its gid", "[viz][state]") {
  AppState app = loaded();
  app.select_violation(0);
  CHECK(app.selected_gid() == app.model().find_gid("g1"));
  CHECK(app.evidence() == std::vector<uint32_t>{11, 21});
  CHECK(app.is_evidence(21));
  CHECK(app.view().start_us() < 240);
  CHECK(app.view().end_us() > 340);
  CHECK(app.view().width_us() < 800);
  CHECK(app.selected_event() == 11);
  CHECK(app.take_log_scroll());
  CHECK_FALSE(app.take_log_scroll());
}

TEST_CASE("step mode walks events and play advances at the chosen speed", "[viz][state]") {
  AppState app = loaded();
  app.step(+1);
  CHECK(app.selected_event() == 0);
  app.step(+1);
  app.step(+1);
  CHECK(app.selected_event() == 2);
  app.step(-1);
  CHECK(app.selected_event() == 1);
  app.select_gid(app.model().find_gid("g2"));
  app.step(+1);
  CHECK(app.selected_event() == 5);
  app.step(+1);
  CHECK(app.selected_event() == 10);
  app.select_gid(kNone);
  app.play_events_per_s() = 10;
  app.set_playing(true);
  app.advance_play(0.35);  // 3.5 events: three steps, half carried
  CHECK(app.selected_event() == 13);
  app.advance_play(0.05);
  CHECK(app.selected_event() == 14);
  app.advance_play(100);  // runs off the end and stops
  CHECK(app.selected_event() == 26);
  CHECK_FALSE(app.playing());
}
