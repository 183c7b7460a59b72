// MQ transaction, the seed's JMS/STOMP shape made atomic with the database the classic way:
// both resources are enlisted in an XA-style two-phase commit. The application prepares the
// database transaction and the broker session, then asks the transaction manager (the
// coordinator node) to log *commit*. The manager's recovery loop finishes logged decisions and
// presumes abort for in-doubt work it never logged, by logging *abort* under the same key: the
// first insert of a transaction's decision wins and whoever loses obeys it, so the decision is
// made exactly once and durably. While in doubt, the prepared database transaction keeps its
// write lock (in_doubt_ms_* in the metrics). Consumers are transacted (ack after the effect
// commits, redelivery, dead-letter queue) and dedupe. Naive orderings are the broken variants.
#include <optional>

#include "patterns/common/apply.hpp"
#include "patterns/mq_transaction/mq_transaction.hpp"

namespace dtx {

namespace {

// What the variants change, as data (the table in mq_transaction_info() sets them).
struct Knobs {
  // xa: both resources prepare and the transaction manager logs the decision; db_then_mq and
  // mq_then_db: no XA, two commits one after the other.
  enum class Commit { xa, db_then_mq, mq_then_db };
  Commit commit = Commit::xa;
  bool auto_ack_consumer = false;        // the consumer acknowledges on receipt
  bool presume_abort_by_select = false;  // recovery aborts on "no row found", logging nothing
};

constexpr const char* kCommit = "commit";

// The application's protocol with the transaction manager's decision log.
struct XaLogCall {  // xa.log: log commit for `xid` unless a decision is logged; xa.done: carried
                    // out
  std::string xid;
};
struct XaLogged {  // xa.log's reply: the decision that holds
  bool ok = false;
  std::string decision;
};
constexpr const char* kAbort = "abort";

class MqTransaction : public Pattern {
 public:
  explicit MqTransaction(const Knobs& knobs) : knobs_(knobs) {}

  void configure(Reader& p) override {
    timeout_us_ = p.interval_us("request_timeout_ms", 1000, "broker and manager call timeout (ms)");
    recovery_us_ =
        p.interval_us("recovery_interval_ms", 500, "transaction manager recovery scan (ms)");
    in_doubt_us_ = p.interval_us("presume_abort_after_ms", 3000,
                                 "unlogged in-doubt work older than this is aborted (ms)");
    gap_us_ =
        p.millis_us("commit_gap_ms", 5, "naive variants: app work between the two commits (ms)");
    consumer_processing_us_ =
        p.millis_us("consumer_processing_ms", 1, "consumer work between receipt and effect (ms)");
    queue_ = p.name("queue", "transfers", false, "broker queue");
  }

  void setup(Setup& s) override {
    workload_ = &s.workload();
    broker_ = s.broker();
    origin_svc_ = workload_->service(workload_->roles().front());
    origin_db_ = s.database_of(origin_svc_);
    if (knobs_.commit == Knobs::Commit::xa) setup_manager(s);
    for (const auto& role : workload_->roles()) {
      std::string svc = workload_->service(role);
      if (svc == origin_svc_) continue;
      create_received_table(s, s.database_of(svc));
      for (Context c : s.instances(svc)) subscribe(c, svc);
    }
  }

  Task<void> begin(Context ctx, BusinessTxn t) override {
    Txn tx = ctx.begin(origin_db_, t.gid);
    if (!(co_await origin_action(ctx, *workload_, tx, t))) co_return;
    if (knobs_.commit == Knobs::Commit::db_then_mq) {
      if (!(co_await tx.commit()).ok) co_return;
      co_await ctx.sleep(gap_us_);
      co_await send_in_session(ctx, t);
      co_return;
    }
    if (knobs_.commit == Knobs::Commit::mq_then_db) {
      if (!(co_await send_in_session(ctx, t))) {
        co_await tx.rollback();
        co_return;
      }
      co_await ctx.sleep(gap_us_);
      co_await tx.commit();
      co_return;
    }
    co_await xa_commit(ctx, t, tx);
  }

