// The broker: at-least-once delivery with ack, nack/timeout redelivery then DLQ, transacted
// sessions (invisible until commit, aborted by abort or client crash), half messages with
// producer end and periodic check-back, durability across a broker crash, FIFO per queue.
#include <catch2/catch.hpp>

#include "sim/world/broker.hpp"
#include "sim/world/context.hpp"
#include "tests/unit/unit_helpers.hpp"

using namespace dtx;
using namespace dtx::unit;

namespace {

const TimeUs ms = kUsPerMs;

// A broker "mq" and two clients, "prod" and "cons".
struct MqWorld {
  World w;
  Broker broker;
  explicit MqWorld(BrokerConfig cfg = {}, uint64_t seed = 1)
      : w(seed), broker(w, w.add_node("mq", "broker"), cfg) {
    w.add_node("prod", "service");
    w.add_node("cons", "service");
    w.start();
  }
  Context ctx(const std::string& node) { return Context(w, *w.node(node)); }
};

struct Seen {
  std::vector<Delivery> deliveries;
  std::vector<TimeUs> at_us;
  std::vector<int> numbers() const {
    std::vector<int> out;
    for (const auto& d : deliveries) out.push_back(d.body.json().value("n", -1));
    return out;
  }
};

// A consumer that records every delivery and answers `ack`.
Context::Consumer recorder(Context ctx, Seen* seen, bool ack = true) {
  return [ctx, seen, ack](Delivery d) -> Task<bool> {
    seen->deliveries.push_back(d);
    seen->at_us.push_back(ctx.now_us());
    co_return ack;
  };
}

Task<void> publish_all(Context ctx, std::string queue, int n, std::vector<bool>* acks) {
  for (int i = 0; i < n; ++i) {
    Json body = {{"n", i}};
    std::string gid = "g";
    gid += std::to_string(i);  // not "g" + ...: GCC 12 -Wrestrict false positive
    bool ok = co_await ctx.publish("mq", queue, gid, body, kUsPerS);
    acks->push_back(ok);
  }
}

void subscribe(MqWorld& m, Seen* seen, bool ack = true, const std::string& group = "g1") {
  Context c = m.ctx("cons");
  c.subscribe("mq", "orders", group, recorder(c, seen, ack));
}

}  // namespace

TEST_CASE("a published message is delivered once and acked", "[broker]") {
  MqWorld m;
  Seen seen;
  std::vector<bool> acks;
  subscribe(m, &seen);
  m.ctx("prod").spawn(publish_all(m.ctx("prod"), "orders", 1, &acks));
  m.w.run_for(5 * kUsPerS);
  REQUIRE(acks == std::vector<bool>{true});
  REQUIRE(seen.deliveries.size() == 1);
  REQUIRE(seen.deliveries[0].attempt == 1);
  REQUIRE(seen.deliveries[0].gid == "g0");
  REQUIRE(count_of(m.w, Kind::broker_ack) == 1);
  REQUIRE(count_of(m.w, Kind::broker_redeliver) == 0);
  REQUIRE(m.broker.ready_count("orders") == 0);
  REQUIRE(m.broker.unacked_count("orders") == 0);
}

TEST_CASE("messages published before anyone subscribes wait and arrive in order", "[broker]") {
  MqWorld m;
  Seen seen;
  std::vector<bool> acks;
  m.ctx("prod").spawn(publish_all(m.ctx("prod"), "orders", 3, &acks));
  m.w.run_for(kUsPerS);
  REQUIRE(m.broker.ready_count("orders") == 3);
  subscribe(m, &seen);
  m.w.run_for(5 * kUsPerS);
  REQUIRE(seen.numbers() == std::vector<int>{0, 1, 2});
}

TEST_CASE("a consumer that nacks gets redeliveries, then the message goes to the DLQ", "[broker]") {
  BrokerConfig cfg;
  cfg.max_redeliveries = 3;
  MqWorld m(cfg);
  Seen seen;
  std::vector<bool> acks;
  subscribe(m, &seen, false);
  m.ctx("prod").spawn(publish_all(m.ctx("prod"), "orders", 1, &acks));
  m.w.run_for(10 * kUsPerS);
  std::vector<int> attempts;
  for (const auto& d : seen.deliveries) attempts.push_back(d.attempt);
  REQUIRE(attempts == std::vector<int>{1, 2, 3, 4});
  REQUIRE(count_of(m.w, Kind::broker_nack) == 4);
  REQUIRE(m.broker.dead_letters().size() == 1);
  REQUIRE(m.broker.dead_letters()[0].id == seen.deliveries[0].id);
  REQUIRE(count_of(m.w, Kind::broker_dlq) == 1);
  REQUIRE(m.broker.ready_count("orders") == 0);
  REQUIRE(m.broker.unacked_count("orders") == 0);
}

