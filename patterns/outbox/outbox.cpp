// Transactional outbox: the business write and an outbox row commit in one local
// transaction; a relay (its own node) publishes unpublished rows to the broker and marks
// them, either by polling the table or by tailing the commit-ordered log with a periodically
// flushed offset; consumers dedupe in the same transaction as the effect.
// Broken variants differ from `correct` by the knobs their row in the table at the end sets.
#include "patterns/outbox/outbox.hpp"

#include "patterns/common/apply.hpp"

namespace dtx {

namespace {

// What the variants change, as data (the table in outbox_info() sets them).
struct Knobs {
  enum class DualWrite { none, commit_first, publish_first };
  DualWrite dual_write = DualWrite::none;  // no outbox: the commit and the publish are two writes
  bool watermark_polling = false;          // relay polls id > last_id instead of unpublished rows
  bool mark_before_ack = false;            // relay marks a row published before the broker acks
  bool consumer_dedupe = true;             // consumers drop redeliveries of applied events
  bool dedupe_separate_txn = false;        // the dedupe row commits before the effect
};

class Outbox : public Pattern {
 public:
  explicit Outbox(const Knobs& knobs) : knobs_(knobs) {}

  void configure(Reader& p) override {
    relay_ =
        p.string("relay", "polling", false, "polling or log_tailing", {"polling", "log_tailing"});
    poll_us_ = p.interval_us("poll_interval_ms", 100, "relay poll interval (ms)");
    batch_ = p.integer("batch", 100, 1, 100000, "rows per poll");
    flush_us_ = p.interval_us("offset_flush_ms", 500, "log-tailing: offset flush interval (ms)");
    publish_timeout_us_ = p.interval_us("publish_timeout_ms", 1000, "broker ack timeout (ms)");
    think_us_ =
        p.millis_us("think_ms_mean", 0,
                    "mean app work between taking the event id and the local transaction (ms)");
    consumer_processing_us_ =
        p.millis_us("consumer_processing_ms", 1, "consumer work between dedupe and effect (ms)");
    business_delay_us_ = p.millis_us("business_delay_ms", 0,
                                     "origin transaction stays open this long before commit (ms)");
    queue_ = p.name("queue", "events", false, "broker queue/topic");
  }

  void setup(Setup& s) override {
    workload_ = &s.workload();
    broker_ = s.broker();
    origin_svc_ = workload_->service(workload_->roles().front());
    origin_db_ = s.database_of(origin_svc_);
    // Rows are never deleted, so a plain rowid key gives the same positions as AUTOINCREMENT
    // would (max + 1) without its extra sqlite_sequence write on every insert.
    s.exec_now(
        origin_db_,
        "CREATE TABLE outbox(pos INTEGER PRIMARY KEY, id INTEGER NOT NULL, gid TEXT "
        "NOT NULL, "
        "aggregate TEXT NOT NULL, payload TEXT NOT NULL, published INTEGER NOT NULL DEFAULT 0)");
    // Only unpublished rows are indexed (a partial index): the relay reads them in id order,
    // and marking a row published only drops its entry.
    s.exec_now(origin_db_, "CREATE INDEX outbox_unpublished ON outbox(id) WHERE published = 0");
    s.exec_now(origin_db_, "CREATE INDEX outbox_id ON outbox(id)");
    s.exec_now(origin_db_, "CREATE TABLE outbox_seq(id INTEGER PRIMARY KEY)");
    s.exec_now(origin_db_, "CREATE TABLE relay_offset(pos INTEGER NOT NULL)");
    s.exec_now(origin_db_, "INSERT INTO relay_offset VALUES(0)");
    relay_ctx_ = s.add_node(origin_svc_ + ".relay", "relay", origin_svc_);
    relay_ctx_.on_start([this] { start_relay(); });
    relay_ctx_.on_restart([this] { start_relay(); });
    for (const auto& role : workload_->roles()) {
      std::string svc = workload_->service(role);
      if (svc == origin_svc_) continue;
      create_received_table(s, s.database_of(svc));
      for (Context c : s.instances(svc)) subscribe(c, svc);
    }
  }

