// The simulated database: writers serialize on one lock in simulated time (INSERT OR IGNORE
// waits for the holder, lock waits time out), plain reads see committed state without
// waiting, crashes roll back open (not prepared) transactions, stalls delay writes only,
// errors come back as results, effects are recorded on commit only, and runs replay.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "sim/world/context.hpp"
#include "tests/unit/unit_helpers.hpp"

using namespace dtx;
using namespace dtx::unit;

namespace {

const TimeUs ms = kUsPerMs;

// A world with an "app" node and a database "db" on its own node, holding table kv.
struct DbWorld {
  World w;
  Database db;
  explicit DbWorld(DbConfig cfg = {}, uint64_t seed = 1)
      : w(seed), db(w, "db", add(w, "db", "database"), cfg) {
    for (const char* n : {"app", "other", "tm"}) w.add_node(n, "service");
    db.exec_now("CREATE TABLE kv(k TEXT PRIMARY KEY, v INTEGER NOT NULL)");
  }
  // Teardown while the database still exists: crash every node so open transactions roll
  // back, then run one event so the destroyed processes are reaped.
  ~DbWorld() {
    for (const auto& n : w.nodes()) w.crash(n->name());
    w.sim().schedule_after(0, [] {});
    w.sim().run_events(1);
  }
  static Node& add(World& w, const char* name, const char* role) { return w.add_node(name, role); }
  Context ctx(const std::string& node) { return Context(w, *w.node(node)); }
  int64_t value(const std::string& key) {
    return db.snapshot("SELECT COALESCE(MAX(v), -1) FROM kv WHERE k = ?", args(key)).integer();
  }
  int64_t rows() { return db.snapshot("SELECT COUNT(*) FROM kv").integer(); }
};

struct Probe {
  bool done = false;
  DbResult r;
  TimeUs at_us = -1;
};

struct WriterLog {
  TimeUs end_sent_us = -1;
  TimeUs end_done_us = -1;
};

// Inserts (key, 1), keeps the transaction open for hold_us, then commits or rolls back.
Task<void> hold_writer(Context ctx, std::string key, TimeUs hold_us, bool commit, WriterLog* log) {
  Txn tx = ctx.begin("db", "g-writer");
  co_await tx.exec("INSERT INTO kv VALUES(?, 1)", args(key));
  co_await ctx.sleep(hold_us);
  log->end_sent_us = ctx.now_us();
  if (commit) {
    co_await tx.commit();
  } else {
    co_await tx.rollback();
  }
  log->end_done_us = ctx.now_us();
}

// After delay_us, runs one statement in its own transaction and records the result.
Task<void> exec_after(Context ctx, TimeUs delay_us, std::string sql, Probe* out) {
  co_await ctx.sleep(delay_us);
  Txn tx = ctx.begin("db", "g-probe");
  DbResult r = co_await tx.exec(sql);
  out->r = r;
  out->at_us = ctx.now_us();
  out->done = true;
  if (r.ok) {
    co_await tx.commit();
  } else {
    co_await tx.rollback();
  }
}

}  // namespace

TEST_CASE("INSERT OR IGNORE on a key another transaction holds waits for it to end", "[database]") {
  bool commit = GENERATE(true, false);
  DbWorld d;
  WriterLog writer;
  Probe probe;
  d.ctx("app").spawn(hold_writer(d.ctx("app"), "x", 500 * ms, commit, &writer));
  d.ctx("other").spawn(
      exec_after(d.ctx("other"), 100 * ms, "INSERT OR IGNORE INTO kv VALUES('x', 2)", &probe));
  d.w.run_for(300 * ms);
  REQUIRE_FALSE(probe.done);  // still queued behind the writer
  REQUIRE(count_of(d.w, Kind::db_lock_wait) == 1);
  d.w.run_for(5 * kUsPerS);
  REQUIRE(probe.done);
  REQUIRE(probe.r.ok);
  REQUIRE(probe.at_us > writer.end_sent_us);
  REQUIRE(probe.r.changes == (commit ? 0 : 1));
  REQUIRE(d.value("x") == (commit ? 1 : 2));
}

