// The simulated network: partitions and heals (one-group isolation, overlapping cuts),
// loss to crashed or unreachable nodes, RPC timeouts, clogged links that hold and release,
// drop/duplicate rates within binomial bounds, and FIFO order per link.
#include <catch2/catch.hpp>
#include <cmath>

#include "sim/world/context.hpp"
#include "tests/unit/unit_helpers.hpp"

using namespace dtx;
using namespace dtx::unit;

namespace {

bool reach(World& w, const std::string& a, const std::string& b) {
  return w.net().reachable(w.net().node_index(a), w.net().node_index(b));
}

uint64_t send_msg(World& w, const std::string& from, const std::string& to) {
  Message m;
  m.type = "m";
  return w.node(from)->send(to, std::move(m));
}

void add_nodes(World& w, std::initializer_list<const char*> names) {
  for (const char* n : names) w.add_node(n, "service");
}

// Message ids delivered at `node`, in delivery order.
std::vector<uint64_t> delivered_ids(World& w, const std::string& node) {
  std::vector<uint64_t> ids;
  for (const auto& e : events_of(w, Kind::deliver, node)) ids.push_back(e.msg);
  return ids;
}

struct CallOutcome {
  bool finished = false;
  bool ok = false;
  TimeUs at_us = -1;
  Json body;
};

Task<void> call_once(Context ctx, std::string to, TimeUs timeout_us, CallOutcome* out) {
  Message m;
  m.type = "echo";
  m.body = Json{{"x", 7}};
  RpcResult r = co_await ctx.call(to, std::move(m), timeout_us);
  out->finished = true;
  out->ok = r.ok;
  out->at_us = ctx.now_us();
  if (const Json* j = r.answer<Json>()) out->body = *j;
}

// Binomial 5-sigma check: `hits` out of `n` trials at probability `p`.
bool within_binomial(size_t hits, size_t n, double p) {
  double sd = std::sqrt(n * p * (1 - p));
  return std::abs(static_cast<double>(hits) - n * p) <= 5 * sd;
}

}  // namespace

TEST_CASE("a two-group partition cuts the groups apart until it heals", "[network]") {
  World w(1);
  add_nodes(w, {"a", "b", "c", "d"});
  w.partition("split", {{"a", "b"}, {"c", "d"}});
  REQUIRE(reach(w, "a", "b"));
  REQUIRE(reach(w, "c", "d"));
  REQUIRE_FALSE(reach(w, "a", "c"));
  REQUIRE_FALSE(reach(w, "d", "b"));
  auto cut = events_of(w, Kind::partition);
  REQUIRE(cut.size() == 1);
  REQUIRE(detail_str(cut[0], "name") == "split");
  REQUIRE(cut[0].detail["cut"].size() == 4);
  w.heal("split");
  REQUIRE(reach(w, "a", "c"));
  REQUIRE(count_of(w, Kind::heal) == 1);
}

TEST_CASE("a one-group partition isolates that node from everyone else", "[network]") {
  World w(1);
  add_nodes(w, {"a", "b", "c"});
  w.partition("iso", {{"c"}});
  REQUIRE_FALSE(reach(w, "a", "c"));
  REQUIRE_FALSE(reach(w, "b", "c"));
  REQUIRE(reach(w, "a", "b"));
  send_msg(w, "a", "c");
  w.run_for(100 * kUsPerMs);
  auto drops = events_of(w, Kind::drop, "c");
  REQUIRE(drops.size() == 1);
  REQUIRE(detail_str(drops[0], "reason") == "partition");
  REQUIRE(delivered_ids(w, "c").empty());
}

