// End-to-end benchmark: business transfers per wall second for every pattern over the
// fault-free 100k-transfer scenario (bench/transfer-100k.json), with messages and local
// transactions per transfer, beside the database layer's ceiling measured in the same run
// (simulated local transactions per second / local transactions per transfer), two ways:
// - generic: a fixed local transaction (3 small statements + commit on a 64-row table);
// - replay: the pattern's own local transactions, every statement with its parameters, read
//   back from the run's trace and replayed one after another through the same simulated
//   databases (same schema, same initial rows, full history), with no messages, broker,
//   pattern code or checkers around them.
// Target: each pattern at >= 50% of its ceiling.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <string>

#include "app/runner.hpp"
#include "sim/plugin/pattern.hpp"
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
// for the checkers, as in runs: one client running the generic local transaction without end,
// advanced a slice at a time so that it can share the wall clock with a pattern's run.
class Ceiling {
 public:
  Ceiling()
      : svc_(w_.add_node("svc", "service")),
        host_(w_.add_node("db", "database")),
        db_(w_, "db", host_, DbConfig{}) {
    w_.history().set_keep_in_memory(true);
    db_.exec_now("CREATE TABLE ledger(key TEXT PRIMARY KEY, balance INTEGER NOT NULL)");
    db_.exec_now(
        "CREATE TABLE journal(id INTEGER PRIMARY KEY, key TEXT NOT NULL, amount INTEGER NOT "
        "NULL)");
    for (int i = 0; i < 64; ++i)
      db_.exec_now("INSERT INTO ledger VALUES(?, 1000000)", args("acct" + std::to_string(i)));
    Context c(w_, svc_);
    c.spawn(client(c, std::numeric_limits<int64_t>::max()));
  }
  ~Ceiling() { w_.shutdown(); }
  Ceiling(const Ceiling&) = delete;
  Ceiling& operator=(const Ceiling&) = delete;

  // Runs `events` more simulator events (a local transaction is about five).
  void slice(uint64_t events) {
    auto t0 = Clock::now();
    w_.sim().run_events(events);
    secs_ += std::chrono::duration<double>(Clock::now() - t0).count();
  }
  double seconds() const { return secs_; }
  uint64_t commits() const { return db_.commits(); }
  double rate() const { return secs_ > 0 ? static_cast<double>(db_.commits()) / secs_ : 0; }

 private:
  World w_{1};
  Node& svc_;
  Node& host_;
  Database db_;
  double secs_ = 0;
};

double db_ceiling(int64_t n) {
  Ceiling c;
  while (c.commits() < static_cast<uint64_t>(n)) c.slice(5000);
  return c.rate();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct ReplayStmt {
  std::string sql;
  SqlArgs args;
};

struct TracedTxn {
  std::string db, owner, gid, xid;
  std::vector<ReplayStmt> stmts;
  bool commit = true;
};

// The run's local transactions in the order they ended, from its trace.
std::vector<TracedTxn> read_local_txns(const std::string& trace) {
  std::ifstream in(trace);
  std::map<std::pair<std::string, int64_t>, TracedTxn> open;
  std::vector<TracedTxn> done;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("\"kind\":\"db_") == std::string::npos) continue;
    Json j = Json::parse(line);
    std::string kind = j.at("kind");
    const Json& d = j.at("detail");
    auto key = std::make_pair(j.at("node").get<std::string>(), d.value("txn", int64_t{0}));
    if (kind == "db_begin") {
      TracedTxn& t = open[key];
      t.db = key.first;
      t.owner = d.value("owner", "");
      t.gid = j.value("gid", "");
      continue;
    }
    auto it = open.find(key);
    if (it == open.end()) continue;
    if (kind == "db_exec") {
      ReplayStmt st;
      st.sql = d.at("sql");
      for (const auto& p : d.at("params")) st.args.push_back(SqlArg(p));
      it->second.stmts.push_back(std::move(st));
    } else if (kind == "db_prepare") {
      it->second.xid = d.value("xid", "");
    } else if (kind == "db_commit" || kind == "db_rollback") {
      it->second.commit = kind == "db_commit";
      done.push_back(std::move(it->second));
      open.erase(it);
    }
  }
  return done;
}

Task<void> replay(World& w, const std::vector<TracedTxn>& txns) {
  for (const TracedTxn& t : txns) {
    Node& owner = *w.node(t.owner);
    Context c(w, owner);
    Txn tx = c.begin(t.db, t.gid);
    for (const ReplayStmt& st : t.stmts) {
      SqlArgs a = st.args;
      co_await tx.exec(st.sql, std::move(a));
    }
    if (!t.xid.empty()) {
      co_await tx.prepare(t.xid);
      co_await decide_prepared(*w.databases().at(t.db), owner, t.xid, t.commit);
    } else if (t.commit) {
      co_await tx.commit();
    } else {
      co_await tx.rollback();
    }
  }
}

