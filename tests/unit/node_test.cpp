// Node lifecycle: a crash drops pending timers and destroys in-flight coroutines (they never
// resume), restart runs on_restart; a pause defers timers and deliveries without loss and
// runs them in order on resume; nothing is spawned on a crashed node.
#include <catch2/catch.hpp>

#include "sim/world/context.hpp"
#include "tests/unit/unit_helpers.hpp"

using namespace dtx;
using namespace dtx::unit;

namespace {

// Sets *flag when destroyed: stands for a process's volatile state.
struct DropFlag {
  bool* flag;
  ~DropFlag() { *flag = true; }
};

Task<void> sleeper(Context ctx, TimeUs d_us, bool* resumed, bool* frame_destroyed) {
  DropFlag guard{frame_destroyed};
  co_await ctx.sleep(d_us);
  *resumed = true;
}

Task<void> mark_started(Context ctx, std::vector<TimeUs>* starts) {
  starts->push_back(ctx.now_us());
  co_return;
}

uint64_t send_msg(World& w, const std::string& from, const std::string& to) {
  Message m;
  m.type = "m";
  return w.node(from)->send(to, std::move(m));
}

}  // namespace

TEST_CASE("a crash drops the node's pending timers, also after restart", "[node]") {
  World w(1);
  Node& n = w.add_node("n", "service");
  bool fired = false;
  n.after(100 * kUsPerMs, [&] { fired = true; });
  w.run_for(50 * kUsPerMs);
  w.crash("n");
  w.run_for(10 * kUsPerMs);
  w.restart("n");
  w.run_for(kUsPerS);
  REQUIRE_FALSE(fired);
  bool after_restart = false;
  n.after(10 * kUsPerMs, [&] { after_restart = true; });
  w.run_for(kUsPerS);
  REQUIRE(after_restart);  // the restarted node schedules normally again
}

TEST_CASE("a coroutine sleeping across a crash never resumes and its frame is destroyed",
          "[node]") {
  World w(1);
  Node& n = w.add_node("n", "service");
  Context ctx(w, n);
  bool resumed = false, destroyed = false;
  ctx.spawn(sleeper(ctx, 100 * kUsPerMs, &resumed, &destroyed));
  w.run_for(50 * kUsPerMs);
  REQUIRE(n.process_count() == 1);
  w.crash("n");
  w.run_for(kUsPerMs);  // the frame is reaped after the crash event's successor runs
  w.sim().schedule_after(0, [] {});
  w.run_for(kUsPerMs);
  REQUIRE(destroyed);
  REQUIRE(n.process_count() == 0);
  w.restart("n");
  w.run_for(kUsPerS);
  REQUIRE_FALSE(resumed);
}

TEST_CASE("restart runs on_restart once and on_crash runs at the crash", "[node]") {
  World w(1);
  Node& n = w.add_node("n", "service");
  int starts = 0, restarts = 0, crashes = 0;
  n.on_start([&] { ++starts; });
  n.on_restart([&] { ++restarts; });
  n.on_crash([&] { ++crashes; });
  w.start();
  w.crash("n");
  w.crash("n");  // already down: no second crash
  REQUIRE(crashes == 1);
  REQUIRE(n.state() == NodeState::crashed);
  REQUIRE(restarts == 0);
  w.restart("n");
  w.restart("n");  // already up
  REQUIRE(restarts == 1);
  REQUIRE(starts == 1);
  REQUIRE(n.up());
  REQUIRE(count_of(w, Kind::crash, "n") == 1);
  REQUIRE(count_of(w, Kind::restart, "n") == 1);
}

TEST_CASE("hooks add to each other and run in the order they were added", "[node]") {
  World w(1);
  Node& n = w.add_node("n", "service");
  std::string order;
  n.on_start([&] { order += "s1 "; });
  n.on_restart([&] { order += "r1 "; });
  n.on_start([&] { order += "s2 "; });
  n.on_restart([&] { order += "r2 "; });
  n.on_crash([&] { order += "c1 "; });
  n.on_crash([&] { order += "c2 "; });
  w.start();
  w.crash("n");
  w.restart("n");
  REQUIRE(order == "s1 s2 c1 c2 r1 r2 ");
}

TEST_CASE("a crashed node sends nothing and a message sent before the crash still arrives",
          "[node]") {
  World w(1);
  w.add_node("a", "service");
  w.add_node("b", "service");
  uint64_t before = send_msg(w, "a", "b");
  w.crash("a");
  REQUIRE(send_msg(w, "a", "b") == 0);
  w.run_for(kUsPerS);
  auto got = events_of(w, Kind::deliver, "b");
  REQUIRE(got.size() == 1);
  REQUIRE(got[0].msg == before);
}

