// The consumer side every message-based pattern shares: apply one downstream branch of a
// business transaction, deduplicated by inserting "gid:branch" into a `received` table in the
// same local transaction as the effect (the broken variants move or drop that insert).
#pragma once

#include "sim/plugin/pattern.hpp"
#include "sim/plugin/workload.hpp"
#include "sim/world/context.hpp"

namespace dtx {

struct ApplyOptions {
  bool dedupe = true;
  bool separate_txn = false;     // dedupe row committed in its own transaction first
  TimeUs processing_us = 1000;   // work between the dedupe and the effect
  TimeUs business_delay_us = 0;  // effect transaction stays open this long before commit
};

enum class ApplyResult { applied, duplicate, refused, failed };

void create_received_table(Setup& s, const std::string& db);
Task<ApplyResult> apply_downstream(Context ctx, const Workload& w, BusinessTxn t, Branch b,
                                   ApplyOptions o);

Detail rejected_detail();

// The origin's business action inside `tx`, shared by the message-based patterns. Applied:
// the gtx "started" record is attached to `tx` (it exists only if `tx` commits) and true is
// returned. Otherwise `tx` is rolled back, a business refusal is recorded as started and
// rejected (final), and false is returned.
Task<bool> origin_action(Context ctx, const Workload& w, Txn& tx, const BusinessTxn& t);

// Subscribes service `svc` to `queue` and applies each delivered transaction's branches
// that `svc` owns; a failed apply nacks (the broker redelivers).
void subscribe_downstream(Context c, const std::string& broker, const std::string& queue,
                          const std::string& svc, const Workload* w, ApplyOptions o,
                          bool auto_ack = false);

}  // namespace dtx