// Wall seconds to replay `txns` through the databases of a world built from `s` with no
// business transactions (the same schema and initial rows as the measured run).
double replay_seconds(Scenario s, const std::string& pattern, const std::vector<TracedTxn>& txns) {
  s.workload.count = 0;
  RunOptions o;
  o.pattern = pattern;
  o.keep_history = false;
  double secs = 0;
  o.before_start = [&](World& w) {
    Context c(w, *w.node(txns.front().owner));
    c.spawn(replay(w, txns));
    auto t0 = Clock::now();
    w.sim().run();
    secs = std::chrono::duration<double>(Clock::now() - t0).count();
  };
  run_scenario(s, o);
  return secs;
}

}  // namespace

int main(int argc, char** argv) {
  std::string file =
      argc > 1 ? argv[1] : std::string(DTXSIM_SOURCE_DIR) + "/bench/transfer-100k.json";
  Scenario s = load_scenario(file);
  if (argc > 2) s.workload.count = std::stoll(argv[2]);
  std::string only = argc > 3 ? argv[3] : "";  // profiling aid: one pattern alone
  if (only == "ceiling") {  // profiling aid: the generic ceiling alone, count local txns
    std::printf("generic ceiling: %.0f local txn/s\n", db_ceiling(s.workload.count));
    return 0;
  }
  bool replay_ceiling = !(argc > 4 && std::string(argv[4]) == "no-replay");  // and only its run
  std::printf("end-to-end benchmark: %lld fault-free transfers (%s)\n",
              static_cast<long long>(s.workload.count), file.c_str());
  std::printf(
      "generic ceiling: the database layer's local txn/s (3 statements + commit, full history),\n"
      "measured in slices interleaved with the pattern's run (the machine's speed drifts);\n"
      "figures are medians of 3 rounds, the generic ratio the median of the rounds' ratios\n\n");
  std::printf("%-20s %11s %9s %10s | %13s %6s | %13s %6s | %s\n", "pattern", "transfers/s",
              "msgs/xfer", "local txn/x", "generic xfer/s", "ratio", "replay xfer/s", "ratio",
              "invariants");
  std::string trace = (std::filesystem::temp_directory_path() / "dtxsim_bench_e2e.trace").string();
  for (const auto& p : pattern_registry()) {
    if (!only.empty() && p.name != only) continue;
    RunOptions o;
    o.pattern = p.name + ":correct";
    o.keep_history = false;
    // The reference runs in the same stretch of wall time as the pattern: between slices of
    // the run's simulated time, the ceiling's world advances whenever it has had less than a
    // quarter of the run's time so far (slices of a few milliseconds each). A change of the
    // machine's speed (a third, within seconds, on a shared machine) reaches both alike. Each
    // figure is the median over the rounds and the ratio the median of the rounds' ratios.
    constexpr int kRounds = 3;
    std::vector<double> rates, ceilings, ratios;
    RunResult r;
    for (int round = 0; round < kRounds; ++round) {
      Ceiling ceiling;
      auto t0 = Clock::now();
      o.between_slices = [&] {
        double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
        while (ceiling.seconds() < 0.25 * (elapsed - ceiling.seconds())) ceiling.slice(2000);
      };
      o.slice_us = 20 * kUsPerMs;
      r = run_scenario(s, o);
      double secs = std::chrono::duration<double>(Clock::now() - t0).count() - ceiling.seconds();
      o.between_slices = nullptr;
      double ceiling_txn = ceiling.rate();
      double per = r.metrics.local_txns_per_txn > 0 ? r.metrics.local_txns_per_txn : 1;
      rates.push_back(r.metrics.business_txns / secs);
      ceilings.push_back(ceiling_txn / per);
      ratios.push_back(rates.back() / ceilings.back());
    }
    double rate = median(rates), ceiling = median(ceilings);
    double per = r.metrics.local_txns_per_txn > 0 ? r.metrics.local_txns_per_txn : 1;
    // The same run again (untimed) with its trace, whose statements are then replayed (the
    // replay ratio compares it with the runs' median rate).
    std::vector<TracedTxn> txns;
    if (replay_ceiling) {
      RunOptions traced = o;
      traced.trace_path = trace;
      run_scenario(s, traced);
      txns = read_local_txns(trace);
      std::remove(trace.c_str());
    }
    double replay_secs = txns.empty() ? 0 : replay_seconds(s, o.pattern.value(), txns);
    double replay_ceiling = replay_secs > 0 ? r.metrics.business_txns / replay_secs : 0;
    std::printf("%-20s %11.0f %9.2f %10.2f | %13.0f %6.2f | %13.0f %6.2f | %s\n", p.name.c_str(),
                rate, r.metrics.messages_per_txn, per, ceiling, median(ratios), replay_ceiling,
                replay_ceiling > 0 ? rate / replay_ceiling : 0,
                r.violations.empty() ? "all held" : "VIOLATED");
    std::fflush(stdout);
  }
  std::printf("\ntarget: ratio >= 0.50 (a pattern runs at half its database ceiling or better)\n");
  return 0;
}
