// Coordinator: storage, RPC handlers, cron, and the per-transaction state machine.
//   msg : prepared --submit--> submitted --all branches SUCCESS--> succeed
//         prepared --timeout--> check-back: committed => submitted, rollback => failed
//   tcc : prepared (trying) --submit--> submitted (confirm all) --> succeed
//         prepared --abort or timeout--> aborting (cancel all registered, reverse) --> failed
//   saga: submitted (actions in order) --FAILURE--> aborting (compensate, reverse) --> failed
#include "patterns/coordinator/coordinator.hpp"

#include <algorithm>
#include <cstdio>

namespace dtx {

void Coordinator::configure(Reader& p) {
  cfg_.cron_us = p.interval_us("cron_ms", 3000, "coordinator cron interval (ms)");
  cfg_.timeout_to_fail_us =
      p.interval_us("timeout_to_fail_ms", 35000, "prepared this long => check-back / abort (ms)");
  cfg_.retry_us = p.interval_us("retry_ms", 10000, "first retry delay, doubled per attempt (ms)");
  cfg_.retry_cap_us =
      p.interval_us("retry_cap_ms", 60000, "retry delay cap (ms); dtm has none, we cap");
  cfg_.request_timeout_us = p.interval_us("request_timeout_ms", 3000, "branch call timeout (ms)");
}

std::string Coordinator::branch_id(size_t index) const {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02zu", cfg_.shared_branch_id ? size_t{1} : index + 1);
  return buf;
}

void Coordinator::setup(Setup& s) {
  name_ = s.coordinator();
  db_ = name_ + ".db";
  s.exec_now(
      db_,
      "CREATE TABLE gtx(gid TEXT PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL, payload "
      "TEXT NOT NULL, "
      "checkback TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL, next_at INTEGER NOT NULL, "
      "attempts INTEGER NOT NULL DEFAULT 0)");
  s.exec_now(db_, "CREATE INDEX gtx_due ON gtx(state, next_at)");
  s.exec_now(db_,
             "CREATE TABLE branch_op(gid TEXT NOT NULL, branch TEXT NOT NULL, op TEXT NOT NULL, "
             "state TEXT NOT NULL DEFAULT 'todo', PRIMARY KEY(gid, branch, op))");
  s.exec_now(
      db_,
      "CREATE TABLE registered(gid TEXT NOT NULL, branch TEXT NOT NULL, pos INTEGER NOT NULL, "
      "PRIMARY KEY(gid, branch))");
  ctx_ = s.service(name_);
  Body refused = tm_result("FAILURE");
  ctx_.handle_typed<TmPrepare>(
      "tm.prepare", [this](TmPrepare q, Message) { return on_prepare(std::move(q)); }, refused);
  ctx_.handle_typed<TmGid>(
      "tm.submit", [this](TmGid q, Message) { return on_submit(std::move(q)); }, refused);
  ctx_.handle_typed<TmGid>(
      "tm.abort", [this](TmGid q, Message) { return on_abort(std::move(q)); }, refused);
  ctx_.handle_typed<TmRegister>(
      "tm.register", [this](TmRegister q, Message) { return on_register(std::move(q)); }, refused);
  ctx_.on_start([this] { ctx_.spawn(cron_loop()); });
  ctx_.on_restart([this] {
    busy_.clear();
    ctx_.spawn(cron_loop());
  });
}

// tm.prepare {kind, txn, checkback}: stores the global transaction (idempotent).
// A saga is stored directly as submitted.
Task<Body> Coordinator::on_prepare(TmPrepare q) {
  BusinessTxn t = std::move(q.txn);
  std::string kind = std::move(q.kind);
  std::string state = kind == "saga" ? "submitted" : "prepared";
  Txn tx = ctx_.begin(db_, t.gid);
  DbResult r = co_await tx.exec(
      "INSERT OR IGNORE INTO gtx(gid, kind, state, payload, checkback, created_at, next_at) "
      "VALUES(?, ?, ?, ?, ?, ?, ?)",
      t.gid, kind, state, t.to_text(), q.checkback, ctx_.now_us(),
      ctx_.now_us() + (kind == "saga" ? 0 : cfg_.timeout_to_fail_us));
  if (!r.ok) co_return tm_result("ONGOING");
  if (r.changes > 0) tx.gtx(t.started_record());
  DbResult c = co_await tx.commit();
  if (!c.ok) co_return tm_result("ONGOING");
  if (kind == "saga") kick(t.gid);
  co_return tm_result("SUCCESS");
}

Task<TmResult> Coordinator::set_state(const std::string& gid, const std::string& from,
                                      const std::string& to, bool final) {
  Txn tx = ctx_.begin(db_, gid);
  DbResult r = co_await tx.exec(
      "UPDATE gtx SET state = ?, next_at = ?, attempts = 0 WHERE gid = ? AND state = ?", to,
      ctx_.now_us(), gid, from);
  if (!r.ok) co_return tm_result("ONGOING");
  if (r.changes > 0) tx.gtx(GtxRecord::reached(to, final));
  DbResult c = co_await tx.commit();
  if (!c.ok) co_return tm_result("ONGOING");
  co_return tm_result(r.changes > 0 ? "SUCCESS" : "FAILURE");
}

Task<Body> Coordinator::on_submit(TmGid q) {
  std::string gid = q.gid;
  TmResult r = co_await set_state(gid, "prepared", "submitted", false);
  if (r.code == "FAILURE") {
    // Already submitted is fine (a retried submit); anything else is refused.
    DbResult st = co_await ctx_.exec(db_, "SELECT state FROM gtx WHERE gid = ?", args(gid));
    bool ok = st.ok && !st.empty() && (st.text() == "submitted" || st.text() == "succeed");
    if (ok && q.wait) {
      TmResult waited = co_await wait_final(gid);
      co_return waited;
    }
    co_return tm_result(ok ? "SUCCESS" : "FAILURE");
  }
  if (r.code == "SUCCESS") kick(gid);
  if (r.code == "SUCCESS" && q.wait) {
    TmResult waited = co_await wait_final(gid);
    co_return waited;
  }
  co_return r;
}

// dtm's wait-for-result: answer the submit only when the branches have run (or the request
// timeout nears, then ONGOING: the transaction still completes in the background).
Task<TmResult> Coordinator::wait_final(std::string gid) {
  TimeUs deadline = ctx_.now_us() + cfg_.request_timeout_us * 8 / 10;
  while (ctx_.now_us() < deadline) {
    co_await ctx_.sleep(std::max<TimeUs>(kUsPerMs, cfg_.request_timeout_us / 50));
    DbResult st = co_await ctx_.exec(db_, "SELECT state FROM gtx WHERE gid = ?", args(gid));
    if (!st.ok || st.empty()) continue;
    if (st.text() == "succeed") co_return tm_result("SUCCESS");
    if (st.text() == "failed") co_return tm_result("FAILURE");
  }
  co_return tm_result("ONGOING");
}

Task<Body> Coordinator::on_abort(TmGid q) {
  std::string gid = q.gid;
  DbResult k = co_await ctx_.exec(db_, "SELECT kind FROM gtx WHERE gid = ?", args(gid));
  if (!k.ok || k.empty()) co_return tm_result("FAILURE");
  // A 2-phase message that failed locally has no branch to undo; TCC cancels.
  bool msg = k.text() == "msg";
  TmResult r = co_await set_state(gid, "prepared", msg ? "failed" : "aborting", msg);
  if (!msg && r.code == "SUCCESS") kick(gid);
  co_return r;
}

// tm.register {gid, branch}: a TCC branch is registered before its Try is called.
Task<Body> Coordinator::on_register(TmRegister q) {
  std::string gid = q.gid;
  Txn tx = ctx_.begin(db_, gid);
  DbResult st = co_await tx.exec("SELECT state FROM gtx WHERE gid = ?", gid);
  if (!st.ok || st.empty() || st.text() != "prepared") {
    co_await tx.rollback();
    co_return tm_result("FAILURE");
  }
  DbResult r = co_await tx.exec(
      "INSERT OR IGNORE INTO registered(gid, branch, pos) VALUES(?, ?, ?)", gid, q.branch, q.pos);
  DbResult c = co_await tx.commit();
  co_return tm_result(r.ok && c.ok ? "SUCCESS" : "ONGOING");
}

void Coordinator::kick(const std::string& gid) {
  if (busy_.insert(gid).second) ctx_.spawn(process(gid));
}

Task<void> Coordinator::cron_loop() {
  for (;;) {
    co_await ctx_.sleep(cfg_.cron_us);
    DbResult due =
        co_await ctx_.exec(db_,
                           "SELECT gid FROM gtx WHERE state IN ('prepared', 'submitted', "
                           "'aborting') AND next_at <= ? ORDER BY next_at, gid LIMIT 1000",
                           args(ctx_.now_us()));
    if (!due.ok) continue;
    for (size_t i = 0; i < due.rows.size(); ++i) kick(due.text(i, 0));
  }
}

Task<void> Coordinator::backoff(const std::string& gid, int64_t attempts) {
  TimeUs delay = std::min(cfg_.retry_cap_us, cfg_.retry_us << std::min<int64_t>(attempts, 30));
  co_await ctx_.exec(db_, "UPDATE gtx SET attempts = ?, next_at = ? WHERE gid = ?",
                     args(attempts + 1, ctx_.now_us() + delay, gid));
}

Task<std::string> Coordinator::call_branch(const BusinessTxn& t, const std::string& branch,
                                           const std::string& op, int attempt) {
  const Branch* b = t.branch(branch);
  size_t index = b - t.branches.data();
  Message m;
  m.type = "branch." + op;
  m.gid = t.gid;
  m.body = BranchCall{t, branch, branch_id(index), op};
  ctx_.record(Kind::branch_call, t.gid,
              Detail::of({{"branch", branch}, {"op", op}, {"attempt", attempt}}), b->service);
  RpcResult r = co_await ctx_.call(b->service, std::move(m), cfg_.request_timeout_us);
  co_return result_of(r);
}

// Runs every op of a phase that is not yet done, in order. Returns true when all are done;
// false when one must be retried later (or, for saga actions, failed: state moves on).
Task<bool> Coordinator::run_phase(const std::string& gid, const std::string& kind,
                                  const std::string& phase, const BusinessTxn& t) {
  std::vector<std::string> branches;
  if (kind == "tcc") {
    DbResult reg = co_await ctx_.exec(
        db_, "SELECT branch FROM registered WHERE gid = ? ORDER BY pos", args(gid));
    if (!reg.ok) co_return false;
    for (size_t i = 0; i < reg.rows.size(); ++i) branches.push_back(reg.text(i, 0));
  } else {
    for (const auto& b : t.branches) {
      if (kind == "msg" && b.name == t.origin().name) continue;
      branches.push_back(b.name);
    }
  }
  if (phase == "cancel" || phase == "compensate") std::reverse(branches.begin(), branches.end());
  DbResult done = co_await ctx_.exec(
      db_, "SELECT branch FROM branch_op WHERE gid = ? AND op = ? AND state = 'succeed'",
      args(gid, phase));
  if (!done.ok) co_return false;
  std::set<std::string> finished;
  for (size_t i = 0; i < done.rows.size(); ++i) finished.insert(done.text(i, 0));
  for (const auto& b : branches) {
    if (finished.count(b)) continue;
    std::string res = co_await call_branch(t, b, phase, 1);
    if (res == "FAILURE" && kind == "saga" && phase == "action") {
      co_await set_state(gid, "submitted", "aborting", false);
      co_return false;
    }
    if (res != "SUCCESS") co_return false;  // retried (a branch failure is not terminal here)
    co_await ctx_.exec(
        db_, "INSERT OR REPLACE INTO branch_op(gid, branch, op, state) VALUES(?, ?, ?, 'succeed')",
        args(gid, b, phase));
  }
  co_return true;
}

Task<void> Coordinator::check_back(const std::string& gid, const std::string& service,
                                   int64_t attempts) {
  Message m;
  m.type = "msg.query_prepared";
  m.gid = gid;
  m.body = CheckbackQuery{gid, attempts + 1};
  ctx_.record(Kind::checkback, gid, Detail::of(CheckbackRecord::question(attempts + 1)), service);
  RpcResult r = co_await ctx_.call(service, std::move(m), cfg_.request_timeout_us);
  std::string answer = result_of(r);
  ctx_.record(Kind::checkback, gid, Detail::of(CheckbackRecord::answered(answer)), service);
  if (answer == "SUCCESS") {
    co_await set_state(gid, "prepared", "submitted", false);
  } else if (answer == "FAILURE") {
    co_await set_state(gid, "prepared", "failed", true);
  } else {
    co_await backoff(gid, attempts);
  }
}

Task<void> Coordinator::process(std::string gid) {
  for (int round = 0; round < 3; ++round) {
    DbResult row = co_await ctx_.exec(db_,
                                      "SELECT kind, state, payload, checkback, created_at, "
                                      "attempts, next_at FROM gtx WHERE gid = ?",
                                      args(gid));
    if (!row.ok || row.empty()) break;
    std::string kind = row.text(0, 0), state = row.text(0, 1);
    BusinessTxn t = BusinessTxn::from_text(row.text(0, 2));
    int64_t attempts = row.integer(0, 5);
    if (attempts > 0 && round == 0)
      ctx_.record(Kind::retry, gid, Detail::of({{"state", state}, {"attempt", attempts + 1}}));
    if (state == "prepared") {
      if (ctx_.now_us() < row.integer(0, 4) + cfg_.timeout_to_fail_us) break;
      if (kind == "msg") {
        co_await check_back(gid, row.text(0, 3), attempts);
      } else {
        co_await set_state(gid, "prepared", "aborting", false);
      }
      continue;
    }
    if (state == "submitted") {
      bool ok = co_await run_phase(gid, kind, kind == "tcc" ? "confirm" : "action", t);
      if (ok) {
        co_await set_state(gid, "submitted", "succeed", true);
        break;
      }
    } else if (state == "aborting") {
      bool ok = co_await run_phase(gid, kind, kind == "tcc" ? "cancel" : "compensate", t);
      if (ok) {
        co_await set_state(gid, "aborting", "failed", true);
        break;
      }
    } else {
      break;  // final
    }
    // Not finished: re-read (a saga may have moved to aborting) or back off.
    DbResult again = co_await ctx_.exec(db_, "SELECT state FROM gtx WHERE gid = ?", args(gid));
    if (again.ok && !again.empty() && again.text() != state) continue;
    co_await backoff(gid, attempts);
    break;
  }
  busy_.erase(gid);
}

}  // namespace dtx

namespace dtx {
Task<std::string> tm_call(Context c, std::string tm, std::string type, std::string gid, Body body,
                          TimeUs timeout_us) {
  Message m;
  m.type = std::move(type);
  m.gid = std::move(gid);
  m.body = std::move(body);
  RpcResult r = co_await c.call(tm, std::move(m), timeout_us);
  co_return result_of(r);
}
}  // namespace dtx
