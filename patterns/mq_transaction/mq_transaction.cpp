// MQ transaction, the seed's JMS/STOMP shape made atomic with the database the classic way:
// both resources are enlisted in an XA-style two-phase commit. The application prepares the
// database transaction and the broker session, the transaction manager (the coordinator
// node) logs the commit decision durably, then both commit. The manager's recovery loop
// finishes logged decisions and presumes abort for in-doubt work it never logged. While in
// doubt, the prepared database transaction keeps its write lock: the blocking time shows in
// the metrics (in_doubt_ms_*). Consumers are transacted (ack after the effect commits,
// redelivery, dead-letter queue) and dedupe. Naive orderings are the broken variants.
#include <optional>

#include "patterns/common/apply.hpp"
#include "patterns/mq_transaction/mq_transaction.hpp"
#include "sim/world/database.hpp"

namespace dtx {

namespace {

class MqTransaction : public Pattern {
 public:
  explicit MqTransaction(std::string variant) : variant_(std::move(variant)) {}

  void configure(Reader& p) override {
    timeout_us_ = p.millis_us("request_timeout_ms", 1000, "broker and manager call timeout (ms)");
    recovery_us_ =
        p.millis_us("recovery_interval_ms", 500, "transaction manager recovery scan (ms)");
    in_doubt_us_ = p.millis_us("presume_abort_after_ms", 3000,
                               "unlogged in-doubt work older than this is rolled back (ms)");
    gap_us_ =
        p.millis_us("commit_gap_ms", 5, "naive variants: app work between the two commits (ms)");
    consumer_processing_us_ =
        p.millis_us("consumer_processing_ms", 1, "consumer work between receipt and effect (ms)");
    queue_ = p.string("queue", "transfers", false, "broker queue");
  }

  void setup(Setup& s) override {
    workload_ = &s.workload();
    broker_ = s.broker();
    origin_svc_ = workload_->service(workload_->roles().front());
    origin_db_ = s.database_of(origin_svc_);
    if (variant_ == "correct" || variant_ == "auto_ack_consumer") setup_manager(s);
    for (const auto& role : workload_->roles()) {
      std::string svc = workload_->service(role);
      if (svc == origin_svc_) continue;
      create_received_table(s.database(s.database_of(svc)));
      for (Context c : s.instances(svc)) subscribe(c, svc);
    }
  }

  Task<void> begin(Context ctx, BusinessTxn t) override {
    Txn tx = ctx.begin(origin_db_, t.gid);
    if (!(co_await origin_action(ctx, *workload_, tx, t))) co_return;
    if (variant_ == "db_then_mq_commit") {
      if (!(co_await tx.commit()).ok) co_return;
      co_await ctx.sleep(gap_us_);
      co_await send_in_session(ctx, t);
      co_return;
    }
    if (variant_ == "mq_then_db_commit") {
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
      co_await decide_prepared(ctx.db(origin_db_), ctx.node(), xid, false);
      co_await ctx.tx_decide(broker_, xid, false, timeout_us_);
      co_await ctx.tx_end(broker_, *sid, false, t.gid, timeout_us_);
      co_return;
    }
    Message log;
    log.type = "xa.log";
    log.gid = t.gid;
    log.body = {{"xid", xid}};
    RpcResult logged = co_await ctx.call(manager_, std::move(log), timeout_us_);
    if (!logged.ok) co_return;  // maybe logged: the manager's recovery decides
    DbResult db_done = co_await decide_prepared(ctx.db(origin_db_), ctx.node(), xid, true);
    bool mq_done = co_await ctx.tx_decide(broker_, xid, true, timeout_us_);
    if (!db_done.ok || !mq_done) co_return;  // the manager's recovery finishes the commit
    Message done;
    done.type = "xa.done";
    done.gid = t.gid;
    done.body = {{"xid", xid}};
    ctx.send(manager_, std::move(done));
  }

  void setup_manager(Setup& s) {
    manager_ = s.coordinator();
    if (manager_.empty())
      throw InputError(
          "mq_transaction: the transaction manager runs on $.topology.coordinator; set it");
    log_db_ = manager_ + ".db";
    s.database(log_db_).exec_now(
        "CREATE TABLE xa_log(xid TEXT PRIMARY KEY, gid TEXT NOT NULL, done INTEGER NOT NULL "
        "DEFAULT 0, logged_at INTEGER NOT NULL)");
    // The recovery pass reads only the open decisions (not the whole log).
    s.database(log_db_).exec_now("CREATE INDEX xa_open ON xa_log(done, logged_at)");
    tm_ = s.service(manager_);
    tm_.handle("xa.log", [this](Message m) { return on_log(std::move(m)); });
    tm_.handle("xa.done", [this](Message m) { return on_done(std::move(m)); });
    tm_.node().on_start = [this] { tm_.spawn(recovery_loop()); };
    tm_.node().on_restart = [this] { tm_.spawn(recovery_loop()); };
  }