 private:
  // Opens a broker session holding the message; nullopt (session aborted) on failure.
  Task<std::optional<uint64_t>> open_session(Context ctx, const BusinessTxn& t) {
    std::optional<uint64_t> sid = co_await ctx.tx_begin(broker_, timeout_us_);
    if (!sid) co_return std::nullopt;
    if (!(co_await ctx.tx_send(broker_, *sid, queue_, t.gid, t.to_json(), timeout_us_))) {
      co_await ctx.tx_end(broker_, *sid, false, t.gid, timeout_us_);
      co_return std::nullopt;
    }
    co_return sid;
  }

  // Sends the message in a broker session and commits it (the naive orderings).
  Task<bool> send_in_session(Context ctx, const BusinessTxn& t) {
    std::optional<uint64_t> sid = co_await open_session(ctx, t);
    if (!sid) co_return false;
    co_return co_await ctx.tx_end(broker_, *sid, true, t.gid, timeout_us_);
  }

  Task<void> xa_commit(Context ctx, BusinessTxn t, Txn& tx) {
    std::string xid = "xa-" + t.gid;
    std::optional<uint64_t> sid = co_await open_session(ctx, t);
    if (!sid) {
      co_await tx.rollback();
      co_return;
    }
    DbResult p = co_await tx.prepare(xid);
    bool mq_ok = false;
    if (p.ok) mq_ok = co_await ctx.tx_prepare(broker_, *sid, xid, timeout_us_);
    if (!p.ok || !mq_ok) {  // nothing logged: abort both (presumed abort covers a crash here)
      co_await ctx.decide_prepared(origin_db_, xid, false);
      co_await ctx.tx_decide(broker_, xid, false, timeout_us_);
      co_await ctx.tx_end(broker_, *sid, false, t.gid, timeout_us_);
      co_return;
    }
    Message log;
    log.type = "xa.log";
    log.gid = t.gid;
    log.body = XaLogCall{xid};
    RpcResult r = co_await ctx.call(manager_, std::move(log), timeout_us_);
    const XaLogged* logged = r.answer<XaLogged>();
    if (!logged) co_return;  // the manager's recovery decides
    // The manager may have logged abort first (recovery presumed it while this node was
    // paused): the logged decision is obeyed, whichever it is.
    bool commit = logged->decision == kCommit;
    DbResult db_done = co_await ctx.decide_prepared(origin_db_, xid, commit);
    bool mq_done = co_await ctx.tx_decide(broker_, xid, commit, timeout_us_);
    if (!db_done.ok || !mq_done) co_return;  // the manager's recovery finishes the decision
    Message done;
    done.type = "xa.done";
    done.gid = t.gid;
    done.body = XaLogCall{xid};
    ctx.send(manager_, std::move(done));
  }

  void setup_manager(Setup& s) {
    manager_ = s.coordinator();
    if (manager_.empty())
      throw InputError(
          "mq_transaction: the transaction manager runs on $.topology.coordinator; set it");
    log_db_ = manager_ + ".db";
    // One row per transaction: its decision, inserted once (the primary key makes the first
    // insert win), and whether both resources have carried it out.
    s.exec_now(
        log_db_,
        "CREATE TABLE xa_log(xid TEXT PRIMARY KEY, gid TEXT NOT NULL, decision TEXT NOT NULL, "
        "done INTEGER NOT NULL DEFAULT 0, logged_at INTEGER NOT NULL)");
    // The recovery pass reads only the open decisions (not the whole log).
    s.exec_now(log_db_, "CREATE INDEX xa_open ON xa_log(done, logged_at)");
    tm_ = s.service(manager_);
    tm_.handle_typed<XaLogCall>(
        "xa.log", [this](XaLogCall q, Message m) { return on_log(std::move(q.xid), m.gid); },
        XaLogged{});
    tm_.handle_typed<XaLogCall>(
        "xa.done", [this](XaLogCall q, Message) { return on_done(std::move(q.xid)); }, nullptr);
    tm_.on_start([this] { tm_.spawn(recovery_loop()); });
    tm_.on_restart([this] { tm_.spawn(recovery_loop()); });
  }

