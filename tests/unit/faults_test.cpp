// Fault injection: scheduled faults fire at their times and their windows end on time; the
// heal phase restarts crashed nodes, heals partitions, unclogs links and resets rates, and
// nothing fires after it; draw_swarm is a deterministic, in-range function of the seed.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>

#include "sim/world/database.hpp"
#include "sim/world/faults.hpp"
#include "tests/unit/unit_helpers.hpp"

using namespace dtx;
using namespace dtx::unit;

namespace {

FaultSpec partition_fault(std::string name, NodeGroups groups, TimeUs at_us, TimeUs duration_us) {
  return FaultSpec{at_us, PartitionFault{std::move(name), std::move(groups), duration_us}};
}

std::vector<TimeUs> times_of(World& w, Kind kind, const std::string& node = "") {
  std::vector<TimeUs> out;
  for (const auto& e : events_of(w, kind, node)) out.push_back(e.t_us);
  return out;
}

bool reach(World& w, const std::string& a, const std::string& b) {
  return w.net().reachable(w.net().node_index(a), w.net().node_index(b));
}

std::string describe(const FaultSpec& f) {
  return fault_to_json(f).dump();
}

std::vector<std::string> describe_all(const std::vector<FaultSpec>& fs) {
  std::vector<std::string> out;
  for (const auto& f : fs) out.push_back(describe(f));
  return out;
}

SwarmSpec busy_swarm() {
  SwarmSpec s;
  s.enabled = true;
  s.crash_per_s = 0.5;
  s.pause_per_s = 0.5;
  s.partition_per_s = 0.5;
  s.clog_per_s = 0.5;
  s.loss_per_s = 0.5;
  s.db_stall_per_s = 0.5;
  s.nodes = {"a", "b", "c"};
  s.databases = {"a.db"};
  return s;
}

const TimeUs ms = kUsPerMs;

}  // namespace

TEST_CASE("a crash with a duration restarts the node when the window ends", "[faults]") {
  World w(1);
  w.add_node("n", "service");
  schedule_faults(w, {{100 * ms, CrashFault{"n", 200 * ms}}}, 10 * kUsPerS);
  w.run_until(kUsPerS);
  REQUIRE(times_of(w, Kind::crash, "n") == std::vector<TimeUs>{100 * ms});
  REQUIRE(times_of(w, Kind::restart, "n") == std::vector<TimeUs>{300 * ms});
}

TEST_CASE("an explicit restart fault brings a crashed node back at its time", "[faults]") {
  World w(1);
  Node& n = w.add_node("n", "service");
  schedule_faults(w, {{100 * ms, CrashFault{"n", 0}}, {400 * ms, RestartFault{"n"}}}, 10 * kUsPerS);
  w.run_until(350 * ms);
  REQUIRE_FALSE(n.alive());
  w.run_until(kUsPerS);
  REQUIRE(n.up());
  REQUIRE(times_of(w, Kind::restart, "n") == std::vector<TimeUs>{400 * ms});
}

TEST_CASE("a pause fault freezes the node for its duration", "[faults]") {
  World w(1);
  w.add_node("n", "service");
  schedule_faults(w, {{100 * ms, PauseFault{"n", 50 * ms}}}, 10 * kUsPerS);
  w.run_until(kUsPerS);
  REQUIRE(times_of(w, Kind::pause, "n") == std::vector<TimeUs>{100 * ms});
  REQUIRE(times_of(w, Kind::resume, "n") == std::vector<TimeUs>{150 * ms});
}

TEST_CASE("a partition fault with a duration heals itself", "[faults]") {
  World w(1);
  w.add_node("a", "service");
  w.add_node("b", "service");
  schedule_faults(w, {partition_fault("cut", {{"b"}}, 100 * ms, 200 * ms)}, 10 * kUsPerS);
  w.run_until(200 * ms);
  REQUIRE_FALSE(reach(w, "a", "b"));
  w.run_until(kUsPerS);
  REQUIRE(reach(w, "a", "b"));
  REQUIRE(times_of(w, Kind::partition) == std::vector<TimeUs>{100 * ms});
  REQUIRE(times_of(w, Kind::heal) == std::vector<TimeUs>{300 * ms});
}