  Task<Json> on_log(Message m) {
    std::string xid = m.body["xid"];
    DbResult r = co_await tm_.exec(
        log_db_, "INSERT OR IGNORE INTO xa_log(xid, gid, logged_at) VALUES(?, ?, ?)",
        args(xid, m.gid, tm_.now_us()));
    co_return Json{{"ok", r.ok}};
  }

  Task<Json> on_done(Message m) {
    std::string xid = m.body["xid"];
    co_await tm_.exec(log_db_, "UPDATE xa_log SET done = 1 WHERE xid = ?", args(xid));
    co_return nullptr;
  }

  // Finishes logged decisions; rolls back in-doubt work the log does not know (presumed abort).
  Task<void> recovery_loop() {
    for (;;) {
      co_await tm_.sleep(recovery_us_);
      DbResult open = co_await tm_.exec(
          log_db_, "SELECT xid, gid FROM xa_log WHERE done = 0 AND logged_at <= ? ORDER BY xid",
          args(tm_.now_us() - recovery_us_));
      for (size_t i = 0; open.ok && i < open.rows.size(); ++i) {
        std::string xid = open.text(i, 0);
        tm_.record(Kind::retry, open.text(i, 1),
                   Detail::of({{"what", "xa recovery commit"}, {"xid", xid}}));
        co_await decide_prepared(tm_.db(origin_db_), tm_.node(), xid, true);
        if (co_await tm_.tx_decide(broker_, xid, true, timeout_us_))
          co_await tm_.exec(log_db_, "UPDATE xa_log SET done = 1 WHERE xid = ?", args(xid));
      }
      co_await presume_abort();
    }
  }

  // Whether the log holds a decision for `xid`; nullopt when the log cannot be read.
  Task<std::optional<bool>> logged(std::string xid) {
    DbResult r = co_await tm_.exec(log_db_, "SELECT 1 FROM xa_log WHERE xid = ?", args(xid));
    if (!r.ok) co_return std::nullopt;
    co_return !r.empty();
  }

  // In-doubt work older than the limit that the log does not know is rolled back. Only those
  // few candidates are looked up (by key), so a pass costs the same however long the log is.
  Task<void> presume_abort() {
    Database& db = tm_.db(origin_db_);
    for (const auto& [xid, txn] : db.prepared()) {
      if (tm_.now_us() - db.prepared_at_us(xid) < in_doubt_us_) continue;
      std::optional<bool> known = co_await logged(xid);
      if (!known) co_return;
      if (!*known) co_await decide_prepared(db, tm_.node(), xid, false);
    }
    Message rec;
    rec.type = "mq.tx_recover";
    RpcResult r = co_await tm_.call(broker_, std::move(rec), timeout_us_);
    if (!r.ok || !r.reply.body.is_object()) co_return;
    for (const auto& p : r.reply.body.value("prepared", Json::array())) {
      std::string xid = p["xid"];
      if (tm_.now_us() - p["prepared_us"].get<TimeUs>() < in_doubt_us_) continue;
      std::optional<bool> known = co_await logged(xid);
      if (!known) co_return;
      if (!*known) co_await tm_.tx_decide(broker_, xid, false, timeout_us_);
    }
  }

  void subscribe(Context c, const std::string& svc) {
    ApplyOptions o;
    o.processing_us = consumer_processing_us_;
    subscribe_downstream(c, broker_, queue_, svc, workload_, o, variant_ == "auto_ack_consumer");
  }

  std::string variant_;
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
  p.variants = {
      {"correct",
       "database and broker session both prepare, the manager logs the decision, both commit; "
       "recovery resolves in-doubt work",
       {}},
      {"db_then_mq_commit",
       "commit the database, then send and commit the broker session; a crash between loses the "
       "message",
       {"atomicity", "conservation", "no_lost", "termination"}},
      {"mq_then_db_commit",
       "commit the broker session, then the database; a crash between leaves a phantom message",
       {"atomicity", "conservation", "no_phantom"}},
      {"auto_ack_consumer",
       "the consumer acknowledges on receipt; a crash before its commit loses the effect",
       {"atomicity", "conservation", "no_lost", "termination"}},
  };
  p.workloads = {"transfer", "order"};
  p.invariants = {"conservation", "atomicity",    "no_lost",
                  "no_phantom",   "exactly_once", "termination"};
  p.needs_broker = true;
  p.make = [](const std::string& v) { return std::make_unique<MqTransaction>(v); };
  return p;
}

}  // namespace dtx
