// Each checker on hand-written histories: a history that keeps the invariant passes, and a
// minimal history that breaks it yields a violation naming the gid and its evidence events.
#include <catch2/catch.hpp>

#include "sim/check/checkers.hpp"
#include "sim/check/metrics.hpp"

using namespace dtx;

namespace {

struct HistoryBuilder {
  EventLog events;
  TimeUs t = 0;
  uint64_t add(Kind k, const std::string& gid, Detail d, const std::string& node = "svc") {
    Event e;
    e.id = events.size();
    e.t_us = (t += 1000);
    e.node = node;
    e.kind = k;
    e.gid = gid;
    e.detail = std::move(d);
    events.push_back(std::move(e));
    return events.back().id;
  }
  // A local transaction's event: the typed id (what the metrics read) and its text.
  uint64_t local(Kind k, const std::string& gid, LocalTxn lt, Detail d, const std::string& node) {
    uint64_t id = add(k, gid, std::move(d), node);
    events.back().local = lt;
    return id;
  }
  uint64_t started(const std::string& gid,
                   std::vector<std::string> branches = {"debit", "credit"}) {
    std::string origin = branches.front();
    return add(Kind::gtx, gid, Detail::of(GtxRecord::started(std::move(branches), origin)));
  }
  uint64_t effect(const std::string& gid, const std::string& branch, const std::string& op,
                  int64_t money, const std::string& key = "A1", int64_t amount = -1) {
    return add(Kind::effect, gid,
               Detail::of(EffectRecord{"acct", amount < 0 ? std::abs(money) : amount, branch, key,
                                       money, op, "debit"}));
  }
  uint64_t final(const std::string& gid) {
    return add(Kind::gtx, gid, Detail::of(GtxRecord::reached("succeed", true)));
  }
};

std::vector<Violation> check(Checker c, const HistoryBuilder& h, FinalState f = {}) {
  return c({h.events, f});
}

}  // namespace

TEST_CASE("a complete transfer keeps every invariant", "[checkers]") {
  HistoryBuilder h;
  h.started("g1");
  h.effect("g1", "debit", "action", -10);
  h.effect("g1", "credit", "action", 10);
  h.final("g1");
  FinalState f{100, 100, {}, 0, 0, 0, {}};
  for (const auto& inv : invariants()) {
    INFO(inv.name);
    CHECK(inv.checker({h.events, f}).empty());
  }
}

TEST_CASE("conservation names the unbalanced transaction", "[checkers]") {
  HistoryBuilder h;
  h.started("g1");
  uint64_t debit = h.effect("g1", "debit", "action", -10);
  h.started("g2");
  h.effect("g2", "debit", "action", -5);
  h.effect("g2", "credit", "action", 5);
  auto v = check(conservation_checker, h, FinalState{100, 90, {}, 0, 0, 0, {}});
  REQUIRE(v.size() == 1);
  CHECK(v[0].gid == "g1");
  CHECK(v[0].invariant == "conservation");
  CHECK(v[0].events == std::vector<uint64_t>{debit});
  CHECK(check(conservation_checker, h, FinalState{100, 100, {}, 0, 0, 0, {}}).empty());
}

TEST_CASE("no_lost: a committed origin without its downstream effect", "[checkers]") {
  HistoryBuilder h;
  h.started("g1");
  h.effect("g1", "debit", "action", -10);
  auto v = check(no_lost_checker, h);
  REQUIRE(v.size() == 1);
  CHECK(v[0].gid == "g1");
  CHECK(v[0].message.find("credit") != std::string::npos);
  h.effect("g1", "credit", "action", 10);
  CHECK(check(no_lost_checker, h).empty());
}

TEST_CASE("no_phantom: a downstream effect without a committed origin, even with no started record",
          "[checkers]") {
  HistoryBuilder h;
  h.effect("g1", "credit", "action", 10);
  auto v = check(no_phantom_checker, h);
  REQUIRE(v.size() == 1);
  CHECK(v[0].gid == "g1");
  // A compensated origin counts as not applied.
  HistoryBuilder h2;
  h2.started("g2");
  h2.effect("g2", "debit", "action", -10);
  h2.effect("g2", "debit", "compensate", 10);
  h2.effect("g2", "credit", "action", 10);
  CHECK(check(no_phantom_checker, h2).size() == 1);
}

TEST_CASE("atomicity: partial outcomes are violations, all-or-nothing is not", "[checkers]") {
  HistoryBuilder h;
  h.started("g1");
  h.effect("g1", "debit", "action", -10);
  CHECK(check(atomicity_checker, h).size() == 1);
  h.effect("g1", "debit", "compensate", 10);
  CHECK(check(atomicity_checker, h).empty());
  h.started("g2");
  CHECK(check(atomicity_checker, h).empty());
}

TEST_CASE("exactly_once: the same branch operation applied twice", "[checkers]") {
  HistoryBuilder h;
  h.started("g1");
  h.effect("g1", "debit", "action", -10);
  uint64_t a = h.effect("g1", "credit", "action", 10);
  uint64_t b = h.effect("g1", "credit", "action", 10);
  auto v = check(exactly_once_checker, h);
  REQUIRE(v.size() == 1);
  CHECK(v[0].events == std::vector<uint64_t>{a, b});
}