TEST_CASE("a clog fault holds the link for its window", "[faults]") {
  World w(1);
  w.add_node("a", "service");
  w.add_node("b", "service");
  schedule_faults(w, {{100 * ms, ClogFault{"a", "b", 200 * ms}}}, 10 * kUsPerS);
  w.run_until(200 * ms);
  REQUIRE(w.net().link(0, 1)->clogged);
  w.run_until(kUsPerS);
  REQUIRE_FALSE(w.net().link(0, 1)->clogged);
  REQUIRE(times_of(w, Kind::unclog) == std::vector<TimeUs>{300 * ms});
}

TEST_CASE("overlapping drop-rate windows add up and unwind", "[faults]") {
  World w(1);
  w.add_node("a", "service");
  schedule_faults(w,
                  {FaultSpec{100 * ms, DropRateFault{0.1, 400 * ms}},
                   FaultSpec{200 * ms, DropRateFault{0.2, 100 * ms}},
                   FaultSpec{250 * ms, DuplicateRateFault{0.05, 100 * ms}}},
                  10 * kUsPerS);
  w.run_until(150 * ms);
  REQUIRE(w.net().extra_drop == Approx(0.1));
  w.run_until(260 * ms);
  REQUIRE(w.net().extra_drop == Approx(0.3));
  REQUIRE(w.net().extra_duplicate == Approx(0.05));
  w.run_until(400 * ms);
  REQUIRE(w.net().extra_drop == Approx(0.1));
  REQUIRE(w.net().extra_duplicate == Approx(0.0).margin(1e-12));
  w.run_until(600 * ms);
  REQUIRE(w.net().extra_drop == Approx(0.0).margin(1e-12));
}

TEST_CASE("a db_stall fault stalls the named database until the window ends", "[faults]") {
  World w(1);
  Node& host = w.add_node("a.db", "database");
  Database db(w, "a.db", host, DbConfig{});
  schedule_faults(w, {{100 * ms, DbStallFault{"a.db", 300 * ms}}}, 10 * kUsPerS);
  w.run_until(kUsPerS);
  auto stalls = events_of(w, Kind::fault, "a.db");
  REQUIRE(stalls.size() == 1);
  REQUIRE(stalls[0].t_us == 100 * ms);
  REQUIRE(stalls[0].detail["until"] == 400 * ms);
}

TEST_CASE("the heal phase ends every fault and nothing fires after it", "[faults]") {
  World w(1);
  for (const char* n : {"a", "b", "c"}) w.add_node(n, "service");
  const TimeUs heal_us = kUsPerS;
  std::vector<FaultSpec> faults = {
      {100 * ms, CrashFault{"a", 0}},                             // down until the heal
      {200 * ms, CrashFault{"b", 30 * kUsPerS}},                  // window past the heal
      partition_fault("long", {{"c"}, {"a", "b"}}, 100 * ms, 0),  // no duration
      {100 * ms, ClogFault{"a", "b", 60 * kUsPerS}},
      FaultSpec{100 * ms, DropRateFault{0.5, 60 * kUsPerS}},
      {300 * ms, PauseFault{"c", 60 * kUsPerS}},
      {heal_us, CrashFault{"c", 0}},      // at the heal: ignored
      {2 * heal_us, CrashFault{"c", 0}},  // after the heal: ignored
      partition_fault("late", {{"a"}}, 3 * heal_us, 0),
  };
  schedule_faults(w, faults, heal_us);
  w.run_until(heal_us - 1);
  REQUIRE_FALSE(w.node("a")->alive());
  REQUIRE(w.node("c")->state() == NodeState::paused);
  w.run_until(100 * kUsPerS);
  for (const char* n : {"a", "b", "c"}) REQUIRE(w.node(n)->up());
  REQUIRE(reach(w, "a", "c"));
  REQUIRE_FALSE(w.net().link(0, 1)->clogged);
  REQUIRE(w.net().extra_drop == 0);
  REQUIRE(times_of(w, Kind::restart, "a") == std::vector<TimeUs>{heal_us});
  REQUIRE(times_of(w, Kind::restart, "b") == std::vector<TimeUs>{heal_us});
  REQUIRE(times_of(w, Kind::resume, "c") == std::vector<TimeUs>{heal_us});
  for (Kind k : {Kind::crash, Kind::pause, Kind::partition, Kind::clog}) {
    for (TimeUs t : times_of(w, k)) REQUIRE(t < heal_us);
  }
  bool heal_phase = false;
  for (const auto& e : events_of(w, Kind::fault, "world"))
    heal_phase = heal_phase || detail_str(e, "fault") == "heal phase";
  REQUIRE(heal_phase);
}