TEST_CASE("an unacked delivery is redelivered after the ack timeout", "[broker]") {
  BrokerConfig cfg;
  cfg.ack_timeout_us = 500 * ms;
  MqWorld m(cfg);
  Seen seen;
  std::vector<bool> acks;
  Context c = m.ctx("cons");
  // The first attempt hangs for 3 s (its ack comes too late); later attempts ack at once.
  c.subscribe("mq", "orders", "g1", [c, &seen](Delivery d) -> Task<bool> {
    seen.deliveries.push_back(d);
    seen.at_us.push_back(c.now_us());
    if (d.attempt == 1) co_await Context(c).sleep(3 * kUsPerS);
    co_return true;
  });
  m.ctx("prod").spawn(publish_all(m.ctx("prod"), "orders", 1, &acks));
  m.w.run_for(10 * kUsPerS);
  REQUIRE(seen.deliveries.size() == 2);
  REQUIRE(seen.deliveries[1].attempt == 2);
  REQUIRE(seen.at_us[1] - seen.at_us[0] >= cfg.ack_timeout_us);
  REQUIRE(m.w.counters()["ack_timeouts"] == 1);
  REQUIRE(count_of(m.w, Kind::broker_redeliver) == 1);
  REQUIRE(m.broker.dead_letters().empty());
  REQUIRE(m.broker.unacked_count("orders") == 0);
}

namespace {
Task<void> tx_session(Context ctx, int n, TimeUs hold_us, bool commit, TimeUs* ended_us) {
  std::optional<uint64_t> sid = co_await ctx.tx_begin("mq", kUsPerS);
  if (!sid) co_return;
  for (int i = 0; i < n; ++i) {
    Json body = {{"n", i}};
    co_await ctx.tx_send("mq", *sid, "orders", "gt", body, kUsPerS);
  }
  co_await ctx.sleep(hold_us);
  *ended_us = ctx.now_us();
  co_await ctx.tx_end("mq", *sid, commit, "gt", kUsPerS);
}
}  // namespace

TEST_CASE("a transacted session's messages are invisible until commit", "[broker]") {
  MqWorld m;
  Seen seen;
  TimeUs ended = -1;
  subscribe(m, &seen);
  m.ctx("prod").spawn(tx_session(m.ctx("prod"), 2, 500 * ms, true, &ended));
  m.w.run_for(300 * ms);
  REQUIRE(seen.deliveries.empty());
  REQUIRE(m.broker.ready_count("orders") == 0);
  m.w.run_for(5 * kUsPerS);
  REQUIRE(seen.numbers() == std::vector<int>{0, 1});
  for (TimeUs t : seen.at_us) REQUIRE(t > ended);
  REQUIRE(count_of(m.w, Kind::broker_commit) == 1);
}

TEST_CASE("an aborted transacted session delivers nothing", "[broker]") {
  MqWorld m;
  Seen seen;
  TimeUs ended = -1;
  subscribe(m, &seen);
  m.ctx("prod").spawn(tx_session(m.ctx("prod"), 2, 100 * ms, false, &ended));
  m.w.run_for(5 * kUsPerS);
  REQUIRE(ended > 0);
  REQUIRE(seen.deliveries.empty());
  REQUIRE(count_of(m.w, Kind::broker_rollback) == 1);
}

TEST_CASE("a client crash aborts its open transacted session", "[broker]") {
  MqWorld m;
  Seen seen;
  TimeUs ended = -1;
  subscribe(m, &seen);
  m.ctx("prod").spawn(tx_session(m.ctx("prod"), 2, kUsPerS, true, &ended));
  m.w.run_for(300 * ms);
  m.w.crash("prod");
  auto rollbacks = events_of(m.w, Kind::broker_rollback);
  REQUIRE(rollbacks.size() == 1);
  REQUIRE(detail_str(rollbacks[0], "reason") == "client disconnected");
  m.w.run_for(100 * ms);
  m.w.restart("prod");
  m.w.run_for(5 * kUsPerS);
  REQUIRE(ended == -1);
  REQUIRE(seen.deliveries.empty());
}

