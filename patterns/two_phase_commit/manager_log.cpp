// The transaction manager's log in its own SQLite database.
#include "patterns/two_phase_commit/manager_log.hpp"

namespace dtx {

void ManagerLog::setup(Setup& s, const Context& tm) {
  tm_ = tm;
  db_ = tm.name() + ".db";
  s.exec_now(db_,
             "CREATE TABLE tpc_txn(gid TEXT PRIMARY KEY, txn TEXT NOT NULL, created_at INTEGER "
             "NOT NULL, done INTEGER NOT NULL DEFAULT 0)");
  s.exec_now(db_, "CREATE INDEX tpc_open ON tpc_txn(done, created_at)");
  s.exec_now(db_,
             "CREATE TABLE tpc_decision(gid TEXT PRIMARY KEY, decision TEXT NOT NULL, logged_at "
             "INTEGER NOT NULL) WITHOUT ROWID");
}

Context ManagerLog::setup_on_coordinator(Setup& s, const std::string& pattern) {
  if (s.coordinator().empty())
    throw InputError(pattern + ": the transaction manager runs on $.topology.coordinator; set it");
  Context tm = s.service(s.coordinator());
  setup(s, tm);
  return tm;
}

Task<ManagerLog::Stored> ManagerLog::store(BusinessTxn t) {
  Txn tx = tm_.begin(db_, t.gid);
  DbResult r =
      co_await tx.exec("INSERT OR IGNORE INTO tpc_txn(gid, txn, created_at) VALUES(?, ?, ?)", t.gid,
                       t.to_text(), tm_.now_us());
  if (!r.ok) co_return Stored::failed;
  if (r.changes > 0) tx.gtx(t.started_record());
  if (!(co_await tx.commit()).ok) co_return Stored::failed;
  co_return r.changes > 0 ? Stored::fresh : Stored::known;
}

Task<std::optional<bool>> ManagerLog::decision(std::string gid, bool* readable) {
  DbResult r = co_await tm_.exec(db_, "SELECT decision FROM tpc_decision WHERE gid = ?", args(gid));
  if (readable) *readable = r.ok;
  if (!r.ok || r.empty()) co_return std::nullopt;
  co_return r.text() == "commit";
}

Task<std::optional<bool>> ManagerLog::decide(std::string gid, bool commit) {
  DbResult w = co_await tm_.exec(
      db_, "INSERT OR IGNORE INTO tpc_decision(gid, decision, logged_at) VALUES(?, ?, ?)",
      args(gid, commit ? "commit" : "abort", tm_.now_us()));
  if (!w.ok) co_return std::nullopt;
  co_return co_await decision(gid);
}

Task<void> ManagerLog::finish(std::string gid, bool commit) {
  Txn tx = tm_.begin(db_, gid);
  DbResult r =
      co_await tx.exec("UPDATE tpc_txn SET done = 1 WHERE gid = ? AND done = 0", args(gid));
  if (!r.ok) co_return;
  if (r.changes > 0) tx.gtx(GtxRecord::reached(commit ? "committed" : "aborted", true));
  co_await tx.commit();
}

Task<std::vector<BusinessTxn>> ManagerLog::open(TimeUs age_us) {
  DbResult r = co_await tm_.exec(
      db_, "SELECT txn FROM tpc_txn WHERE done = 0 AND created_at <= ? ORDER BY gid LIMIT 64",
      args(tm_.now_us() - age_us));
  std::vector<BusinessTxn> out;
  for (size_t i = 0; r.ok && i < r.rows.size(); ++i)
    out.push_back(BusinessTxn::from_text(r.text(i, 0)));
  co_return out;
}

}  // namespace dtx