TEST_CASE("a lock wait that outlasts the timeout returns an error", "[database]") {
  DbConfig cfg;
  cfg.lock_wait_timeout_us = 200 * ms;
  DbWorld d(cfg);
  WriterLog writer;
  Probe probe;
  d.ctx("app").spawn(hold_writer(d.ctx("app"), "x", kUsPerS, true, &writer));
  d.ctx("other").spawn(
      exec_after(d.ctx("other"), 100 * ms, "INSERT INTO kv VALUES('y', 2)", &probe));
  d.w.run_for(5 * kUsPerS);
  REQUIRE(probe.done);
  REQUIRE_FALSE(probe.r.ok);
  REQUIRE(probe.r.error.find("lock wait timeout") != std::string::npos);
  REQUIRE(probe.at_us >= 300 * ms);
  REQUIRE(probe.at_us < writer.end_sent_us);
  REQUIRE(d.value("x") == 1);  // the holder is unaffected
  REQUIRE(d.value("y") == -1);
}

TEST_CASE("a crash of the owning node rolls back its open transaction and keeps committed rows",
          "[database]") {
  DbWorld d;
  d.db.exec_now("INSERT INTO kv VALUES('a', 1)");
  WriterLog writer;
  d.ctx("app").spawn(hold_writer(d.ctx("app"), "b", kUsPerS, true, &writer));
  d.w.run_for(200 * ms);
  REQUIRE(d.rows() == 1);  // the open write is not visible
  d.w.crash("app");
  auto rollbacks = events_of(d.w, Kind::db_rollback, "db");
  REQUIRE(rollbacks.size() == 1);
  REQUIRE(detail_str(rollbacks[0], "reason") == "owner crashed");
  // The lock is free at once: another node's write does not wait.
  Probe probe;
  d.ctx("other").spawn(exec_after(d.ctx("other"), 0, "INSERT INTO kv VALUES('c', 1)", &probe));
  d.w.run_for(50 * ms);
  REQUIRE(probe.done);
  REQUIRE(probe.r.ok);
  d.w.run_for(2 * kUsPerS);
  REQUIRE(writer.end_sent_us == -1);  // the crashed process never resumed
  REQUIRE(d.value("a") == 1);
  REQUIRE(d.value("b") == -1);
  REQUIRE(d.value("c") == 1);
  REQUIRE(count_of(d.w, Kind::db_lock_wait) == 0);
}

TEST_CASE("a stall delays commits while a plain SELECT answers at once from committed state",
          "[database]") {
  DbWorld d;
  d.db.exec_now("INSERT INTO kv VALUES('a', 1)");
  WriterLog writer;
  d.ctx("app").spawn(hold_writer(d.ctx("app"), "b", 100 * ms, true, &writer));
  d.w.run_for(50 * ms);
  d.db.stall(500 * ms);  // until 550 ms
  Probe read;
  d.ctx("other").spawn(exec_after(d.ctx("other"), 50 * ms, "SELECT COUNT(*) FROM kv", &read));
  d.w.run_for(60 * ms);
  REQUIRE(read.done);  // at about 100 ms, mid-stall
  REQUIRE(read.at_us < 110 * ms);
  REQUIRE(read.r.integer() == 1);  // not the open writer's row
  d.w.run_for(2 * kUsPerS);
  REQUIRE(writer.end_sent_us < 200 * ms);
  REQUIRE(writer.end_done_us >= 550 * ms);
  REQUIRE(d.rows() == 2);
}

TEST_CASE("a stall delays an autocommit write but not an autocommit read", "[database]") {
  DbWorld d;
  d.db.stall(300 * ms);
  Probe write, read;
  d.ctx("app").spawn(exec_after(d.ctx("app"), 0, "INSERT INTO kv VALUES('w', 1)", &write));
  d.ctx("other").spawn(exec_after(d.ctx("other"), 0, "SELECT * FROM kv", &read));
  d.w.run_for(kUsPerS);
  REQUIRE(read.at_us < 10 * ms);
  REQUIRE(write.at_us >= 300 * ms);
  REQUIRE(write.r.ok);
}