namespace {
Task<void> half_then_end(Context ctx, std::string decision, TimeUs hold_us, TimeUs* ended_us) {
  Json body = {{"n", 42}};
  std::optional<uint64_t> id = co_await ctx.send_half("mq", "orders", "gh", body, "pg", kUsPerS);
  co_await ctx.sleep(hold_us);
  *ended_us = ctx.now_us();
  if (id && !decision.empty()) ctx.end_half("mq", *id, decision, "gh");
}

Task<void> register_then_half(Context ctx) {
  co_await ctx.register_producer("mq", "pg", kUsPerS);
  TimeUs unused = 0;
  co_await half_then_end(ctx, "", 0, &unused);
}

void answer_checkbacks(Node& producer, std::string answer) {
  producer.handle("mq.checkback",
                  [answer](Message) -> Task<Body> { co_return MqCheckbackAnswer{answer}; });
}
}  // namespace

TEST_CASE("a half message becomes visible on commit and disappears on rollback", "[broker]") {
  std::string decision = GENERATE(std::string("commit"), std::string("rollback"));
  MqWorld m;
  Seen seen;
  TimeUs ended = -1;
  subscribe(m, &seen);
  m.ctx("prod").spawn(half_then_end(m.ctx("prod"), decision, 500 * ms, &ended));
  m.w.run_for(300 * ms);
  REQUIRE(m.broker.half_count() == 1);
  REQUIRE(seen.deliveries.empty());
  m.w.run_for(5 * kUsPerS);
  REQUIRE(m.broker.half_count() == 0);
  if (decision == "commit") {
    REQUIRE(seen.numbers() == std::vector<int>{42});
    REQUIRE(seen.at_us[0] > ended);
  } else {
    REQUIRE(seen.deliveries.empty());
    REQUIRE(count_of(m.w, Kind::broker_rollback) == 1);
  }
}

TEST_CASE("an unfinished half message is resolved by asking the producer", "[broker]") {
  std::string answer = GENERATE(std::string("commit"), std::string("rollback"));
  BrokerConfig cfg;
  cfg.half_timeout_us = kUsPerS;
  cfg.check_interval_us = 2 * kUsPerS;
  MqWorld m(cfg);
  Seen seen;
  subscribe(m, &seen);
  answer_checkbacks(*m.w.node("prod"), answer);
  m.ctx("prod").spawn(register_then_half(m.ctx("prod")));
  m.w.run_for(10 * kUsPerS);
  REQUIRE(m.broker.half_count() == 0);
  bool answered = false;
  size_t questions = 0;
  for (const auto& e : events_of(m.w, Kind::checkback, "mq")) {
    // Question and answer are distinct typed records; the text says the same.
    const CheckbackRecord* c = e.detail.checkback();
    REQUIRE(c);
    CHECK(c->id != 0);
    CHECK(c->is_answer() == e.detail.contains("answer"));
    if (c->is_answer()) answered = answered || c->answer == answer;
    if (!c->is_answer()) CHECK(c->check == static_cast<int64_t>(++questions));
  }
  REQUIRE(answered);
  REQUIRE(questions >= 1);
  REQUIRE(seen.deliveries.size() == (answer == "commit" ? 1u : 0u));
  if (answer == "commit") REQUIRE(seen.at_us[0] >= cfg.check_interval_us);
}

TEST_CASE("a half message answered UNKNOWN check_max times is discarded (or committed by policy)",
          "[broker]") {
  bool commit_policy = GENERATE(false, true);
  BrokerConfig cfg;
  cfg.half_timeout_us = kUsPerS;
  cfg.check_interval_us = 2 * kUsPerS;
  cfg.check_max = 3;
  cfg.discard_commits = commit_policy;
  MqWorld m(cfg);
  Seen seen;
  subscribe(m, &seen);
  answer_checkbacks(*m.w.node("prod"), "unknown");
  m.ctx("prod").spawn(register_then_half(m.ctx("prod")));
  m.w.run_for(20 * kUsPerS);
  size_t asked = 0;
  for (const auto& e : events_of(m.w, Kind::checkback, "mq"))
    asked += e.detail.contains("check") ? 1 : 0;
  REQUIRE(asked == 3);
  REQUIRE(m.broker.half_count() == 0);
  if (commit_policy) {
    REQUIRE(seen.deliveries.size() == 1);
    REQUIRE(count_of(m.w, Kind::broker_discard) == 0);
  } else {
    auto discards = events_of(m.w, Kind::broker_discard);
    REQUIRE(discards.size() == 1);
    REQUIRE(discards[0].detail["checks"] == 3);
    REQUIRE(seen.deliveries.empty());
  }
}

