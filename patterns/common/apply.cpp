// apply_downstream: dedupe insert, effect, branch_done record, commit.
#include "patterns/common/apply.hpp"

namespace dtx {

void create_received_table(Database& db) {
  db.exec_now("CREATE TABLE IF NOT EXISTS received(key TEXT PRIMARY KEY)");
}

Json rejected_detail() { return {{"state", "rejected"}, {"final", true}}; }

Task<ApplyResult> apply_downstream(Context ctx, const Workload& w, BusinessTxn t, Branch b, ApplyOptions o) {
  std::string key = t.gid + ":" + b.name;
  Txn tx = ctx.begin(b.db, t.gid);
  if (o.dedupe) {
    DbResult r = co_await tx.exec("INSERT OR IGNORE INTO received(key) VALUES(?)", args(key));
    if (!r.ok) {
      co_await tx.rollback();
      co_return ApplyResult::failed;
    }
    if (r.changes == 0) {
      co_await tx.rollback();
      ctx.count("dedupe_hits");
      co_return ApplyResult::duplicate;
    }
    if (o.separate_txn) {
      DbResult c = co_await tx.commit();
      if (!c.ok) co_return ApplyResult::failed;
      tx = ctx.begin(b.db, t.gid);
    }
  }
  if (o.processing_us > 0) co_await ctx.sleep(o.processing_us);
  BranchOutcome out = co_await w.action(tx, t, b);
  if (out == BranchOutcome::error) {
    co_await tx.rollback();
    co_return ApplyResult::failed;
  }
  bool refused = out == BranchOutcome::refused;
  tx.gtx({{"state", refused ? "branch_refused" : "branch_done"}, {"branch", b.name}});
  if (o.business_delay_us > 0) co_await ctx.sleep(o.business_delay_us);
  DbResult c = co_await tx.commit();
  if (!c.ok) co_return ApplyResult::failed;
  co_return refused ? ApplyResult::refused : ApplyResult::applied;
}

}  // namespace dtx
