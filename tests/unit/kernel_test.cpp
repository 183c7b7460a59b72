// The kernel's event loop: events run in (time, sequence) order with ties broken by
// insertion order; cancel is exact (a stale id never hits a reused slot); run_until,
// run_events and scheduling in the past behave as the header promises.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "sim/kernel/lookup_map.hpp"
#include "sim/kernel/simulator.hpp"

using namespace dtx;

namespace {

// Schedules an event at `t_us` that appends `label` to `log`.
TimerId log_at(Simulator& sim, TimeUs t_us, std::vector<std::string>& log, std::string label) {
  return sim.schedule_at(t_us, [&log, label] { log.push_back(label); });
}

}  // namespace

TEST_CASE("events run by time, and events at the same time in insertion order", "[kernel]") {
  Simulator sim;
  std::vector<std::string> log;
  log_at(sim, 30, log, "a@30");
  log_at(sim, 10, log, "b@10");
  log_at(sim, 20, log, "c@20");
  log_at(sim, 10, log, "d@10");
  log_at(sim, 10, log, "e@10");
  REQUIRE(sim.pending() == 5);
  REQUIRE(sim.run() == 5);
  REQUIRE(log == std::vector<std::string>{"b@10", "d@10", "e@10", "c@20", "a@30"});
  REQUIRE(sim.now_us() == 30);
  REQUIRE(sim.pending() == 0);
  REQUIRE(sim.events_run() == 5);
}

TEST_CASE("an event scheduled for now from inside an event runs after those already queued",
          "[kernel]") {
  Simulator sim;
  std::vector<std::string> log;
  sim.schedule_at(5, [&] {
    log.push_back("first");
    log_at(sim, sim.now_us(), log, "spawned");
  });
  log_at(sim, 5, log, "second");
  sim.run();
  REQUIRE(log == std::vector<std::string>{"first", "second", "spawned"});
}

TEST_CASE("many same-time events keep insertion order through heap reshuffles", "[kernel]") {
  Simulator sim;
  std::vector<int> order;
  // Interleave two times so the heap has to reorder entries repeatedly.
  for (int i = 0; i < 200; ++i)
    sim.schedule_at(i % 2 == 0 ? 100 : 50, [&order, i] { order.push_back(i); });
  sim.run();
  REQUIRE(order.size() == 200);
  for (size_t k = 1; k < 100; ++k) REQUIRE(order[k] > order[k - 1]);    // the t=50 batch (odd i)
  for (size_t k = 101; k < 200; ++k) REQUIRE(order[k] > order[k - 1]);  // the t=100 batch
  REQUIRE(order[0] % 2 == 1);
  REQUIRE(order[100] % 2 == 0);
}

TEST_CASE("a cancelled event does not run and cancelling twice reports false", "[kernel]") {
  Simulator sim;
  std::vector<std::string> log;
  TimerId a = log_at(sim, 10, log, "a");
  log_at(sim, 20, log, "b");
  REQUIRE(sim.cancel(a));
  REQUIRE(sim.pending() == 1);
  REQUIRE_FALSE(sim.cancel(a));
  REQUIRE(sim.pending() == 1);
  REQUIRE(sim.run() == 1);
  REQUIRE(log == std::vector<std::string>{"b"});
  REQUIRE_FALSE(sim.cancel(TimerId{}));
}

TEST_CASE("a stale id does not cancel the later event that reused its slot", "[kernel]") {
  Simulator sim;
  std::vector<std::string> log;
  TimerId old_id = log_at(sim, 10, log, "old");
  sim.run();
  TimerId new_id = log_at(sim, 20, log, "new");
  REQUIRE(new_id.slot == old_id.slot);  // the slot really was reused
  REQUIRE(new_id.generation != old_id.generation);
  REQUIRE_FALSE(sim.cancel(old_id));
  sim.run();
  REQUIRE(log == std::vector<std::string>{"old", "new"});

  // Same after a cancel: the cancelled slot's id stays dead once the slot is reused.
  TimerId doomed = log_at(sim, 30, log, "doomed");
  REQUIRE(sim.cancel(doomed));
  sim.run();
  TimerId reuse = log_at(sim, 40, log, "reuse");
  REQUIRE_FALSE(sim.cancel(doomed));
  REQUIRE(sim.pending() == 1);
  sim.run();
  REQUIRE(log.back() == "reuse");
  (void)reuse;
}

TEST_CASE("an event cannot cancel itself but can cancel a later one", "[kernel]") {
  Simulator sim;
  std::vector<std::string> log;
  TimerId self{}, later{};
  bool self_cancel = true;
  self = sim.schedule_at(10, [&] {
    self_cancel = sim.cancel(self);
    REQUIRE(sim.cancel(later));
  });
  later = log_at(sim, 20, log, "later");
  sim.run();
  REQUIRE_FALSE(self_cancel);
  REQUIRE(log.empty());
  REQUIRE(sim.now_us() == 10);
}