namespace {
// Writes, lets others read, then reads its own write and builds on it.
Task<void> writer_reads_own(Context ctx, std::vector<int64_t>* seen) {
  Txn tx = ctx.begin("db", "g-w");
  co_await tx.exec("INSERT INTO kv VALUES('b', 1)");
  co_await ctx.sleep(100 * ms);
  DbResult count = co_await tx.exec("SELECT COUNT(*) FROM kv");
  seen->push_back(count.integer());
  co_await tx.exec("UPDATE kv SET v = v + 10 WHERE k = 'b'");
  DbResult v = co_await tx.exec("SELECT v FROM kv WHERE k = 'b'");
  seen->push_back(v.integer());
  co_await tx.commit();
}
}  // namespace

TEST_CASE(
    "another transaction's SELECT sees committed state while the writer still sees its own writes",
    "[database]") {
  DbWorld d;
  d.db.exec_now("INSERT INTO kv VALUES('a', 1)");
  std::vector<int64_t> seen;
  Probe read;
  d.ctx("app").spawn(writer_reads_own(d.ctx("app"), &seen));
  d.ctx("other").spawn(exec_after(d.ctx("other"), 50 * ms, "SELECT COUNT(*) FROM kv", &read));
  d.w.run_for(60 * ms);
  REQUIRE(read.done);
  REQUIRE(read.r.integer() == 1);
  REQUIRE(d.rows() == 1);  // a snapshot mid-transaction too
  d.w.run_for(kUsPerS);
  REQUIRE(seen == std::vector<int64_t>{2, 11});
  REQUIRE(d.value("b") == 11);
  REQUIRE(d.db.replays() >= 2);  // both reads went through the rollback-and-replay path
}

namespace {
Task<void> run_statements(Context ctx, std::vector<std::string> sqls, std::vector<DbResult>* out,
                          bool* committed) {
  Txn tx = ctx.begin("db", "g-err");
  for (const auto& sql : sqls) {
    DbResult r = co_await tx.exec(sql);
    out->push_back(r);
  }
  DbResult c = co_await tx.commit();
  *committed = c.ok;
}
}  // namespace

TEST_CASE("SQL errors come back as failed results and the transaction carries on", "[database]") {
  DbWorld d;
  d.db.exec_now("INSERT INTO kv VALUES('a', 1)");
  std::vector<DbResult> results;
  bool committed = false;
  std::vector<std::string> sqls = {"SELEC nonsense", "INSERT INTO kv VALUES('a', 2)",
                                   "INSERT INTO kv VALUES('n', NULL)",
                                   "SELECT * FROM missing_table", "INSERT INTO kv VALUES('z', 3)"};
  REQUIRE_NOTHROW(d.ctx("app").spawn(run_statements(d.ctx("app"), sqls, &results, &committed)));
  REQUIRE_NOTHROW(d.w.run_for(kUsPerS));
  REQUIRE(results.size() == 5);
  for (int i = 0; i < 4; ++i) {
    INFO(sqls[i]);
    REQUIRE_FALSE(results[i].ok);
    REQUIRE_FALSE(results[i].error.empty());
  }
  REQUIRE(results[1].error.find("UNIQUE") != std::string::npos);
  REQUIRE(results[2].error.find("NOT NULL") != std::string::npos);
  REQUIRE(results[4].ok);
  REQUIRE(committed);
  REQUIRE(d.value("z") == 3);
  REQUIRE(d.value("a") == 1);
  REQUIRE_FALSE(d.db.exec_now("CREATE TABLE").ok);
  REQUIRE_FALSE(d.db.snapshot("SELECT nope FROM kv").ok);
}

namespace {
Task<void> prepare_and_linger(Context ctx, std::string xid, DbResult* prepared) {
  Txn tx = ctx.begin("db", "g-xa");
  co_await tx.exec("INSERT INTO kv VALUES('p', 1)");
  *prepared = co_await tx.prepare(xid);
  co_await ctx.sleep(60 * kUsPerS);
}

Task<void> decide_later(Context ctx, Database* db, TimeUs delay_us, std::string xid, bool commit,
                        Probe* out) {
  co_await ctx.sleep(delay_us);
  out->r = co_await ctx.decide_prepared(db->name(), xid, commit);
  out->at_us = ctx.now_us();
  out->done = true;
}
}  // namespace

