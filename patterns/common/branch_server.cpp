// One handler per branch operation: barrier decision, business SQL, commit, result code.
#include "patterns/common/branch_server.hpp"

#include "patterns/common/barrier.hpp"

namespace dtx {

namespace {

Task<BranchOutcome> run_op(const Workload* w, Txn& tx, const BusinessTxn& t, const Branch& b,
                           const std::string& op) {
  if (op == "action") co_return co_await w->action(tx, t, b);
  if (op == "compensate") co_return co_await w->compensate(tx, t, b);
  if (op == "try") co_return co_await w->try_op(tx, t, b);
  if (op == "confirm") co_return co_await w->confirm(tx, t, b);
  co_return co_await w->cancel(tx, t, b);
}

// The read-then-act guard broken variants use: decisions from a plain SELECT, which sees
// only committed rows and does not wait for an in-flight Try.
Task<BarrierDecision> check_then_act(Txn& tx, std::string gid, std::string bid, std::string op) {
  DbResult r = co_await tx.exec("SELECT op FROM barrier WHERE gid = ? AND branch_id = ?", gid, bid);
  if (!r.ok) co_return BarrierDecision::error;
  std::set<std::string> seen;
  for (size_t i = 0; i < r.rows.size(); ++i) seen.insert(r.text(i, 0));
  if (seen.count(op)) co_return BarrierDecision::duplicate;
  const char* origin = op == "cancel" ? "try" : op == "compensate" ? "action" : nullptr;
  DbResult mark = co_await tx.exec(
      "INSERT OR IGNORE INTO barrier(gid, branch_id, op, barrier_id, reason) VALUES(?, ?, ?, '01', "
      "?)",
      gid, bid, op, op);
  if (!mark.ok) co_return BarrierDecision::error;
  if (origin && !seen.count(origin)) co_return BarrierDecision::null_compensation;
  if (op == "try" && seen.count("cancel")) co_return BarrierDecision::duplicate;
  co_return BarrierDecision::run;
}

Task<Body> serve(Context c, const Workload* w, BranchServerOptions o, BranchCall q) {
  BusinessTxn t = std::move(q.txn);
  const Branch* b = t.branch(q.branch);
  if (!b) co_return tm_result("FAILURE");
  std::string op = std::move(q.op), bid = std::move(q.branch_id);
  Txn tx = c.begin(b->db, t.gid);
  BarrierDecision d = BarrierDecision::run;
  if (o.check_then_act && (op == "try" || op == "cancel")) {
    d = co_await check_then_act(tx, t.gid, bid, op);
  } else if (!o.unguarded.count(op)) {
    d = co_await barrier_enter(tx, t.gid, bid, op);
    if (d == BarrierDecision::null_compensation && !o.null_compensation_guard)
      d = BarrierDecision::run;
  }
  if (d == BarrierDecision::error) {
    co_await tx.rollback();
    co_return tm_result("ONGOING");
  }
  if (d == BarrierDecision::null_compensation) {
    tx.effect(w->effect(t, *b, op.c_str(), 0, 0));  // the (empty) compensation completed
  }
  if (d != BarrierDecision::run) {
    DbResult cm = co_await tx.commit();
    co_return tm_result(cm.ok ? "SUCCESS" : "ONGOING");
  }
  BranchOutcome out = co_await run_op(w, tx, t, *b, op);
  if (out != BranchOutcome::applied) {
    co_await tx.rollback();
    co_return tm_result(out == BranchOutcome::refused ? "FAILURE" : "ONGOING");
  }
  if (op == "try" && o.try_delay_us > 0) co_await c.sleep(o.try_delay_us);
  DbResult cm = co_await tx.commit();
  co_return tm_result(cm.ok ? "SUCCESS" : "ONGOING");
}

}  // namespace

void install_branch_server(Context c, const Workload* w, BranchServerOptions o) {
  for (const char* op : {"action", "compensate", "try", "confirm", "cancel"}) {
    c.handle_typed<BranchCall>(
        std::string("branch.") + op,
        [c, w, o](BranchCall q, Message) { return serve(c, w, o, std::move(q)); },
        tm_result("FAILURE"));
  }
}

}  // namespace dtx