TEST_CASE("run_until runs events up to and including the limit and advances the clock",
          "[kernel]") {
  Simulator sim;
  std::vector<std::string> log;
  log_at(sim, 10, log, "a");
  log_at(sim, 20, log, "b");
  log_at(sim, 30, log, "c");
  REQUIRE(sim.run_until(20) == 2);
  REQUIRE(sim.now_us() == 20);
  REQUIRE(sim.pending() == 1);
  REQUIRE(log == std::vector<std::string>{"a", "b"});

  REQUIRE(sim.run_until(25) == 0);
  REQUIRE(sim.now_us() == 25);  // the clock moves even with nothing to run

  REQUIRE(sim.run_until(5) == 0);
  REQUIRE(sim.now_us() == 25);  // never backwards

  REQUIRE(sim.run_for(10) == 1);
  REQUIRE(sim.now_us() == 35);
  REQUIRE(log.back() == "c");
}

TEST_CASE("run_events stops after its budget and leaves the rest pending", "[kernel]") {
  Simulator sim;
  std::vector<std::string> log;
  for (int i = 0; i < 5; ++i) log_at(sim, 100 * (i + 1), log, std::to_string(i));
  REQUIRE(sim.run_events(3) == 3);
  REQUIRE(sim.pending() == 2);
  REQUIRE(sim.now_us() == 300);
  REQUIRE(sim.events_run() == 3);
  REQUIRE(sim.run_events(10) == 2);
  REQUIRE(log == std::vector<std::string>{"0", "1", "2", "3", "4"});
  REQUIRE(sim.run_events(10) == 0);
}

TEST_CASE("cancelled events do not count against the run_events budget", "[kernel]") {
  Simulator sim;
  std::vector<std::string> log;
  TimerId a = log_at(sim, 1, log, "a");
  log_at(sim, 2, log, "b");
  sim.cancel(a);
  REQUIRE(sim.run_events(1) == 1);
  REQUIRE(log == std::vector<std::string>{"b"});
}

TEST_CASE("scheduling in the past runs at the current time, not earlier", "[kernel]") {
  Simulator sim;
  sim.run_until(100);
  std::vector<TimeUs> ran_at;
  sim.schedule_at(50, [&] { ran_at.push_back(sim.now_us()); });
  sim.schedule_after(-5, [&] { ran_at.push_back(sim.now_us()); });
  sim.schedule_after(7, [&] { ran_at.push_back(sim.now_us()); });
  sim.run();
  REQUIRE(ran_at == std::vector<TimeUs>{100, 100, 107});
}

TEST_CASE("the after-event hook runs once after every event that ran", "[kernel]") {
  Simulator sim;
  int hooks = 0;
  sim.set_after_event([&] { ++hooks; });
  std::vector<std::string> log;
  TimerId dead = log_at(sim, 1, log, "dead");
  log_at(sim, 2, log, "x");
  log_at(sim, 3, log, "y");
  sim.cancel(dead);
  sim.run();
  REQUIRE(hooks == 2);
}

TEST_CASE("fast-forward moves the clock only when nothing else could run first", "[kernel]") {
  Simulator sim;
  REQUIRE_FALSE(sim.advance_if_next(10));  // outside a run loop: never
  std::vector<std::string> log;
  bool advanced_past_event = true, advanced_before_event = false, advanced_beyond_limit = true;
  sim.schedule_at(5, [&] {
    advanced_past_event = sim.advance_if_next(50);    // the event at 50 is due: refused
    advanced_before_event = sim.advance_if_next(20);  // nothing due until 50: allowed
    log.push_back("a@" + std::to_string(sim.now_us()));
    advanced_beyond_limit = sim.advance_if_next(200);  // beyond run_until's bound: refused
  });
  sim.schedule_at(50, [&] { log.push_back("b@" + std::to_string(sim.now_us())); });
  sim.run_until(100);
  CHECK_FALSE(advanced_past_event);
  CHECK(advanced_before_event);
  CHECK_FALSE(advanced_beyond_limit);
  CHECK(log == std::vector<std::string>{"a@20", "b@50"});
  CHECK(sim.events_run() == 3);  // the fast-forward counts as the event it replaced

  Simulator off;
  off.set_fast_forward(false);
  bool moved = true;
  off.schedule_at(1, [&] { moved = off.advance_if_next(2); });
  off.run();
  CHECK_FALSE(moved);
  Simulator budget;
  bool in_budget = true;
  budget.schedule_at(1, [&] { in_budget = budget.advance_if_next(2); });
  budget.run_events(5);
  CHECK_FALSE(in_budget);  // run_events counts scheduled events: no fast-forward
}

TEST_CASE("LookupMap finds by text view, keeps the first value, erases", "[kernel]") {
  dtx::LookupMap<std::string, int, dtx::TextHash> m;
  CHECK(m.find(std::string_view("a")) == nullptr);
  CHECK(m.emplace("a", 1) == 1);
  CHECK(m.emplace("a", 2) == 1);  // the key was there: the value stays
  m.emplace("b", 3);
  REQUIRE(m.find(std::string_view("b")) != nullptr);
  CHECK(*m.find(std::string_view("b")) == 3);
  CHECK(m.contains(std::string_view("a")));
  CHECK(m.size() == 2);
  CHECK(m.erase(std::string_view("a")));
  CHECK_FALSE(m.erase(std::string_view("a")));
  CHECK(m.size() == 1);
}