TEST_CASE("a prepared transaction survives its owner's crash, keeps the lock, and is decided later",
          "[database]") {
  bool commit = GENERATE(true, false);
  DbWorld d;
  DbResult prepared;
  d.ctx("app").spawn(prepare_and_linger(d.ctx("app"), "x1", &prepared));
  d.w.run_for(100 * ms);
  REQUIRE(prepared.ok);
  d.w.crash("app");
  d.w.run_for(10 * ms);
  REQUIRE(d.db.prepared().size() == 1);
  REQUIRE(d.db.prepared()[0].first == "x1");
  REQUIRE(d.value("p") == -1);  // in doubt: not committed

  Probe waiter, decision;
  TimeUs decide_at = d.w.now_us() + 300 * ms;
  d.ctx("other").spawn(exec_after(d.ctx("other"), 0, "INSERT INTO kv VALUES('q', 1)", &waiter));
  d.ctx("tm").spawn(decide_later(d.ctx("tm"), &d.db, 300 * ms, "x1", commit, &decision));
  d.w.run_for(200 * ms);
  REQUIRE_FALSE(waiter.done);  // blocked by the prepared transaction's lock
  d.w.run_for(2 * kUsPerS);
  REQUIRE(decision.done);
  REQUIRE(decision.r.ok);
  REQUIRE(decision.r.changes == 1);
  REQUIRE(waiter.done);
  REQUIRE(waiter.r.ok);
  REQUIRE(waiter.at_us >= decide_at);
  REQUIRE(d.db.prepared().empty());
  REQUIRE(d.value("p") == (commit ? 1 : -1));
  REQUIRE(d.value("q") == 1);
}

namespace {
Task<void> txn_with_effect(Context ctx, std::string key, bool commit, TimeUs hold_us) {
  std::string gid = "g-" + key;
  Txn tx = ctx.begin("db", gid);
  co_await tx.exec("INSERT INTO kv VALUES(?, 1)", args(key));
  EffectRecord r;
  r.op = "credit";
  r.key = key;
  tx.effect(r);
  co_await ctx.sleep(hold_us);
  if (commit) {
    co_await tx.commit();
  } else {
    co_await tx.rollback();
  }
}
}  // namespace

TEST_CASE("effects registered on a transaction are recorded only when it commits", "[database]") {
  DbWorld d;
  d.ctx("app").spawn(txn_with_effect(d.ctx("app"), "kept", true, 0));
  d.ctx("other").spawn(txn_with_effect(d.ctx("other"), "undone", false, 0));
  d.ctx("tm").spawn(txn_with_effect(d.ctx("tm"), "crashed", true, 200 * ms));
  d.w.run_for(100 * ms);  // "crashed" has written and registered its effect by now
  REQUIRE(count_of(d.w, Kind::db_exec) == 3);
  d.w.crash("tm");
  d.w.run_for(2 * kUsPerS);
  auto effects = events_of(d.w, Kind::effect);
  REQUIRE(effects.size() == 1);
  REQUIRE(effects[0].gid == "g-kept");
  REQUIRE(effects[0].detail["key"] == "kept");
  auto commits = events_of(d.w, Kind::db_commit);
  REQUIRE(commits.size() == 1);
  REQUIRE(effects[0].id > commits[0].id);
}

TEST_CASE("a transaction handle dropped while open rolls back and frees the lock", "[database]") {
  DbWorld d;
  auto forgetful = [](Context ctx) -> Task<void> {
    Txn tx = ctx.begin("db", "g-forget");
    co_await tx.exec("INSERT INTO kv VALUES('f', 1)");
  };
  d.ctx("app").spawn(forgetful(d.ctx("app")));
  Probe probe;
  d.ctx("other").spawn(
      exec_after(d.ctx("other"), 50 * ms, "INSERT INTO kv VALUES('g', 1)", &probe));
  d.w.run_for(kUsPerS);
  REQUIRE(d.value("f") == -1);
  REQUIRE(probe.r.ok);
  REQUIRE(probe.at_us < 60 * ms);
  REQUIRE(detail_str(events_of(d.w, Kind::db_rollback).at(0), "reason") == "abandoned");
}