TEST_CASE("termination: never final, and final after the bound", "[checkers]") {
  HistoryBuilder h;
  h.started("g1");
  FinalState f{0, 0, {}, 10'000, 5'000, 0, {}};
  CHECK(check(termination_checker, h, f).size() == 1);
  h.t = 12'000;
  h.final("g1");
  CHECK(check(termination_checker, h, f).empty());
  h.started("g2");
  h.t = 20'000;
  h.final("g2");
  auto v = check(termination_checker, h, f);
  REQUIRE(v.size() == 1);
  CHECK(v[0].gid == "g2");
}

TEST_CASE("termination: a message-based transaction is final when every downstream branch is done",
          "[checkers]") {
  HistoryBuilder h;
  h.started("g1", {"order", "stock", "payment"});
  h.add(Kind::gtx, "g1", Detail::of(GtxRecord::branch_finished("stock", false)));
  CHECK(check(termination_checker, h).size() == 1);
  h.add(Kind::gtx, "g1", Detail::of(GtxRecord::branch_finished("payment", false)));
  CHECK(check(termination_checker, h).empty());
}

TEST_CASE("per_key_order: downstream effects follow the origins' commit order", "[checkers]") {
  HistoryBuilder h;
  h.started("g1");
  h.effect("g1", "debit", "action", -1, "A1");
  h.started("g2");
  h.effect("g2", "debit", "action", -1, "A1");
  h.effect("g1", "credit", "action", 1, "A1");
  h.effect("g2", "credit", "action", 1, "A1");
  CHECK(check(per_key_order_checker, h).empty());
  HistoryBuilder bad;
  bad.started("g1");
  bad.effect("g1", "debit", "action", -1, "A1");
  bad.started("g2");
  bad.effect("g2", "debit", "action", -1, "A1");
  bad.effect("g2", "credit", "action", 1, "A1");
  bad.effect("g1", "credit", "action", 1, "A1");
  auto v = check(per_key_order_checker, bad);
  REQUIRE(v.size() == 1);
  CHECK(v[0].gid == "g1");
}

TEST_CASE("tcc checkers: orphan, hanging and null compensation", "[checkers]") {
  HistoryBuilder h;
  h.started("g1");
  uint64_t cancel = h.effect("g1", "debit", "cancel", 0, "A1", 10);
  uint64_t late_try = h.effect("g1", "debit", "try", 0, "A1", 10);
  auto hanging = check(tcc_no_hanging_checker, h);
  REQUIRE(hanging.size() == 1);
  CHECK(hanging[0].events == std::vector<uint64_t>{cancel, late_try});
  auto null_comp = check(tcc_null_compensation_checker, h);
  REQUIRE(null_comp.size() == 1);
  CHECK(null_comp[0].events == std::vector<uint64_t>{cancel});
  FinalState f;
  f.open_reservations["g1"] = 10;
  auto orphan = check(tcc_no_orphan_checker, h, f);
  REQUIRE(orphan.size() == 1);
  CHECK(orphan[0].gid == "g1");
  HistoryBuilder ok;
  ok.started("g2");
  ok.effect("g2", "debit", "try", 0, "A1", 10);
  ok.effect("g2", "debit", "cancel", 0, "A1", 10);
  CHECK(check(tcc_no_hanging_checker, ok).empty());
  CHECK(check(tcc_null_compensation_checker, ok).empty());
}

TEST_CASE("metrics: latency percentiles, inconsistency window and per-transaction counts",
          "[checkers]") {
  HistoryBuilder h;
  h.started("g1");                         // t=1ms
  h.effect("g1", "debit", "action", -10);  // t=2ms: money in flight
  h.add(Kind::send, "g1", nullptr);        // t=3ms
  h.add(Kind::db_commit, "g1", nullptr);   // t=4ms
  h.effect("g1", "credit", "action", 10);  // t=5ms: balanced again
  h.final("g1");                           // t=6ms
  Metrics m = compute_metrics(h.events);
  CHECK(m.business_txns == 1);
  CHECK(m.finished_txns == 1);
  CHECK(m.latency_us_p50 == 5000);
  CHECK(m.inconsistency_window_us == 3000);
  CHECK(m.messages_per_txn == Approx(1.0));
  CHECK(m.local_txns_per_txn == Approx(1.0));
  CHECK(percentile({1, 2, 3, 4}, 50) == 2);
  CHECK(percentile({1, 2, 3, 4}, 99) == 4);
}

TEST_CASE("metrics: latency counts from arrival, so waiting before the first commit shows",
          "[checkers]") {
  HistoryBuilder h;
  h.started("g1");  // t=1ms: its origin's local transaction committed
  h.final("g1");    // t=2ms
  h.started("g2");  // t=3ms
  h.final("g2");    // t=4ms
  FinalState none;
  CheckInput from_start{h.events, none};
  CHECK(compute_metrics(from_start).latency_us_max == 1000);
  // g1 arrived at 0.5 ms; g2 arrived at 0.2 ms and waited behind g1 until 3 ms.
  std::vector<std::pair<std::string, TimeUs>> arrivals = {{"g1", 500}, {"g2", 200}};
  CheckInput from_arrival{h.events, none, nullptr, -1, &arrivals};
  Metrics m = compute_metrics(from_arrival);
  CHECK(m.latency_us_max == 3800);
  CHECK(m.latency_us_p50 == 1500);
  CHECK(m.throughput_per_s == Approx(2 / 0.0038));
}

