// Participant branches of two- and three-phase commit: prepare, decide, and answer peers.
#include "patterns/two_phase_commit/xa_participant.hpp"

#include <algorithm>

namespace dtx {

std::vector<XaGroup> xa_groups(const BusinessTxn& t) {
  std::vector<XaGroup> out;
  for (const Branch& b : t.branches) {
    auto it = std::find_if(out.begin(), out.end(), [&](const XaGroup& g) { return g.db == b.db; });
    if (it == out.end()) {
      out.push_back({b.db, b.service, {b.name}});
    } else {
      it->branches.push_back(b.name);
    }
  }
  std::sort(out.begin(), out.end(), [](const XaGroup& a, const XaGroup& b) { return a.db < b.db; });
  return out;
}

void setup_participants(Setup& s,
                        const std::function<void(Context, const std::string& db)>& install) {
  const Workload& w = s.workload();
  for (const auto& role : w.roles()) {
    std::string svc = w.service(role);
    std::string db = s.database_of(svc);
    create_xa_tables(s, db);
    for (Context c : s.instances(svc)) install(c, db);
  }
}

void create_xa_tables(Setup& s, const std::string& db) {
  s.exec_now(db,
             "CREATE TABLE IF NOT EXISTS xa_log(xid TEXT PRIMARY KEY, outcome TEXT NOT NULL) "
             "WITHOUT ROWID");
  s.exec_now(db,
             "CREATE TABLE IF NOT EXISTS xa_peers(xid TEXT PRIMARY KEY, txn TEXT NOT NULL) "
             "WITHOUT ROWID");
}

namespace {

// The group's actions in `tx`, after its log row; false: refused or failed (roll back).
Task<bool> run_group(const Workload* w, Txn& tx, const BusinessTxn& t, const std::string& db,
                     const std::string& xid) {
  // A plain INSERT: a row already there (committed before, or a peer's refusal) fails it.
  DbResult log =
      co_await tx.exec("INSERT INTO xa_log(xid, outcome) VALUES(?, 'committed')", args(xid));
  if (!log.ok) co_return false;
  for (const Branch& b : t.branches) {
    if (b.db != db) continue;
    if (co_await w->action(tx, t, b) != BranchOutcome::applied) co_return false;
  }
  co_return true;
}

}  // namespace

Task<bool> xa_prepare(Context c, const Workload* w, BusinessTxn t, std::string db, XaPrepare o) {
  std::string xid = xa_id(t.gid);
  if (o.keep_peers) {
    DbResult kept = co_await c.exec(db, "INSERT OR IGNORE INTO xa_peers(xid, txn) VALUES(?, ?)",
                                    args(xid, t.to_text()));
    if (!kept.ok) co_return false;
  }
  Txn tx = c.begin(db, t.gid);
  bool ok = co_await run_group(w, tx, t, db, xid);
  // Preparing after the coordinator gave up would only hold the lock until someone asks.
  if (!ok || c.now_us() > o.deadline_us) {
    co_await tx.rollback();
    co_return false;
  }
  DbResult p = co_await tx.prepare(xid);
  co_return p.ok;
}

Task<bool> xa_decide(Context c, std::string db, std::string xid, bool commit) {
  DbResult r = co_await c.decide_prepared(db, xid, commit);
  co_return r.ok;
}

Task<std::string> xa_status(Context c, std::string db, std::string xid) {
  for (const auto& p : c.xa_recover(db))
    if (p.xid == xid) co_return "prepared";
  // Refuse first: if this branch never prepared, it now never will (the insert waits for an
  // open branch of the same xid, and then loses to it if it commits).
  DbResult refuse = co_await c.exec(
      db, "INSERT OR IGNORE INTO xa_log(xid, outcome) VALUES(?, 'aborted')", args(xid));
  if (!refuse.ok) co_return "unknown";
  for (const auto& p : c.xa_recover(db))
    if (p.xid == xid) co_return "prepared";
  DbResult r = co_await c.exec(db, "SELECT outcome FROM xa_log WHERE xid = ?", args(xid));
  if (!r.ok || r.empty()) co_return "unknown";
  co_return r.text();
}

Task<BusinessTxn> xa_peers(Context c, std::string db, std::string xid) {
  DbResult r = co_await c.exec(db, "SELECT txn FROM xa_peers WHERE xid = ?", args(xid));
  if (!r.ok || r.empty()) co_return BusinessTxn{};
  co_return BusinessTxn::from_text(r.text());
}

}  // namespace dtx