TEST_CASE("published messages survive a broker crash", "[broker]") {
  MqWorld m;
  Seen seen;
  std::vector<bool> acks;
  m.ctx("prod").spawn(publish_all(m.ctx("prod"), "orders", 3, &acks));
  m.w.run_for(kUsPerS);
  REQUIRE(acks == std::vector<bool>{true, true, true});
  m.w.crash("mq");
  m.w.run_for(kUsPerS);
  m.w.restart("mq");
  subscribe(m, &seen);
  m.w.run_for(5 * kUsPerS);
  REQUIRE(seen.numbers() == std::vector<int>{0, 1, 2});
}

TEST_CASE("a delivery whose ack was lost in a broker crash is redelivered after restart",
          "[broker]") {
  BrokerConfig cfg;
  cfg.ack_timeout_us = 30 * kUsPerS;  // only the restart can cause the redelivery
  MqWorld m(cfg);
  Seen seen;
  std::vector<bool> acks;
  Context c = m.ctx("cons");
  c.subscribe("mq", "orders", "g1", [c, &seen](Delivery d) -> Task<bool> {
    seen.deliveries.push_back(d);
    co_await Context(c).sleep(kUsPerS);  // the ack goes out while the broker is down
    co_return true;
  });
  m.ctx("prod").spawn(publish_all(m.ctx("prod"), "orders", 1, &acks));
  m.w.run_for(500 * ms);
  REQUIRE(seen.deliveries.size() == 1);
  m.w.crash("mq");
  m.w.run_for(1500 * ms);
  m.w.restart("mq");
  m.w.run_for(5 * kUsPerS);
  REQUIRE(seen.deliveries.size() == 2);
  REQUIRE(seen.deliveries[1].id == seen.deliveries[0].id);
  REQUIRE(seen.deliveries[1].attempt == 2);
  REQUIRE(m.broker.unacked_count("orders") == 0);
  REQUIRE(m.broker.ready_count("orders") == 0);
}

TEST_CASE("a single consumer with prefetch 1 receives a queue in FIFO order", "[broker]") {
  MqWorld m;
  Seen seen;
  std::vector<bool> acks;
  subscribe(m, &seen);
  m.ctx("prod").spawn(publish_all(m.ctx("prod"), "orders", 20, &acks));
  m.w.run_for(10 * kUsPerS);
  std::vector<int> expected;
  for (int i = 0; i < 20; ++i) expected.push_back(i);
  REQUIRE(seen.numbers() == expected);
  REQUIRE(count_of(m.w, Kind::broker_ack) == 20);
}

TEST_CASE("each consumer group of a topic gets its own copy", "[broker]") {
  MqWorld m;
  Seen first, second;
  std::vector<bool> acks;
  subscribe(m, &first, true, "billing");
  m.w.add_node("cons2", "service");
  Context c2 = m.ctx("cons2");
  c2.subscribe("mq", "orders", "shipping", recorder(c2, &second));
  m.w.run_for(100 * ms);
  m.ctx("prod").spawn(publish_all(m.ctx("prod"), "orders", 5, &acks));
  m.w.run_for(5 * kUsPerS);
  REQUIRE(first.numbers() == std::vector<int>{0, 1, 2, 3, 4});
  REQUIRE(second.numbers() == std::vector<int>{0, 1, 2, 3, 4});
}

namespace {
Task<void> call_with(Context ctx, std::string type, Body body, RpcResult* out) {
  Message m;
  m.type = std::move(type);
  m.body = std::move(body);
  *out = co_await ctx.call("mq", std::move(m), kUsPerS);
}
}  // namespace

TEST_CASE("a broker request whose body is of another type is refused, never misread", "[broker]") {
  MqWorld m;
  RpcResult wrong, right;
  // The JSON a client might once have sent: same fields, but not the protocol's struct.
  m.ctx("prod").spawn(
      call_with(m.ctx("prod"), "mq.subscribe", Json{{"queue", "q"}, {"group", "g"}}, &wrong));
  m.ctx("cons").spawn(call_with(m.ctx("cons"), "mq.subscribe", MqSubscribe{"q", "g"}, &right));
  m.w.run_for(kUsPerS);
  REQUIRE(wrong.ok);
  const MqReply* refused = wrong.reply.body.as<MqReply>();
  REQUIRE(refused);
  CHECK_FALSE(refused->ok);
  CHECK(refused->error == "malformed request");
  REQUIRE(right.ok);
  const MqReply* joined = right.reply.body.as<MqReply>();
  REQUIRE(joined);
  CHECK(joined->ok);
  CHECK(joined->queue == "q#g");
  CHECK(right.reply.body.as<Json>() == nullptr);
}
