// The participant side of two- and three-phase commit: one XA branch per database, holding
// the business transaction's branches on that database. A branch runs its actions and an insert
// of its xid into the participant's own log (xa_log, unique key) in one local transaction and
// prepares it: prepared work survives a crash and keeps its lock until someone decides it by
// xid. The log row exists only if the branch committed, and a peer's refusal inserts it as
// 'aborted' first, so a late or duplicated prepare can never commit twice or after an abort.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sim/plugin/pattern.hpp"

namespace dtx {

// The branches of one transaction that live in one database, and the service that runs them.
struct XaGroup {
  std::string db;
  std::string service;
  std::vector<std::string> branches;
};

// One group per database, in database-name order (the order locks are taken: no deadlock
// between two transactions that both prepare the same databases).
std::vector<XaGroup> xa_groups(const BusinessTxn& t);
inline std::string xa_id(const std::string& gid) {
  return "xa-" + gid;
}
inline std::string gid_of_xa(const std::string& xid) {
  return xid.size() > 3 ? xid.substr(3) : xid;
}

// xa_log (the participant's outcome per xid) and xa_peers (who else is in the transaction,
// kept only when participants may ask each other).
void create_xa_tables(Setup& s, const std::string& db);
// Creates the XA tables in the database of each workload service and installs a participant
// on every instance of the service (`install(instance, its database)`).
void setup_participants(Setup& s,
                        const std::function<void(Context, const std::string& db)>& install);

struct XaPrepare {
  TimeUs deadline_us = 0;   // the coordinator stops waiting then: vote no instead of preparing
  bool keep_peers = false;  // record the transaction for the cooperative termination protocol
};

// Runs the group of `db` and prepares it under xa_id(t.gid); true: voted yes (prepared).
Task<bool> xa_prepare(Context c, const Workload* w, BusinessTxn t, std::string db, XaPrepare o);

// Decides the prepared branch of `xid` on `db` (nothing happens when none is prepared).
Task<bool> xa_decide(Context c, std::string db, std::string xid, bool commit);

// What this participant knows of `xid`, for a peer's termination protocol: "prepared" (in
// doubt itself), "committed", "aborted" (never voted yes, and now never will: its refusal is
// logged), or "unknown" (the database did not answer).
Task<std::string> xa_status(Context c, std::string db, std::string xid);

// The transaction recorded with keep_peers (empty gid when none was kept).
Task<BusinessTxn> xa_peers(Context c, std::string db, std::string xid);

}  // namespace dtx