TEST_CASE("a SELECT that returns no rows reports 0 rows", "[database]") {
  DbWorld d;
  std::string err,
      path =
          (std::filesystem::temp_directory_path() / "dtxsim_select_rows_test.trace.jsonl").string();
  REQUIRE(d.w.history().open_trace(path, err));
  std::vector<DbResult> results;
  bool committed = false;
  std::vector<std::string> sqls = {"INSERT INTO kv VALUES('a', 1)",
                                   "SELECT * FROM kv WHERE k = 'none'"};
  d.ctx("app").spawn(run_statements(d.ctx("app"), sqls, &results, &committed));
  d.w.run_for(kUsPerS);
  d.w.history().finish({}, {}, d.w.now_us());
  REQUIRE(results.size() == 2);
  REQUIRE(results[0].changes == 1);
  REQUIRE(results[1].empty());
  CHECK(results[1].changes == 0);
  // Statement details live in the trace (not in the in-memory history): read them there.
  std::ifstream in(path);
  std::vector<Json> execs;
  for (std::string line; std::getline(in, line);) {
    Json j = Json::parse(line);
    if (j.value("kind", "") == "db_exec") execs.push_back(j);
  }
  in.close();
  std::remove(path.c_str());
  REQUIRE(execs.size() == 2);
  CHECK(execs[0]["detail"]["rows"] == 1);
  CHECK(execs[1]["detail"]["rows"] == 0);
}

TEST_CASE("an INSERT reports the rowid it added; other statements report none", "[database]") {
  DbWorld d;
  d.db.exec_now("CREATE TABLE seq(id INTEGER PRIMARY KEY)");
  std::vector<DbResult> results;
  bool committed = false;
  std::vector<std::string> sqls = {
      "INSERT INTO seq DEFAULT VALUES",    "INSERT INTO seq DEFAULT VALUES",
      "insert into kv values('a', 1)",     "INSERT OR IGNORE INTO seq VALUES(1)",
      "UPDATE kv SET v = 2 WHERE k = 'a'", "REPLACE INTO seq VALUES(7)",
      "SELECT id FROM seq ORDER BY id"};
  d.ctx("app").spawn(run_statements(d.ctx("app"), sqls, &results, &committed));
  d.w.run_for(kUsPerS);
  REQUIRE(results.size() == sqls.size());
  CHECK(results[0].inserted_id == 1);
  CHECK(results[1].inserted_id == 2);
  CHECK(results[2].inserted_id > 0);  // kv's own rowid
  CHECK(results[3].changes == 0);
  CHECK(results[3].inserted_id == 0);  // ignored: nothing added
  CHECK(results[4].changes == 1);
  CHECK(results[4].inserted_id == 0);  // an UPDATE adds no row
  CHECK(results[5].inserted_id == 7);
  CHECK(results[6].inserted_id == 0);
  CHECK(results[6].rows.size() == 3);
}

namespace {
// Random transfers between two accounts with think time inside the transaction.
Task<void> transfer_client(Context ctx, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    Txn tx = ctx.begin("db", ctx.name() + "-" + std::to_string(i));
    int64_t amount = ctx.rng().uniform(1, 5);
    co_await tx.exec("UPDATE kv SET v = v - ? WHERE k = 'a'", args(amount));
    co_await ctx.sleep(ctx.rng().exponential(2 * ms));
    co_await tx.exec("UPDATE kv SET v = v + ? WHERE k = 'b'", args(amount));
    if (ctx.rng().chance(0.2)) {
      co_await tx.rollback();
    } else {
      co_await tx.commit();
    }
    co_await ctx.exec("db", "SELECT SUM(v) FROM kv");
  }
}

std::pair<uint64_t, int64_t> run_transfers(uint64_t seed) {
  DbWorld d({}, seed);
  d.db.exec_now("INSERT INTO kv VALUES('a', 1000), ('b', 0)");
  for (const char* n : {"app", "other", "tm"}) d.ctx(n).spawn(transfer_client(d.ctx(n), 15));
  d.w.run_for(10 * kUsPerS);
  REQUIRE(d.value("a") + d.value("b") == 1000);
  return {d.w.history().trace_hash(), d.value("b")};
}
}  // namespace

TEST_CASE("a small concurrent workload replays exactly from its seed", "[database]") {
  auto first = run_transfers(9);
  REQUIRE(first == run_transfers(9));
  REQUIRE(first.first != run_transfers(10).first);
}
