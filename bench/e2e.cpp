// End-to-end benchmark: business transfers per wall second for every pattern over the
// fault-free 100k-transfer scenario (bench/transfer-100k.json), with messages and local
// transactions per transfer, beside the database layer's ceiling measured in the same run
// (simulated local transactions per second / local transactions per transfer).
// Target: each pattern at >= 50% of its ceiling.
#include <chrono>
#include <cstdio>
#include <string>

#include "patterns/pattern.hpp"
#include "sim/app/runner.hpp"
#include "sim/world/context.hpp"
#include "sim/world/world.hpp"

using namespace dtx;
using Clock = std::chrono::steady_clock;

namespace {

Task<void> client(Context c, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    Txn tx = c.begin("db", "g");
    co_await tx.exec("UPDATE ledger SET balance = balance - ?1 WHERE key = ?2",
                     args(5, "acct" + std::to_string(i % 64)));
    co_await tx.exec("INSERT INTO journal(key, amount) VALUES(?2, ?1)",
                     args(5, "acct" + std::to_string(i % 63)));
    co_await tx.exec("UPDATE ledger SET balance = balance + ?1 WHERE key = ?2",
                     args(5, "acct" + std::to_string(i % 61)));
    co_await tx.commit();
  }
}

// The database layer's own rate, with the full history (statements included) kept in memory
// for the checkers, as in runs.
double db_ceiling(int64_t n) {
  World w(1);
  w.history().set_keep_in_memory(true);
  Node& svc = w.add_node("svc", "service");
  Node& host = w.add_node("db", "database");
  Database db(w, "db", host, DbConfig{});
  db.exec_now("CREATE TABLE ledger(key TEXT PRIMARY KEY, balance INTEGER NOT NULL)");
  db.exec_now(
      "CREATE TABLE journal(id INTEGER PRIMARY KEY, key TEXT NOT NULL, amount INTEGER NOT NULL)");
  for (int i = 0; i < 64; ++i)
    db.exec_now("INSERT INTO ledger VALUES(?, 1000000)", args("acct" + std::to_string(i)));
  Context c(w, svc);
  c.spawn(client(c, n));
  auto t0 = Clock::now();
  w.sim().run();
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  w.shutdown();
  return n / s;
}

}  // namespace

int main(int argc, char** argv) {
  std::string file =
      argc > 1 ? argv[1] : std::string(DTXSIM_SOURCE_DIR) + "/bench/transfer-100k.json";
  Scenario s = load_scenario(file);
  if (argc > 2) s.workload.count = std::stoll(argv[2]);
  std::string only = argc > 3 ? argv[3] : "";  // profiling aid: one pattern alone
  double ceiling_txn = db_ceiling(200000);
  std::printf("end-to-end benchmark: %lld fault-free transfers (%s)\n",
              static_cast<long long>(s.workload.count), file.c_str());
  std::printf("database layer ceiling: %.0f local txn/s (3 statements + commit, full history)\n\n",
              ceiling_txn);
  std::printf("%-22s %12s %10s %12s %14s %8s %s\n", "pattern", "transfers/s", "msgs/xfer",
              "local txn/x", "ceiling xfer/s", "ratio", "invariants");
  for (const auto& p : pattern_registry()) {
    if (!only.empty() && p.name != only) continue;
    RunOptions o;
    o.pattern = p.name + ":correct";
    o.keep_history = false;
    auto t0 = Clock::now();
    RunResult r = run_scenario(s, o);
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    double rate = r.metrics.business_txns / secs;
    double per = r.metrics.local_txns_per_txn > 0 ? r.metrics.local_txns_per_txn : 1;
    double ceiling = ceiling_txn / per;
    std::printf("%-22s %12.0f %10.2f %12.2f %14.0f %7.2f  %s\n", p.name.c_str(), rate,
                r.metrics.messages_per_txn, per, ceiling, rate / ceiling,
                r.violations.empty() ? "all held" : "VIOLATED");
  }
  std::printf("\ntarget: ratio >= 0.50 (a pattern runs at half its database ceiling or better)\n");
  return 0;
}