  Task<void> begin(Context ctx, BusinessTxn t) override {
    if (knobs_.dual_write != Knobs::DualWrite::none) {
      co_await dual_write(ctx, t);
      co_return;
    }
    // The event id comes from a sequence outside the transaction (like nextval: a row added
    // to outbox_seq in its own write, its rowid the id), so ids are not in commit order; only
    // the log position is.
    DbResult seq = co_await ctx.exec(origin_db_, "INSERT INTO outbox_seq DEFAULT VALUES");
    if (!seq.ok) co_return;
    if (think_us_ > 0) co_await ctx.sleep(ctx.rng().exponential(static_cast<double>(think_us_)));
    Txn tx = ctx.begin(origin_db_, t.gid);
    if (!(co_await origin_action(ctx, *workload_, tx, t))) co_return;
    DbResult ins =
        co_await tx.exec("INSERT INTO outbox(id, gid, aggregate, payload) VALUES(?, ?, ?, ?)",
                         seq.inserted_id, t.gid, t.order_key, t.to_text());
    if (!ins.ok) co_return;
    if (business_delay_us_ > 0) co_await ctx.sleep(business_delay_us_);
    co_await tx.commit();
  }

 private:
  // No outbox: the business commit and the publish are two separate writes.
  Task<void> dual_write(Context ctx, BusinessTxn t) {
    Txn tx = ctx.begin(origin_db_, t.gid);
    if (!(co_await origin_action(ctx, *workload_, tx, t))) co_return;
    if (knobs_.dual_write == Knobs::DualWrite::publish_first) {
      co_await ctx.publish_text(broker_, queue_, t.gid, t.to_text(), publish_timeout_us_);
      if (business_delay_us_ > 0) co_await ctx.sleep(business_delay_us_);
      co_await tx.commit();
      co_return;
    }
    if (business_delay_us_ > 0) co_await ctx.sleep(business_delay_us_);
    DbResult c = co_await tx.commit();
    if (!c.ok) co_return;
    co_await ctx.sleep(publish_gap_us_);
    co_await ctx.publish_text(broker_, queue_, t.gid, t.to_text(), publish_timeout_us_);
  }

  void start_relay() {
    if (knobs_.dual_write != Knobs::DualWrite::none) return;
    if (relay_ == "log_tailing") {
      relay_ctx_.spawn(tail_loop());
    } else {
      relay_ctx_.spawn(poll_loop());
    }
  }

  // Polling relay: unpublished rows in id order; mark each only after the broker's ack.
  // The watermark_polling knob reads `id > last_id` instead; mark_before_ack marks first.
  Task<void> poll_loop() {
    Context ctx = relay_ctx_;
    int64_t last_id = 0;
    for (;;) {
      co_await ctx.sleep(poll_us_);
      bool watermark = knobs_.watermark_polling;
      // No co_await inside ?: -- GCC 12 miscompiles conditional co_await expressions.
      DbResult rows;
      if (watermark) {
        rows = co_await ctx.exec(
            origin_db_, "SELECT id, gid, payload FROM outbox WHERE id > ? ORDER BY id LIMIT ?",
            args(last_id, batch_));
      } else {
        rows = co_await ctx.exec(
            origin_db_,
            "SELECT id, gid, payload FROM outbox WHERE published = 0 ORDER BY id LIMIT ?",
            args(batch_));
      }
      if (!rows.ok) continue;
      for (size_t i = 0; i < rows.rows.size(); ++i) {
        int64_t id = rows.integer(i, 0);
        std::string gid = rows.text(i, 1);
        std::string payload = rows.text(i, 2);  // JSON text, published as it is
        if (knobs_.mark_before_ack) {
          co_await ctx.exec(origin_db_, "UPDATE outbox SET published = 1 WHERE id = ?", args(id));
          bool ok = co_await ctx.publish_text(broker_, queue_, gid, std::move(payload),
                                              publish_timeout_us_);
          if (!ok) ctx.count("publish_unacked");
          continue;
        }
        bool ok = co_await ctx.publish_text(broker_, queue_, gid, std::move(payload),
                                            publish_timeout_us_);
        if (!ok) {
          ctx.record(Kind::retry, gid, Detail::of({{"what", "publish"}}));
          break;  // keep order: retry this row first on the next poll
        }
        if (watermark) {
          last_id = std::max(last_id, id);
        } else {
          co_await ctx.exec(origin_db_, "UPDATE outbox SET published = 1 WHERE id = ?", args(id));
        }
      }
    }
  }

