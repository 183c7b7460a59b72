// Database benchmark: local transactions per wall second through the simulated database
// (begin, 3 statements, commit, each in simulated time, recorded in the history) beside raw
// SQLite running the same statements on an in-memory database in the same run.
// Target: ratio >= 0.7 (the simulation layer costs under 30%).
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "sim/world/context.hpp"
#include "sim/world/database.hpp"
#include "sim/world/world.hpp"

using namespace dtx;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kSchema[] = {
    "CREATE TABLE ledger(key TEXT PRIMARY KEY, balance INTEGER NOT NULL)",
    "CREATE TABLE journal(id INTEGER PRIMARY KEY, key TEXT NOT NULL, amount INTEGER NOT NULL)",
};
constexpr const char* kDebit = "UPDATE ledger SET balance = balance - ?1 WHERE key = ?2";
constexpr const char* kJournal = "INSERT INTO journal(key, amount) VALUES(?2, ?1)";
constexpr const char* kCredit = "UPDATE ledger SET balance = balance + ?1 WHERE key = ?2";

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string key(int64_t i) {
  return "acct" + std::to_string(i % 64);
}

double raw_sqlite(int64_t n) {
  sqlite3* db;
  sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                  nullptr);
  for (const char* s : kSchema) sqlite3_exec(db, s, nullptr, nullptr, nullptr);
  for (int i = 0; i < 64; ++i) {
    std::string sql = "INSERT INTO ledger VALUES('" + key(i) + "', 1000000)";
    sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  }
  sqlite3_stmt* st[3];
  const char* sqls[3] = {kDebit, kJournal, kCredit};
  for (int i = 0; i < 3; ++i) sqlite3_prepare_v2(db, sqls[i], -1, &st[i], nullptr);
  sqlite3_stmt *begin, *commit;
  sqlite3_prepare_v2(db, "BEGIN", -1, &begin, nullptr);
  sqlite3_prepare_v2(db, "COMMIT", -1, &commit, nullptr);
  auto t0 = Clock::now();
  for (int64_t i = 0; i < n; ++i) {
    sqlite3_step(begin);
    sqlite3_reset(begin);
    for (int s = 0; s < 3; ++s) {
      std::string k = key(i + s);
      sqlite3_bind_int64(st[s], 1, 5);
      // Bound without a copy, as the simulated database binds its parameters.
      sqlite3_bind_text(st[s], 2, k.c_str(), static_cast<int>(k.size()), SQLITE_STATIC);
      sqlite3_step(st[s]);
      sqlite3_reset(st[s]);
    }
    sqlite3_step(commit);
    sqlite3_reset(commit);
  }
  double rate = n / seconds_since(t0);
  for (auto* s : st) sqlite3_finalize(s);
  sqlite3_finalize(begin);
  sqlite3_finalize(commit);
  sqlite3_close(db);
  return rate;
}

Task<void> client(Context c, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    Txn tx = c.begin("db", "");
    co_await tx.exec(kDebit, 5, key(i));
    co_await tx.exec(kJournal, 5, key(i + 1));
    co_await tx.exec(kCredit, 5, key(i + 2));
    co_await tx.commit();
  }
}

double simulated(int64_t n, bool record_statements, bool history) {
  World w(1);
  w.history().set_enabled(history);
  w.history().set_keep_in_memory(false);
  Node& svc = w.add_node("svc", "service");
  Node& host = w.add_node("db", "database");
  DbConfig cfg;
  cfg.record_statements = record_statements;
  Database db(w, "db", host, cfg);
  for (const char* s : kSchema) db.exec_now(s);
  for (int i = 0; i < 64; ++i) db.exec_now("INSERT INTO ledger VALUES(?, 1000000)", args(key(i)));
  Context c(w, svc);
  c.spawn(client(c, n));
  auto t0 = Clock::now();
  w.sim().run();
  double rate = n / seconds_since(t0);
  if (db.commits() != static_cast<uint64_t>(n))
    std::fprintf(stderr, "committed %llu of %lld\n", static_cast<unsigned long long>(db.commits()),
                 static_cast<long long>(n));
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t n = argc > 1 ? std::stoll(argv[1]) : 200'000;
  if (argc > 2) {  // profiling aid: one configuration alone (full, lean, engine or raw)
    std::string mode = argv[2];
    if (mode == "raw") {
      std::printf("raw SQLite: %.0f txn/s\n", raw_sqlite(n));
      return 0;
    }
    bool history = mode != "engine";
    std::printf("simulated (%s): %.0f txn/s\n", mode.c_str(),
                simulated(n, mode == "full", history));
    return 0;
  }
  // Many short interleaved rounds, so a change of CPU speed during the run affects every
  // configuration alike; the order of the four runs rotates from round to round (none always
  // runs first or last). Each figure is the median over the rounds, each ratio the median of
  // the rounds' ratios (a round compares runs made within a fraction of a second).
  constexpr int kRounds = 31;
  int64_t per = n / kRounds;
  std::vector<double> raw, full, lean, engine, r_full, r_lean, r_engine;
  for (int r = 0; r < kRounds; ++r) {
    double rate[4];
    for (int k = 0; k < 4; ++k) {
      int which = (r + k) % 4;
      rate[which] = which == 0 ? raw_sqlite(per) : simulated(per, which == 1, which != 3);
    }
    raw.push_back(rate[0]);
    full.push_back(rate[1]);
    lean.push_back(rate[2]);
    engine.push_back(rate[3]);
    r_full.push_back(rate[1] / rate[0]);
    r_lean.push_back(rate[2] / rate[0]);
    r_engine.push_back(rate[3] / rate[0]);
  }
  std::printf(
      "database benchmark (local transactions per wall second: begin, 3 statements, commit;\n"
      "medians of %d interleaved rounds of %lld)\n",
      kRounds, static_cast<long long>(per));
  std::printf("  raw SQLite, in-memory                        %10.0f txn/s\n", median(raw));
  std::printf("  simulated, history with every statement      %10.0f txn/s  ratio %.2f\n",
              median(full), median(r_full));
  std::printf(
      "  simulated, history without statement events  %10.0f txn/s  ratio %.2f  (target >= 0.70)\n",
      median(lean), median(r_lean));
  std::printf("  simulated, no history                        %10.0f txn/s  ratio %.2f\n",
              median(engine), median(r_engine));
  return 0;
}
