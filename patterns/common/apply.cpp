// apply_downstream: dedupe insert, effect, branch_done record, commit.
#include "patterns/common/apply.hpp"

namespace dtx {

void create_received_table(Setup& s, const std::string& db) {
  // One B-tree holding the keys (WITHOUT ROWID), so the dedupe insert writes it once.
  s.exec_now(db, "CREATE TABLE IF NOT EXISTS received(key TEXT PRIMARY KEY) WITHOUT ROWID");
}

Detail rejected_detail() {
  return Detail::of(GtxRecord::reached("rejected", true));
}

Task<bool> origin_action(Context ctx, const Workload& w, Txn& tx, const BusinessTxn& t) {
  BranchOutcome out = co_await w.action(tx, t, t.origin());
  if (out == BranchOutcome::applied) {
    tx.gtx(t.started_record());
    co_return true;
  }
  co_await tx.rollback();
  if (out == BranchOutcome::refused) {
    ctx.record(Kind::gtx, t.gid, Detail::of(t.started_record()));
    ctx.record(Kind::gtx, t.gid, rejected_detail());
  }
  co_return false;
}

void subscribe_downstream(Context c, const std::string& broker, const std::string& queue,
                          const std::string& svc, const Workload* w, ApplyOptions o,
                          bool auto_ack) {
  c.subscribe(
      broker, queue, svc,
      [c, w, o, svc](Delivery d) -> Task<bool> {
        BusinessTxn t = BusinessTxn::from_text(d.body.text());
        for (const auto& b : t.branches) {
          if (b.service != svc) continue;
          if (co_await apply_downstream(c, *w, t, b, o) == ApplyResult::failed) co_return false;
        }
        co_return true;
      },
      auto_ack);
}

Task<ApplyResult> apply_downstream(Context ctx, const Workload& w, BusinessTxn t, Branch b,
                                   ApplyOptions o) {
  std::string key = t.gid + ":" + b.name;
  Txn tx = ctx.begin(b.db, t.gid);
  if (o.dedupe) {
    DbResult r = co_await tx.exec("INSERT OR IGNORE INTO received(key) VALUES(?)", key);
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
  tx.gtx(GtxRecord::branch_finished(b.name, refused));
  if (o.business_delay_us > 0) co_await ctx.sleep(o.business_delay_us);
  DbResult c = co_await tx.commit();
  if (!c.ok) co_return ApplyResult::failed;
  co_return refused ? ApplyResult::refused : ApplyResult::applied;
}

}  // namespace dtx