  // Log-tailing relay: rows in commit (log) order from the last flushed offset; the offset
  // is flushed periodically, so a relay crash republishes a few rows (consumers dedupe).
  Task<void> tail_loop() {
    Context ctx = relay_ctx_;
    DbResult off = co_await ctx.exec(origin_db_, "SELECT pos FROM relay_offset");
    int64_t pos = off.ok ? off.integer() : 0;
    TimeUs last_flush = ctx.now_us();
    for (;;) {
      co_await ctx.sleep(poll_us_);
      DbResult rows = co_await ctx.exec(
          origin_db_, "SELECT pos, gid, payload FROM outbox WHERE pos > ? ORDER BY pos LIMIT ?",
          args(pos, batch_));
      if (!rows.ok) continue;
      for (size_t i = 0; i < rows.rows.size(); ++i) {
        bool ok = co_await ctx.publish_text(broker_, queue_, rows.text(i, 1), rows.text(i, 2),
                                            publish_timeout_us_);
        if (!ok) {
          ctx.record(Kind::retry, rows.text(i, 1), Detail::of({{"what", "publish"}}));
          break;
        }
        pos = rows.integer(i, 0);
      }
      if (ctx.now_us() - last_flush >= flush_us_) {
        co_await ctx.exec(origin_db_, "UPDATE relay_offset SET pos = ?", args(pos));
        last_flush = ctx.now_us();
      }
    }
  }

  void subscribe(Context c, const std::string& svc) {
    ApplyOptions o;
    o.processing_us = consumer_processing_us_;
    o.dedupe = knobs_.consumer_dedupe;
    o.separate_txn = knobs_.dedupe_separate_txn;
    subscribe_downstream(c, broker_, queue_, svc, workload_, o);
  }

  Knobs knobs_;
  TimeUs consumer_processing_us_ = kUsPerMs;
  std::string relay_ = "polling";
  TimeUs poll_us_ = 100 * kUsPerMs;
  int64_t batch_ = 100;
  TimeUs flush_us_ = 500 * kUsPerMs;
  TimeUs publish_timeout_us_ = kUsPerS;
  TimeUs think_us_ = 0;
  TimeUs business_delay_us_ = 0;
  TimeUs publish_gap_us_ = 1000;  // app work between commit and publish in the dual write
  std::string queue_ = "events";
  const Workload* workload_ = nullptr;
  std::string broker_;
  std::string origin_svc_, origin_db_;
  Context relay_ctx_;
};

}  // namespace

PatternInfo outbox_info() {
  PatternInfo p;
  p.name = "outbox";
  p.summary =
      "transactional outbox with a polling or log-tailing relay and deduplicating consumers";
  using DW = Knobs::DualWrite;
  define_variants<Outbox, Knobs>(
      p, {
             {{"correct",
               "outbox row in the business transaction; mark after broker ack; consumer dedupes "
               "in the effect's transaction",
               {}},
              {}},
             {{"dual_write_publish_first",
               "no outbox: publish, then commit; a crash or abort before commit leaves a phantom",
               {"no_phantom", "atomicity"}},
              {.dual_write = DW::publish_first}},
             {{"dual_write_commit_first",
               "no outbox: commit, then publish; a crash between loses the event",
               {"no_lost", "atomicity"}},
              {.dual_write = DW::commit_first}},
             {{"watermark_polling",
               "relay polls id > last_id; ids commit out of order, so a late commit is skipped "
               "forever",
               {"no_lost", "atomicity"}},
              {.watermark_polling = true}},
             {{"mark_before_ack",
               "relay marks a row published before the broker acks; a dropped publish is lost",
               {"no_lost", "atomicity"}},
              {.mark_before_ack = true}},
             {{"consumer_no_dedupe",
               "consumer applies every delivery; a redelivery applies twice",
               {"exactly_once", "conservation"}},
              {.consumer_dedupe = false}},
             {{"dedupe_separate_txn",
               "dedupe row committed before the effect; a crash between loses the effect",
               {"no_lost", "atomicity"}},
              {.dedupe_separate_txn = true}},
         });
  p.workloads = {"transfer", "order"};
  // per_key_order holds for the log-tailing relay; scenarios that want it list it.
  p.invariants = {"conservation", "atomicity",    "no_lost",
                  "no_phantom",   "exactly_once", "termination"};
  p.needs_broker = true;
  p.requirements = {
      "a broker with acknowledged publishes; a relay process (polling, or tailing the commit log)",
      "outbox (plus a sequence and the relay offset) in the producer's database",
      "one INSERT into the outbox inside the business transaction",
      "dedupe by message id (received table) in the same local transaction as the effect",
      "low: one insert at the producer, dedupe at consumers; delivery is asynchronous"};
  return p;
}

}  // namespace dtx