  // Logs `proposal` for `xid` unless a decision is already logged; returns the logged
  // decision (nullopt when the log cannot be written or read).
  Task<std::optional<std::string>> decide(std::string xid, std::string gid, std::string proposal) {
    DbResult w = co_await tm_.exec(
        log_db_, "INSERT OR IGNORE INTO xa_log(xid, gid, decision, logged_at) VALUES(?, ?, ?, ?)",
        args(xid, gid, proposal, tm_.now_us()));
    if (!w.ok) co_return std::nullopt;
    DbResult r = co_await tm_.exec(log_db_, "SELECT decision FROM xa_log WHERE xid = ?", args(xid));
    if (!r.ok || r.empty()) co_return std::nullopt;
    co_return r.text(0, 0);
  }

  Task<Body> on_log(std::string xid, std::string gid) {
    std::optional<std::string> d = co_await decide(xid, gid, kCommit);
    if (!d) co_return XaLogged{};
    co_return XaLogged{true, *d};
  }

  Task<Body> on_done(std::string xid) {
    co_await tm_.exec(log_db_, "UPDATE xa_log SET done = 1 WHERE xid = ?", args(xid));
    co_return nullptr;
  }

  // Carries out a logged decision on both resources; marks it done once both confirm.
  Task<void> carry_out(std::string xid, std::string gid, bool commit) {
    tm_.record(
        Kind::retry, gid,
        Detail::of({{"what", commit ? "xa recovery commit" : "xa recovery abort"}, {"xid", xid}}));
    DbResult db = co_await tm_.decide_prepared(origin_db_, xid, commit);
    bool mq = co_await tm_.tx_decide(broker_, xid, commit, timeout_us_);
    if (db.ok && mq)
      co_await tm_.exec(log_db_, "UPDATE xa_log SET done = 1 WHERE xid = ?", args(xid));
  }

  // Finishes logged decisions; presumes abort for in-doubt work the log does not know.
  Task<void> recovery_loop() {
    for (;;) {
      co_await tm_.sleep(recovery_us_);
      DbResult open = co_await tm_.exec(log_db_,
                                        "SELECT xid, gid, decision FROM xa_log WHERE done = 0 AND "
                                        "logged_at <= ? ORDER BY xid",
                                        args(tm_.now_us() - recovery_us_));
      for (size_t i = 0; open.ok && i < open.rows.size(); ++i)
        co_await carry_out(open.text(i, 0), open.text(i, 1), open.text(i, 2) == kCommit);
      co_await presume_abort();
    }
  }

  // Resolves one in-doubt transaction the application left behind. Correct: log abort under
  // the decision key (a commit logged first wins) and carry out what the log holds. The
  // broken variant decides by reading: no row => abort, with nothing logged, so the origin's
  // commit can still be logged afterwards and the other resource commits.
  Task<bool> resolve_in_doubt(std::string xid, std::string gid) {
    if (knobs_.presume_abort_by_select) {
      DbResult r = co_await tm_.exec(log_db_, "SELECT 1 FROM xa_log WHERE xid = ?", args(xid));
      if (!r.ok) co_return false;
      if (r.empty()) co_await abort_unlogged(xid, gid);
      co_return true;
    }
    std::optional<std::string> d = co_await decide(xid, gid, kAbort);
    if (!d) co_return false;
    co_await carry_out(xid, gid, *d == kCommit);
    co_return true;
  }

  Task<void> abort_unlogged(std::string xid, std::string gid) {
    tm_.record(Kind::retry, gid, Detail::of({{"what", "xa presume abort"}, {"xid", xid}}));
    co_await tm_.decide_prepared(origin_db_, xid, false);
    co_await tm_.tx_decide(broker_, xid, false, timeout_us_);
  }

