// The sub-transaction barrier (dtm's barrier, Seata's fence): a table with a unique key
// (gid, branch_id, op, barrier_id) in each service's database, used inside the branch's own
// local transaction. Null compensation, duplicates and hanging are decided by INSERT OR
// IGNORE, never by a read-then-act: an insert waits for an in-flight transaction holding the
// key, so the decision is always made against the committed outcome.
#pragma once

#include <string>

#include "sim/plugin/pattern.hpp"
#include "sim/world/context.hpp"

namespace dtx {

void create_barrier_table(Setup& s, const std::string& db);

enum class BarrierDecision {
  run,                // first time: run the business in this transaction
  duplicate,          // already done (or hanging: a Try after its Cancel): skip, reply success
  null_compensation,  // Cancel/Compensate whose Try/Action never ran: skip, reply success
  error,              // SQL error (e.g. lock wait timeout): roll back, retry later
};

// `op` is one of action, compensate, try, confirm, cancel, msg.
Task<BarrierDecision> barrier_enter(Txn& tx, std::string gid, std::string branch_id,
                                    std::string op);

// The 2-phase message check-back: INSERT OR IGNORE the local transaction's own key with
// reason 'rollback' (waiting for an in-flight transaction), then read who won.
// Returns "committed", "rollback", or "ongoing" on error.
Task<std::string> barrier_query_prepared(Context ctx, std::string db, std::string gid);

// The RocketMQ-style heuristic the seed warns about: a plain SELECT (never waits).
Task<bool> barrier_row_exists(Context ctx, std::string db, std::string gid);

}  // namespace dtx
