// The consumer side every message-based pattern shares: apply one downstream branch of a
// business transaction, deduplicated by inserting "gid:branch" into a `received` table in the
// same local transaction as the effect (the broken variants move or drop that insert).
#pragma once

#include "patterns/workloads/workload.hpp"
#include "sim/world/context.hpp"

namespace dtx {

struct ApplyOptions {
  bool dedupe = true;
  bool separate_txn = false;        // dedupe row committed in its own transaction first
  TimeUs processing_us = 1000;      // work between the dedupe and the effect
  TimeUs business_delay_us = 0;     // effect transaction stays open this long before commit
};

enum class ApplyResult { applied, duplicate, refused, failed };

void create_received_table(Database& db);
Task<ApplyResult> apply_downstream(Context ctx, const Workload& w, BusinessTxn t, Branch b, ApplyOptions o);

// The origin's local transaction body shared by outbox-like patterns: the business action
// plus the gtx "started" record, committed atomically. Returns the open transaction, or an
// empty optional when the business refused (already recorded as a final "rejected").
Json rejected_detail();

}  // namespace dtx