TEST_CASE("a pause defers timers, which then run in order right after resume", "[node]") {
  World w(1);
  Node& n = w.add_node("n", "service");
  std::vector<std::pair<int, TimeUs>> ran;
  for (int i = 1; i <= 3; ++i)
    n.after(i * 10 * kUsPerMs, [&ran, &w, i] { ran.push_back({i, w.now_us()}); });
  w.run_for(5 * kUsPerMs);
  REQUIRE(w.pause("n", 100 * kUsPerMs));
  REQUIRE(n.state() == NodeState::paused);
  w.run_for(50 * kUsPerMs);
  REQUIRE(ran.empty());
  w.run_for(kUsPerS);
  REQUIRE(ran.size() == 3);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(ran[i].first == i + 1);
    REQUIRE(ran[i].second == 105 * kUsPerMs);
  }
  REQUIRE(count_of(w, Kind::pause, "n") == 1);
  REQUIRE(events_of(w, Kind::resume, "n").at(0).t_us == 105 * kUsPerMs);
}

TEST_CASE("messages to a paused node are delivered in order after it resumes, none lost",
          "[node]") {
  World w(1);
  w.add_node("a", "service");
  w.add_node("b", "service");
  w.pause("b", 500 * kUsPerMs);
  std::vector<uint64_t> sent;
  for (int i = 0; i < 20; ++i) sent.push_back(send_msg(w, "a", "b"));
  w.run_for(400 * kUsPerMs);
  REQUIRE(count_of(w, Kind::deliver, "b") == 0);
  w.run_for(kUsPerS);
  auto got = events_of(w, Kind::deliver, "b");
  REQUIRE(got.size() == sent.size());
  for (size_t i = 0; i < got.size(); ++i) {
    REQUIRE(got[i].msg == sent[i]);
    REQUIRE(got[i].t_us == 500 * kUsPerMs);
  }
  REQUIRE(count_of(w, Kind::drop) == 0);
}

TEST_CASE("a coroutine sleeping through a pause resumes late but resumes", "[node]") {
  World w(1);
  Node& n = w.add_node("n", "service");
  Context ctx(w, n);
  bool resumed = false, destroyed = false;
  ctx.spawn(sleeper(ctx, 10 * kUsPerMs, &resumed, &destroyed));
  w.run_for(kUsPerMs);  // started and now sleeping
  w.pause("n", 200 * kUsPerMs);
  w.run_for(150 * kUsPerMs);
  REQUIRE_FALSE(resumed);
  w.run_for(100 * kUsPerMs);
  REQUIRE(resumed);
}

TEST_CASE("a process spawned on a crashed node does not run, one spawned while paused waits",
          "[node]") {
  World w(1);
  Node& n = w.add_node("n", "service");
  Context ctx(w, n);
  std::vector<TimeUs> starts;
  w.crash("n");
  ctx.spawn(mark_started(ctx, &starts));
  REQUIRE(n.process_count() == 0);
  w.run_for(kUsPerS);
  w.restart("n");
  w.run_for(kUsPerS);
  REQUIRE(starts.empty());

  w.pause("n", 100 * kUsPerMs);
  TimeUs paused_at = w.now_us();
  ctx.spawn(mark_started(ctx, &starts));
  w.run_for(kUsPerS);
  REQUIRE(starts == std::vector<TimeUs>{paused_at + 100 * kUsPerMs});
}

TEST_CASE("a caller that crashes during an RPC never sees the reply or the timeout", "[node]") {
  World w(1);
  Node& a = w.add_node("a", "service");
  Node& b = w.add_node("b", "service");
  b.handle("slow", [&b](Message) -> Task<Body> {
    co_await b.sleep(50 * kUsPerMs);
    co_return Json{{"ok", true}};
  });
  bool resumed = false;
  auto caller = [](Context ctx, bool* resumed) -> Task<void> {
    Message m;
    m.type = "slow";
    co_await ctx.call("b", std::move(m), 200 * kUsPerMs);
    *resumed = true;
  };
  Context ctx(w, a);
  ctx.spawn(caller(ctx, &resumed));
  w.run_for(10 * kUsPerMs);
  w.crash("a");
  w.run_for(5 * kUsPerMs);
  w.restart("a");
  w.run_for(kUsPerS);
  REQUIRE_FALSE(resumed);
  REQUIRE(count_of(w, Kind::timeout) == 0);
}

TEST_CASE("a pause that ended long ago does not cut short a later pause", "[node]") {
  // pause(100 ms) at 0, crash at 10 ms, restart at 20 ms, pause(1 s) at 50 ms: the node must
  // stay paused until 1050 ms.
  World w(1);
  Node& n = w.add_node("n", "service");
  w.pause("n", 100 * kUsPerMs);
  w.run_until(10 * kUsPerMs);
  w.crash("n");
  w.run_until(20 * kUsPerMs);
  w.restart("n");
  w.run_until(50 * kUsPerMs);
  w.pause("n", kUsPerS);
  w.run_until(200 * kUsPerMs);
  CHECK(n.state() == NodeState::paused);
  w.run_until(2 * kUsPerS);
  auto resumes = events_of(w, Kind::resume, "n");
  REQUIRE(resumes.size() == 1);
  REQUIRE(resumes[0].t_us == 1050 * kUsPerMs);
}
