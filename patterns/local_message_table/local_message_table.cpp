// Local message table: the business write and a PENDING message row commit together; a
// sender on the origin service delivers due rows straight to the consumer service by RPC
// (no broker), marks DONE on the ack, resends with capped exponential backoff, and after
// max attempts marks the row DEAD and raises an alert. Consumers dedupe in the effect's txn.
#include "patterns/local_message_table/local_message_table.hpp"

#include <algorithm>

#include "patterns/common/apply.hpp"

namespace dtx {

namespace {

// The sender's protocol with the downstream services (the transaction rides in the payload,
// as the message row holds it).
struct LmtDeliver {  // lmt.deliver: apply branch `branch` of the payload's transaction
  std::string branch;
};
struct LmtAck {  // the reply: true once the effect committed (or was already there)
  bool ok = false;
};

// What the variants change, as data (the table in local_message_table_info() sets them).
struct Knobs {
  bool done_on_send = false;       // the sender marks DONE when it sends, before any reply
  bool done_on_any_reply = false;  // the sender marks DONE on a reply that says "failed"
  bool consumer_dedupe = true;     // consumers drop requests they already applied
  bool ack_before_commit = false;  // consumers reply before their effect commits
};

class LocalMessageTable : public Pattern {
 public:
  explicit LocalMessageTable(const Knobs& knobs) : knobs_(knobs) {}

  void configure(Reader& p) override {
    poll_us_ = p.interval_us("poll_interval_ms", 100, "sender scan interval (ms)");
    rpc_timeout_us_ = p.interval_us("rpc_timeout_ms", 1000, "delivery timeout (ms)");
    backoff_us_ = p.interval_us("backoff_ms", 200, "first resend delay, doubled per attempt (ms)");
    backoff_cap_us_ = p.interval_us("backoff_cap_ms", 5000, "resend delay cap (ms)");
    max_attempts_ =
        p.integer("max_attempts", 20, 1, 1000000, "attempts before the row is marked DEAD");
    batch_ = p.integer("batch", 100, 1, 100000, "rows per scan");
    consumer_processing_us_ =
        p.millis_us("consumer_processing_ms", 1, "consumer work between dedupe and effect (ms)");
    business_delay_us_ =
        p.millis_us("business_delay_ms", 0, "origin transaction stays open this long (ms)");
    ack_gap_us_ = p.millis_us("ack_before_commit_gap_ms", 5,
                              "ack_before_commit: time between reply and commit (ms)");
  }

  void setup(Setup& s) override {
    workload_ = &s.workload();
    origin_svc_ = workload_->service(workload_->roles().front());
    origin_db_ = s.database_of(origin_svc_);
    // Rows are never deleted: a plain rowid key numbers them as AUTOINCREMENT would, without
    // its sqlite_sequence write on every insert.
    s.exec_now(
        origin_db_,
        "CREATE TABLE msg(id INTEGER PRIMARY KEY, gid TEXT NOT NULL, branch TEXT "
        "NOT NULL, "
        "target TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'PENDING', "
        "attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL DEFAULT 0)");
    // Only PENDING rows are indexed (a partial index, as queue tables keep one): the sender
    // reads them in id order without a sort, and marking a row DONE only drops its entry.
    s.exec_now(origin_db_, "CREATE INDEX msg_pending ON msg(id) WHERE status = 'PENDING'");
    sender_ = s.service(origin_svc_);
    sender_.on_start([this] { sender_.spawn(send_loop()); });
    sender_.on_restart([this] { sender_.spawn(send_loop()); });
    for (const auto& role : workload_->roles()) {
      std::string svc = workload_->service(role);
      if (svc == origin_svc_) continue;
      create_received_table(s, s.database_of(svc));
      for (Context c : s.instances(svc)) serve(c);
    }
  }

  Task<void> begin(Context ctx, BusinessTxn t) override {
    Txn tx = ctx.begin(origin_db_, t.gid);
    if (!(co_await origin_action(ctx, *workload_, tx, t))) co_return;
    for (const auto& b : t.branches) {
      if (b.name == t.origin().name) continue;
      DbResult r =
          co_await tx.exec("INSERT INTO msg(gid, branch, target, payload) VALUES(?, ?, ?, ?)",
                           t.gid, b.name, b.service, t.to_text());
      if (!r.ok) co_return;
    }
    if (business_delay_us_ > 0) co_await ctx.sleep(business_delay_us_);
    co_await tx.commit();
  }

 private:
  Task<void> send_loop() {
    Context ctx = sender_;
    for (;;) {
      co_await ctx.sleep(poll_us_);
      DbResult due = co_await ctx.exec(origin_db_,
                                       "SELECT id, gid, branch, target, payload, attempts FROM msg "
                                       "WHERE status = 'PENDING' AND next_at <= ? "
                                       "ORDER BY id LIMIT ?",
                                       args(ctx.now_us(), batch_));
      if (!due.ok) continue;
      for (size_t i = 0; i < due.rows.size(); ++i) co_await deliver(ctx, due, i);
    }
  }