TEST_CASE("healing one of two overlapping partitions keeps the other's cut", "[network]") {
  World w(1);
  add_nodes(w, {"a", "b", "c"});
  w.partition("iso-c", {{"c"}});
  w.partition("split", {{"a"}, {"b", "c"}});
  REQUIRE_FALSE(reach(w, "a", "b"));
  w.heal("split");
  REQUIRE(reach(w, "a", "b"));
  REQUIRE_FALSE(reach(w, "b", "c"));  // iso-c still cuts b-c, which split also cut
  REQUIRE_FALSE(reach(w, "a", "c"));
  w.partition("split", {{"a"}, {"b", "c"}});
  w.heal("iso-c");
  REQUIRE(reach(w, "b", "c"));
  REQUIRE_FALSE(reach(w, "a", "c"));  // split still cuts a-c, which iso-c also cut
  w.heal("split");
  REQUIRE(reach(w, "a", "c"));
}

TEST_CASE("heal_all records the name of each partition it heals", "[network]") {
  // Names longer than the small-string buffer live on the heap, so reading one after its
  // map entry is erased shows garbage instead of the name.
  World w(1);
  add_nodes(w, {"a", "b", "c"});
  std::string long_name = "a-partition-name-longer-than-sso";
  w.partition(long_name, {{"c"}});
  w.partition("short", {{"a"}});
  w.heal_all();
  auto heals = events_of(w, Kind::heal);
  REQUIRE(heals.size() == 2);
  CHECK(detail_str(heals[0], "name") == long_name);
  CHECK(detail_str(heals[1], "name") == "short");
}

TEST_CASE("a two-group partition separates the named groups even when other nodes exist",
          "[network]") {
  // Scenarios write partitions such as [["bank-a"], ["mq"]] in worlds with more nodes.
  World w(1);
  add_nodes(w, {"a", "b", "bystander"});
  w.partition("p", {{"a"}, {"b"}});
  CHECK_FALSE(reach(w, "a", "b"));
  send_msg(w, "a", "b");
  w.run_for(100 * kUsPerMs);
  REQUIRE(delivered_ids(w, "b").empty());
}

TEST_CASE("messages to a crashed node are dropped with a reason", "[network]") {
  World w(1);
  add_nodes(w, {"a", "b"});
  w.crash("b");
  uint64_t id = send_msg(w, "a", "b");
  REQUIRE(id != 0);
  w.run_for(100 * kUsPerMs);
  auto drops = events_of(w, Kind::drop, "b");
  REQUIRE(drops.size() == 1);
  REQUIRE(drops[0].msg == id);
  REQUIRE(drops[0].peer == "a");
  REQUIRE(detail_str(drops[0], "reason") == "receiver down");
  REQUIRE(delivered_ids(w, "b").empty());
}

TEST_CASE("a message in flight when a partition starts is dropped on arrival", "[network]") {
  World w(1);
  add_nodes(w, {"a", "b"});
  uint64_t id = send_msg(w, "a", "b");
  w.partition("late", {{"b"}});
  w.run_for(100 * kUsPerMs);
  auto drops = events_of(w, Kind::drop, "b");
  REQUIRE(drops.size() == 1);
  REQUIRE(drops[0].msg == id);
  REQUIRE(detail_str(drops[0], "reason") == "partition");
}

TEST_CASE("a message to an unknown node is dropped", "[network]") {
  World w(1);
  add_nodes(w, {"a"});
  send_msg(w, "a", "nobody");
  REQUIRE(detail_str(events_of(w, Kind::drop).at(0), "reason") == "unknown node");
}

TEST_CASE("an RPC to an unreachable node times out and the caller sees ok=false", "[network]") {
  World w(1);
  add_nodes(w, {"a", "b"});
  w.node("b")->handle("echo", [](Message m) -> Task<Body> { co_return m.body; });
  w.partition("iso", {{"b"}});
  CallOutcome out;
  Context ctx(w, *w.node("a"));
  ctx.spawn(call_once(ctx, "b", 300 * kUsPerMs, &out));
  w.run_for(kUsPerS);
  REQUIRE(out.finished);
  REQUIRE_FALSE(out.ok);
  REQUIRE(out.at_us == 300 * kUsPerMs);
  auto timeouts = events_of(w, Kind::timeout, "a");
  REQUIRE(timeouts.size() == 1);
  REQUIRE(timeouts[0].peer == "b");
}