  // In-doubt work older than the limit on either resource. Only those few candidates are
  // looked up (by key), so a pass costs the same however long the log is.
  Task<void> presume_abort() {
    for (const auto& p : tm_.xa_recover(origin_db_)) {
      if (p.prepared_at_us < 0 || tm_.now_us() - p.prepared_at_us < in_doubt_us_) continue;
      if (!(co_await resolve_in_doubt(p.xid, gid_of(p.xid)))) co_return;
    }
    std::optional<std::vector<MqPrepared>> on_broker =
        co_await tm_.tx_recover(broker_, timeout_us_);
    if (!on_broker) co_return;
    for (const auto& p : *on_broker) {
      if (tm_.now_us() - p.prepared_us < in_doubt_us_) continue;
      if (!(co_await resolve_in_doubt(p.xid, gid_of(p.xid)))) co_return;
    }
  }

  static std::string gid_of(const std::string& xid) { return xid.substr(3); }  // "xa-" + gid

  void subscribe(Context c, const std::string& svc) {
    ApplyOptions o;
    o.processing_us = consumer_processing_us_;
    subscribe_downstream(c, broker_, queue_, svc, workload_, o, knobs_.auto_ack_consumer);
  }

  Knobs knobs_;
  TimeUs timeout_us_ = kUsPerS, recovery_us_ = 500 * kUsPerMs, in_doubt_us_ = 3 * kUsPerS,
         gap_us_ = 5 * kUsPerMs;
  TimeUs consumer_processing_us_ = kUsPerMs;
  std::string queue_ = "transfers";
  const Workload* workload_ = nullptr;
  std::string broker_, origin_svc_, origin_db_, manager_, log_db_;
  Context tm_;
};

}  // namespace

PatternInfo mq_transaction_info() {
  PatternInfo p;
  p.name = "mq_transaction";
  p.summary = "transacted broker send enlisted with the database in an XA-style two-phase commit";
  using C = Knobs::Commit;
  define_variants<MqTransaction, Knobs>(
      p, {
             {{"correct",
               "database and broker session both prepare, the manager logs the decision (first "
               "insert wins: the origin's commit or recovery's presumed abort), both carry it out",
               {}},
              {}},
             {{"db_then_mq_commit",
               "commit the database, then send and commit the broker session; a crash between "
               "loses the message",
               {"atomicity", "conservation", "no_lost", "termination"}},
              {.commit = C::db_then_mq}},
             {{"mq_then_db_commit",
               "commit the broker session, then the database; a crash between leaves a phantom "
               "message",
               {"atomicity", "conservation", "no_phantom"}},
              {.commit = C::mq_then_db}},
             {{"auto_ack_consumer",
               "the consumer acknowledges on receipt; a crash before its commit loses the effect",
               {"atomicity", "conservation", "no_lost", "termination"}},
              {.auto_ack_consumer = true}},
             {{"presume_abort_by_select",
               "recovery presumes abort when a SELECT finds no decision and logs nothing; the "
               "origin, paused past the limit, then logs commit and the other resource commits",
               {"atomicity", "conservation", "no_phantom"}},
              {.presume_abort_by_select = true}},
         });
  p.workloads = {"transfer", "order"};
  p.invariants = {"conservation", "atomicity",    "no_lost",
                  "no_phantom",   "exactly_once", "termination"};
  p.needs_broker = true;
  p.requirements = {
      "a broker with transacted sessions enlisted with the database in XA two-phase commit; a "
      "transaction manager with a durable decision log",
      "decision log (xa_log); prepared transactions hold their locks while in doubt",
      "every send and the business write in one XA transaction; recovery resolves in-doubt ones",
      "dedupe and effect in one local transaction, acknowledged after commit",
      "high: XA support in the database and the broker, locks held while in doubt"};
  return p;
}

}  // namespace dtx