TEST_CASE("draw_swarm is deterministic per seed and differs across seeds", "[faults]") {
  SwarmSpec s = busy_swarm();
  auto a = describe_all(draw_swarm(s, 7, 20 * kUsPerS));
  auto b = describe_all(draw_swarm(s, 7, 20 * kUsPerS));
  auto c = describe_all(draw_swarm(s, 8, 20 * kUsPerS));
  REQUIRE(a.size() > 10);
  REQUIRE(a == b);
  REQUIRE(a != c);
  s.enabled = false;
  REQUIRE(draw_swarm(s, 7, 20 * kUsPerS).empty());
}

TEST_CASE("drawn swarm faults are sorted, fall before the end time and are well formed",
          "[faults]") {
  SwarmSpec s = busy_swarm();
  const TimeUs until = 30 * kUsPerS;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    auto faults = draw_swarm(s, seed, until);
    TimeUs last = 0;
    for (const auto& f : faults) {
      INFO("seed " << seed << ": " << describe(f));
      REQUIRE(f.at_us >= 0);
      REQUIRE(f.at_us < until);
      REQUIRE(f.at_us >= last);
      last = f.at_us;
      REQUIRE(fault_info(f.kind()).kind == f.kind());
      REQUIRE(f.duration_us() > 0);
      if (f.kind() == FaultKind::crash || f.kind() == FaultKind::pause)
        REQUIRE(std::count(s.nodes.begin(), s.nodes.end(), f.target()) == 1);
      if (const auto* c = f.as<ClogFault>()) REQUIRE(c->node != c->peer);
      if (const auto* p = f.as<PartitionFault>()) REQUIRE(p->groups.size() == 1);
      if (f.kind() == FaultKind::db_stall) REQUIRE(f.target() == "a.db");
      if (const auto* r = f.as<DropRateFault>()) REQUIRE(r->rate == s.loss_rate);
      if (const auto* r = f.as<DuplicateRateFault>()) REQUIRE(r->rate == s.loss_rate);
    }
  }
}

TEST_CASE("the swarm's fault rate matches the requested Poisson rate", "[faults]") {
  SwarmSpec s;
  s.enabled = true;
  s.crash_per_s = 2;
  s.nodes = {"a"};
  auto faults = draw_swarm(s, 3, 1000 * kUsPerS);
  double expected = 2000;
  REQUIRE(std::abs(faults.size() - expected) < 5 * std::sqrt(expected));
  s.nodes.clear();  // no candidate nodes: no node faults at all
  s.loss_per_s = 1;
  for (const auto& f : draw_swarm(s, 3, 100 * kUsPerS))
    REQUIRE((f.kind() == FaultKind::drop_rate || f.kind() == FaultKind::duplicate_rate));
}

TEST_CASE("a swarm run replays exactly and everything is healed afterwards", "[faults]") {
  auto run = [](uint64_t seed) {
    World w(seed);
    for (const char* n : {"a", "b", "c"}) w.add_node(n, "service");
    Node& host = w.add_node("a.db", "database", "a");
    Database db(w, "a.db", host, DbConfig{});
    // Background traffic so the faults have something to act on.
    for (int i = 0; i < 2000; ++i) {
      w.sim().schedule_at(i * 5 * ms, [&w, i] {
        Message m;
        m.type = "m";
        w.node(i % 2 ? "a" : "b")->send(i % 3 ? "c" : "a", std::move(m));
      });
    }
    schedule_faults(w, draw_swarm(busy_swarm(), seed, 8 * kUsPerS), 8 * kUsPerS);
    w.run_until(12 * kUsPerS);
    for (const auto& n : w.nodes()) REQUIRE(n->up());
    REQUIRE(reach(w, "a", "c"));
    return w.history().trace_hash();
  };
  REQUIRE(run(21) == run(21));
  REQUIRE(run(21) != run(22));
}