TEST_CASE("an RPC to a reachable node returns the handler's reply", "[network]") {
  World w(1);
  add_nodes(w, {"a", "b"});
  w.node("b")->handle("echo", [](Message m) -> Task<Body> { co_return m.body; });
  CallOutcome out;
  Context ctx(w, *w.node("a"));
  ctx.spawn(call_once(ctx, "b", 300 * kUsPerMs, &out));
  w.run_for(kUsPerS);
  REQUIRE(out.ok);
  REQUIRE(out.body["x"] == 7);
  REQUIRE(out.at_us < 300 * kUsPerMs);
  REQUIRE(count_of(w, Kind::timeout) == 0);
}

TEST_CASE("a reply that arrives after the RPC timed out is ignored", "[network]") {
  World w(1);
  add_nodes(w, {"a", "b"});
  Node& b = *w.node("b");
  b.handle("echo", [&b](Message m) -> Task<Body> {
    co_await b.sleep(200 * kUsPerMs);
    co_return m.body;
  });
  CallOutcome out;
  Context ctx(w, *w.node("a"));
  ctx.spawn(call_once(ctx, "b", 100 * kUsPerMs, &out));
  w.run_for(kUsPerS);
  REQUIRE_FALSE(out.ok);
  REQUIRE(out.at_us == 100 * kUsPerMs);                   // not overwritten by the late reply
  REQUIRE(events_of(w, Kind::deliver, "a").size() == 1);  // the late reply did arrive
  REQUIRE(count_of(w, Kind::timeout) == 1);
}

TEST_CASE("a clogged link holds messages in both directions and releases them in order",
          "[network]") {
  World w(1);
  add_nodes(w, {"a", "b", "c"});
  w.clog("a", "b", true);
  std::vector<uint64_t> sent;
  for (int i = 0; i < 3; ++i) sent.push_back(send_msg(w, "a", "b"));
  uint64_t back = send_msg(w, "b", "a");
  send_msg(w, "a", "c");
  w.run_for(kUsPerS);
  REQUIRE(delivered_ids(w, "b").empty());
  REQUIRE(delivered_ids(w, "a").empty());
  REQUIRE(delivered_ids(w, "c").size() == 1);  // other links are unaffected
  REQUIRE(count_of(w, Kind::drop) == 0);
  REQUIRE(count_of(w, Kind::clog) == 1);

  TimeUs unclog_at = w.now_us();
  w.clog("a", "b", false);
  w.run_for(10 * kUsPerMs);
  REQUIRE(delivered_ids(w, "b") == sent);
  REQUIRE(delivered_ids(w, "a") == std::vector<uint64_t>{back});
  for (const auto& e : events_of(w, Kind::deliver, "b")) REQUIRE(e.t_us == unclog_at);
  REQUIRE(count_of(w, Kind::unclog) == 1);
}

TEST_CASE("the link drop rate holds within binomial bounds over 20k messages", "[network]") {
  World w(3);
  add_nodes(w, {"a", "b"});
  LinkModel m;
  m.drop = 0.1;
  REQUIRE(w.set_link_model_checked("a", "b", m));
  const size_t n = 20000;
  for (size_t i = 0; i < n; ++i) send_msg(w, "a", "b");
  w.run_for(kUsPerS);
  size_t dropped = count_of(w, Kind::drop, "b");
  REQUIRE(within_binomial(dropped, n, 0.1));
  REQUIRE(delivered_ids(w, "b").size() == n - dropped);
  for (const auto& e : events_of(w, Kind::drop, "b"))
    REQUIRE(detail_str(e, "reason") == "link loss");
}