TEST_CASE("metrics: per-transaction window and recovery after a crash", "[checkers]") {
  HistoryBuilder h;
  h.started("g1");                            // t=1ms
  h.effect("g1", "debit", "action", -10);     // t=2ms: g1's origin commits
  h.started("g2");                            // t=3ms
  h.add(Kind::crash, "", nullptr, "bank-b");  // t=4ms: g1 and g2 are open
  h.effect("g1", "credit", "action", 10);     // t=5ms: g1's last effect (window 3 ms)
  h.final("g1");                              // t=6ms
  h.effect("g2", "debit", "action", -5);      // t=7ms
  h.effect("g2", "credit", "action", 5);      // t=8ms (window 1 ms)
  h.final("g2");                              // t=9ms: the last open at the crash is final
  h.started("g3");                            // t=10ms: after the crash, not counted
  h.final("g3");                              // t=11ms
  Metrics m = compute_metrics(h.events);
  CHECK(m.txn_window_us_p50 == 1000);
  CHECK(m.txn_window_us_p99 == 3000);
  CHECK(m.txn_window_us_max == 3000);
  CHECK(m.crashes == 1);
  CHECK(m.recovery_us_max == 5000);
  Json j = m.to_json();
  CHECK(j["recovery_ms_max"] == 5.0);
  CHECK(j["txn_window_ms_p99"] == 3.0);
}

TEST_CASE("no_overdraft: a compensation taking back a credit that was spent", "[checkers]") {
  auto effect = [](HistoryBuilder& h, const std::string& gid, const std::string& account,
                   const std::string& op, int64_t money) {
    return h.add(
        Kind::effect, gid,
        Detail::of(EffectRecord{account, std::abs(money), "credit", account, money, op, "credit"}));
  };
  FinalState f;
  f.initial_balances = {{"A1", 10}, {"A2", 0}};
  HistoryBuilder ok;
  effect(ok, "g1", "A2", "action", 30);       // credited
  effect(ok, "g1", "A2", "compensate", -30);  // taken back before anyone spent it
  effect(ok, "g2", "A1", "action", -10);      // spends exactly what is there
  CHECK(check(no_overdraft_checker, ok, f).empty());

  HistoryBuilder h;
  effect(h, "g1", "A2", "action", 30);                      // the saga's credit, visible at once
  effect(h, "g2", "A2", "action", -25);                     // spent by another transfer
  uint64_t bad = effect(h, "g1", "A2", "compensate", -30);  // compensated: A2 at -25
  effect(h, "g3", "A2", "action", 40);
  effect(h, "g3", "A2", "compensate", -60);  // the same account again: reported once
  auto v = check(no_overdraft_checker, h, f);
  REQUIRE(v.size() == 1);
  CHECK(v[0].gid == "g1");
  CHECK(v[0].events == std::vector<uint64_t>{bad});
  CHECK_THAT(v[0].message, Catch::Contains("'A2' at -25"));
}

TEST_CASE("metrics: waits on a lock an in-doubt transaction holds", "[checkers]") {
  HistoryBuilder h;
  auto of = LocalTxn::of;
  auto waiting = LocalTxn::waiting;
  h.local(Kind::db_begin, "g1", of(1), Detail::of({{"owner", "svc"}, {"txn", 1}}), "db");  // 1ms
  h.local(Kind::db_lock_wait, "g2", waiting(2, 1), Detail::of({{"holder", 1}, {"txn", 2}}),
          "db");                                                                          // t=2ms
  h.local(Kind::db_prepare, "g1", of(1), Detail::of({{"txn", 1}, {"xid", "x1"}}), "db");  // 3ms
  h.local(Kind::db_lock_wait, "g3", waiting(3, 1), Detail::of({{"holder", 1}, {"txn", 3}}),
          "db");  // t=4ms
  h.local(Kind::db_rollback, "g3", of(3), Detail::of({{"reason", "timeout"}, {"txn", 3}}),
          "db");                                                          // 5ms
  h.local(Kind::db_commit, "g1", of(1), Detail::of({{"txn", 1}}), "db");  // t=6ms
  // The broker's prepare is no local transaction: it counts for nothing here.
  h.add(Kind::db_prepare, "g9", Detail::of({{"session", 4}, {"xid", "x9"}}), "db");
  Metrics m = compute_metrics(h.events);
  CHECK(m.in_doubt_us_total == 3000);  // prepared 3ms..6ms
  // g2 waited 2..6ms, in doubt from 3ms: 3ms; g3 waited 4..5ms (it gave up): 1ms.
  CHECK(m.in_doubt_lock_waits == 2);
  CHECK(m.in_doubt_lock_wait_us_total == 4000);
  CHECK(m.lock_waits == 2);
}
