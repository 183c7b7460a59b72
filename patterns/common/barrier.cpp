// Barrier decisions by INSERT OR IGNORE, as in dtm's barrier.go.
#include "patterns/common/barrier.hpp"

namespace dtx {

void create_barrier_table(Setup& s, const std::string& db) {
  s.exec_now(
      db,
      "CREATE TABLE IF NOT EXISTS barrier(gid TEXT NOT NULL, branch_id TEXT NOT NULL, op TEXT NOT "
      "NULL, "
      "barrier_id TEXT NOT NULL, reason TEXT NOT NULL, PRIMARY KEY(gid, branch_id, op, "
      "barrier_id))");
}

namespace {
const char* origin_op(const std::string& op) {
  if (op == "cancel") return "try";
  if (op == "compensate") return "action";
  return nullptr;
}
constexpr const char* kInsert =
    "INSERT OR IGNORE INTO barrier(gid, branch_id, op, barrier_id, reason) VALUES(?, ?, ?, '01', "
    "?)";
}  // namespace

Task<BarrierDecision> barrier_enter(Txn& tx, std::string gid, std::string branch_id,
                                    std::string op) {
  int64_t origin_affected = 0;
  if (const char* origin = origin_op(op)) {
    DbResult r = co_await tx.exec(kInsert, gid, branch_id, origin, op);
    if (!r.ok) co_return BarrierDecision::error;
    origin_affected = r.changes;
  }
  DbResult cur = co_await tx.exec(kInsert, gid, branch_id, op, op);
  if (!cur.ok) co_return BarrierDecision::error;
  if (origin_op(op) && origin_affected > 0) co_return BarrierDecision::null_compensation;
  if (cur.changes == 0) co_return BarrierDecision::duplicate;
  co_return BarrierDecision::run;
}

Task<std::string> barrier_query_prepared(Context ctx, std::string db, std::string gid) {
  Txn tx = ctx.begin(db, gid);
  DbResult ins = co_await tx.exec(kInsert, gid, "00", "msg", "rollback");
  if (!ins.ok) {
    co_await tx.rollback();
    co_return "ongoing";
  }
  DbResult r = co_await tx.exec(
      "SELECT reason FROM barrier WHERE gid = ? AND branch_id = '00' AND op = 'msg'", gid);
  DbResult c = co_await tx.commit();
  if (!r.ok || !c.ok || r.empty()) co_return "ongoing";
  co_return r.text() == "rollback" ? "rollback" : "committed";
}

Task<bool> barrier_row_exists(Context ctx, std::string db, std::string gid) {
  DbResult r = co_await ctx.exec(
      db, "SELECT 1 FROM barrier WHERE gid = ? AND branch_id = '00' AND op = 'msg'", args(gid));
  co_return r.ok && !r.empty();
}

}  // namespace dtx