  Task<void> deliver(Context ctx, const DbResult& due, size_t i) {
    int64_t id = due.integer(i, 0), attempts = due.integer(i, 5) + 1;
    std::string gid = due.text(i, 1);
    if (attempts > 1)
      ctx.record(Kind::retry, gid, Detail::of({{"what", "deliver"}, {"attempt", attempts}}));
    Message m;
    m.type = "lmt.deliver";
    m.gid = gid;
    m.body = LmtDeliver{due.text(i, 2)};
    m.payload = Detail::from_text(due.text(i, 4));  // the transaction, as the row holds it
    if (knobs_.done_on_send) {
      co_await ctx.exec(origin_db_, "UPDATE msg SET status = 'DONE', attempts = ? WHERE id = ?",
                        args(attempts, id));
      ctx.send(due.text(i, 3), std::move(m));
      co_return;
    }
    RpcResult r = co_await ctx.call(due.text(i, 3), std::move(m), rpc_timeout_us_);
    // Only an answer that says the effect committed ends the row; `ok: false` (the consumer's
    // database failed) means "send again".
    const LmtAck* ack = r.answer<LmtAck>();
    bool acked = ack && ack->ok;
    if (acked || (r.ok && knobs_.done_on_any_reply)) {
      co_await ctx.exec(origin_db_, "UPDATE msg SET status = 'DONE', attempts = ? WHERE id = ?",
                        args(attempts, id));
      co_return;
    }
    if (attempts >= max_attempts_) {
      DbResult d =
          co_await ctx.exec(origin_db_, "UPDATE msg SET status = 'DEAD', attempts = ? WHERE id = ?",
                            args(attempts, id));
      if (d.ok) {
        ctx.record(
            Kind::alert, gid,
            {{"text", "message marked DEAD after " + std::to_string(attempts) + " attempts"}});
        ctx.count("alerts");
      }
      co_return;
    }
    TimeUs delay = std::min(backoff_cap_us_, backoff_us_ << std::min<int64_t>(attempts - 1, 30));
    co_await ctx.exec(origin_db_, "UPDATE msg SET attempts = ?, next_at = ? WHERE id = ?",
                      args(attempts, ctx.now_us() + delay, id));
  }

  static Task<void> apply_later(Context c, const Workload* w, BusinessTxn t, Branch b,
                                ApplyOptions o) {
    co_await apply_downstream(c, *w, std::move(t), std::move(b), o);
  }

  void serve(Context c) {
    const Workload* w = workload_;
    ApplyOptions o;
    o.processing_us = consumer_processing_us_;
    o.dedupe = knobs_.consumer_dedupe;
    bool ack_first = knobs_.ack_before_commit;
    TimeUs gap = ack_gap_us_;
    if (ack_first) o.business_delay_us = gap;
    c.handle("lmt.deliver", [c, w, o, ack_first](Message m) -> Task<Body> {
      const LmtDeliver* q = m.body.as<LmtDeliver>();
      if (!q) co_return LmtAck{false};
      BusinessTxn t = BusinessTxn::from_text(m.payload.text());
      const Branch* b = t.branch(q->branch);
      if (!b) co_return LmtAck{false};
      if (ack_first) {
        // Reply now, commit later: the sender marks DONE before the effect is durable.
        Context cc = c;
        cc.spawn(apply_later(c, w, t, *b, o));
        co_return LmtAck{true};
      }
      ApplyResult r = co_await apply_downstream(c, *w, t, *b, o);
      co_return LmtAck{r != ApplyResult::failed};
    });
  }

  Knobs knobs_;
  TimeUs consumer_processing_us_ = kUsPerMs;
  TimeUs poll_us_ = 100 * kUsPerMs, rpc_timeout_us_ = kUsPerS, backoff_us_ = 200 * kUsPerMs,
         backoff_cap_us_ = 5 * kUsPerS, business_delay_us_ = 0, ack_gap_us_ = 5 * kUsPerMs;
  int64_t max_attempts_ = 20, batch_ = 100;
  const Workload* workload_ = nullptr;
  std::string origin_svc_, origin_db_;
  Context sender_;
};

}  // namespace

PatternInfo local_message_table_info() {
  PatternInfo p;
  p.name = "local_message_table";
  p.summary =
      "local message table: PENDING row in the business transaction, sender with ack, backoff and "
      "DEAD";
  define_variants<LocalMessageTable, Knobs>(
      p, {
             {{"correct",
               "message row committed with the business write; DONE only on the consumer's ack; "
               "consumer dedupes",
               {}},
              {}},
             {{"consumer_no_dedupe",
               "consumer applies every request; a lost ack makes the sender resend and apply twice",
               {"exactly_once", "conservation"}},
              {.consumer_dedupe = false}},
             {{"done_on_send",
               "sender marks DONE when it sends; a dropped request is never resent",
               {"no_lost", "atomicity"}},
              {.done_on_send = true}},
             {{"done_on_any_reply",
               "sender marks DONE on any reply, even the consumer's `ok: false` when its "
               "database failed",
               {"no_lost", "atomicity"}},
              {.done_on_any_reply = true}},
             {{"ack_before_commit",
               "consumer acks before its effect commits; a consumer crash between loses it",
               {"no_lost", "atomicity"}},
              {.ack_before_commit = true}},
         });
  p.workloads = {"transfer", "order"};
  p.invariants = {"conservation", "atomicity",    "no_lost",
                  "no_phantom",   "exactly_once", "termination"};
  p.requirements = {
      "none beyond the services: the producer calls the consumer directly",
      "message table (PENDING / DONE / DEAD) in the producer's database",
      "one INSERT in the business transaction and a sender job with backoff; DEAD rows "
      "raise an alert an operator handles",
      "dedupe and effect in one local transaction, then an ack reply",
      "low: no broker; the producer owns retries and alerting"};
  return p;
}

}  // namespace dtx