TEST_CASE("the duplicate rate holds and every duplicate is delivered twice", "[network]") {
  World w(4);
  add_nodes(w, {"a", "b"});
  LinkModel m;
  m.duplicate = 0.05;
  w.set_link_model_checked("a", "b", m);
  const size_t n = 20000;
  for (size_t i = 0; i < n; ++i) send_msg(w, "a", "b");
  w.run_for(kUsPerS);
  size_t dups = count_of(w, Kind::duplicate);
  REQUIRE(within_binomial(dups, n, 0.05));
  REQUIRE(delivered_ids(w, "b").size() == n + dups);
  REQUIRE(w.counters()["network_duplicates"] == static_cast<int64_t>(dups));
}

TEST_CASE("a fault window's extra drop rate applies to every link and resets", "[network]") {
  World w(5);
  add_nodes(w, {"a", "b", "c"});
  w.set_extra_rates(0.25, 0, "drop_rate");
  const size_t n = 20000;
  for (size_t i = 0; i < n; ++i) send_msg(w, i % 2 ? "a" : "c", "b");
  w.run_for(kUsPerS);
  REQUIRE(within_binomial(count_of(w, Kind::drop), n, 0.25));
  w.set_extra_rates(0, 0, "drop_rate end");
  size_t before = count_of(w, Kind::drop);
  for (size_t i = 0; i < 1000; ++i) send_msg(w, "a", "b");
  w.run_for(kUsPerS);
  REQUIRE(count_of(w, Kind::drop) == before);
}

TEST_CASE("messages on one link arrive in send order despite latency jitter", "[network]") {
  auto inversions = [](double reorder) {
    World w(6);
    add_nodes(w, {"a", "b"});
    LinkModel m;
    m.latency_us_min = 100;
    m.latency_us_jitter_mean = 5000;  // far above the send spacing
    m.reorder = reorder;
    w.set_link_model_checked("a", "b", m);
    for (int i = 0; i < 1000; ++i) w.sim().schedule_at(i * 10, [&w] { send_msg(w, "a", "b"); });
    w.run_for(10 * kUsPerS);
    auto ids = delivered_ids(w, "b");
    REQUIRE(ids.size() == 1000);
    int inv = 0;
    for (size_t i = 1; i < ids.size(); ++i) inv += ids[i] < ids[i - 1] ? 1 : 0;
    return inv;
  };
  REQUIRE(inversions(0.0) == 0);
  REQUIRE(inversions(0.3) > 0);  // the check above can fail: reordering links are caught
}

namespace {
struct Ping {
  int n = 0;
};
struct Pong {
  int n = 0;
  bool refused = false;
};
Task<void> ping_with(Context ctx, Body body, RpcResult* out) {
  Message m;
  m.type = "ping";
  m.body = std::move(body);
  *out = co_await ctx.call("b", std::move(m), 300 * kUsPerMs);
}
}  // namespace

TEST_CASE("a typed handler answers its own request type and refuses any other", "[network]") {
  World w(1);
  add_nodes(w, {"a", "b"});
  int handled = 0;
  Context(w, *w.node("b"))
      .handle_typed<Ping>(
          "ping",
          [&handled](Ping p, Message) {
            ++handled;
            return Context::reply_now(Pong{p.n + 1});
          },
          Pong{0, true});
  RpcResult right, wrong, empty;
  Context ctx(w, *w.node("a"));
  ctx.spawn(ping_with(ctx, Ping{41}, &right));
  ctx.spawn(ping_with(ctx, Json{{"n", 41}}, &wrong));  // the same field, not the struct
  ctx.spawn(ping_with(ctx, nullptr, &empty));
  w.run_for(kUsPerS);
  CHECK(handled == 1);
  const Pong* ok = right.answer<Pong>();
  REQUIRE(ok);
  CHECK(ok->n == 42);
  CHECK_FALSE(ok->refused);
  for (const RpcResult* r : {&wrong, &empty}) {
    const Pong* no = r->answer<Pong>();
    REQUIRE(no);
    CHECK(no->refused);
  }
  CHECK(right.answer<Ping>() == nullptr);  // a reply of another type reads as none
}
