// RocketMQ-style transactional message: the producer sends a half message (stored, not
// visible), runs its local transaction, then sends a one-way COMMIT or ROLLBACK. The broker
// scans half messages older than the transaction timeout and asks any producer instance of
// the group to check back; UNKNOWN changes nothing, and after check_max answered UNKNOWNs the
// broker applies its policy (discard by default). The correct check-back is the barrier
// trick: INSERT OR IGNORE the transaction's key with reason 'rollback', which waits for an
// in-flight transaction, so it never has to answer UNKNOWN.
#include "patterns/common/apply.hpp"
#include "patterns/common/barrier.hpp"
#include "patterns/mq_transaction/mq_transaction.hpp"

namespace dtx {

namespace {

// What the variants change, as data (the table in mq_half_message_info() sets them).
struct Knobs {
  enum class CheckBack { barrier, select_unknown, select_commit };
  // barrier: INSERT OR IGNORE decides; select_*: a SELECT, answering UNKNOWN or COMMIT on
  // "no row found".
  CheckBack check_back = CheckBack::barrier;
  bool duplicate_commit = false;  // the producer also publishes a copy; consumers do not dedupe
};

class MqHalfMessage : public Pattern {
 public:
  explicit MqHalfMessage(const Knobs& knobs) : knobs_(knobs) {}

  void configure(Reader& p) override {
    timeout_us_ = p.interval_us("request_timeout_ms", 1000, "broker call timeout (ms)");
    business_delay_us_ = p.millis_us("business_delay_ms", 0,
                                     "local transaction stays open this long before commit (ms)");
    end_delay_us_ = p.millis_us("end_delay_ms", 0,
                                "app work between the local commit and the one-way COMMIT (ms)");
    consumer_processing_us_ =
        p.millis_us("consumer_processing_ms", 1, "consumer work between receipt and effect (ms)");
    queue_ = p.name("queue", "transfers", false, "broker topic");
    group_ = p.name("producer_group", "producers", false, "producer group the broker checks back");
  }

  void setup(Setup& s) override {
    workload_ = &s.workload();
    broker_ = s.broker();
    origin_svc_ = workload_->service(workload_->roles().front());
    origin_db_ = s.database_of(origin_svc_);
    create_barrier_table(s, origin_db_);
    for (Context c : s.instances(origin_svc_)) {
      c.handle("mq.checkback", [this, c](Message m) { return check_back(c, std::move(m)); });
      auto reg = [this, c] {
        Context cc = c;
        cc.spawn(register_loop(cc));
      };
      c.on_start(reg);
      c.on_restart(reg);
    }
    ApplyOptions o;
    o.processing_us = consumer_processing_us_;
    o.dedupe = !knobs_.duplicate_commit;  // this variant pairs with a non-idempotent consumer
    for (const auto& role : workload_->roles()) {
      std::string svc = workload_->service(role);
      if (svc == origin_svc_) continue;
      create_received_table(s, s.database_of(svc));
      for (Context c : s.instances(svc))
        subscribe_downstream(c, broker_, queue_, svc, workload_, o);
    }
  }

  Task<void> begin(Context ctx, BusinessTxn t) override {
    std::optional<uint64_t> half =
        co_await ctx.send_half(broker_, queue_, t.gid, t.to_json(), group_, timeout_us_);
    if (!half) co_return;
    Txn tx = ctx.begin(origin_db_, t.gid);
    BarrierDecision d = co_await barrier_enter(tx, t.gid, "00", "msg");
    BranchOutcome out = BranchOutcome::error;
    if (d == BarrierDecision::run) out = co_await workload_->action(tx, t, t.origin());
    if (out != BranchOutcome::applied) {
      co_await tx.rollback();
      ctx.end_half(broker_, *half, "rollback", t.gid);
      if (out == BranchOutcome::refused) {
        ctx.record(Kind::gtx, t.gid, Detail::of(t.started_record()));
        ctx.record(Kind::gtx, t.gid, rejected_detail());
      }
      co_return;
    }
    tx.gtx(t.started_record());
    if (business_delay_us_ > 0) co_await ctx.sleep(business_delay_us_);
    if (!(co_await tx.commit()).ok) {
      ctx.end_half(broker_, *half, "rollback", t.gid);
      co_return;
    }
    if (end_delay_us_ > 0) co_await ctx.sleep(end_delay_us_);
    ctx.end_half(broker_, *half, "commit", t.gid);
    if (knobs_.duplicate_commit) {
      // "To be safe" the producer also publishes the message itself: a second copy.
      co_await ctx.publish_text(broker_, queue_, t.gid, t.to_text(), timeout_us_);
    }
  }

 private:
  Task<void> register_loop(Context c) {
    // No co_await in a loop condition: GCC 12 miscompiles it.
    for (;;) {
      bool ok = co_await c.register_producer(broker_, group_, timeout_us_);
      if (ok) co_return;
      co_await c.sleep(timeout_us_);
    }
  }

  Task<Body> check_back(Context c, Message m) {
    std::string gid = m.gid;
    if (knobs_.check_back != Knobs::CheckBack::barrier) {
      bool found = co_await barrier_row_exists(c, origin_db_, gid);
      const char* missing =
          knobs_.check_back == Knobs::CheckBack::select_unknown ? "unknown" : "commit";
      co_return MqCheckbackAnswer{found ? "commit" : missing};
    }
    // The insert decides; when the database cannot be reached the check did not happen, which
    // is not UNKNOWN ("I looked and cannot tell"): answer an error, which the broker does not
    // count toward check_max, and it asks again later.
    std::string r = co_await barrier_query_prepared(c, origin_db_, gid);
    co_return MqCheckbackAnswer{r == "committed"  ? "commit"
                                : r == "rollback" ? "rollback"
                                                  : "error"};
  }

  Knobs knobs_;
  TimeUs timeout_us_ = kUsPerS, business_delay_us_ = 0, end_delay_us_ = 0,
         consumer_processing_us_ = kUsPerMs;
  std::string queue_ = "transfers", group_ = "producers";
  const Workload* workload_ = nullptr;
  std::string broker_, origin_svc_, origin_db_;
};

}  // namespace

PatternInfo mq_half_message_info() {
  PatternInfo p;
  p.name = "mq_half_message";
  p.summary = "RocketMQ-style half message, local transaction, one-way commit, broker check-back";
  using CB = Knobs::CheckBack;
  define_variants<MqHalfMessage, Knobs>(
      p, {
             {{"correct",
               "check-back by the barrier's INSERT OR IGNORE: waits for an in-flight "
               "transaction, never UNKNOWN (an unreachable database is an error, not counted "
               "toward check_max)",
               {}},
              {}},
             {{"heuristic_discard",
               "check-back by SELECT answers UNKNOWN when it finds nothing; a stall longer than "
               "the discard horizon leaves the effect without its message",
               {"atomicity", "conservation", "no_lost", "termination"}},
              {.check_back = CB::select_unknown}},
             {{"checkback_commit_if_missing",
               "check-back answers COMMIT when it finds nothing; a rolled-back transaction is "
               "delivered (phantom)",
               {"atomicity", "conservation", "no_phantom"}},
              {.check_back = CB::select_commit}},
             {{"duplicate_commit",
               "the producer commits the half message and also publishes it; with a "
               "non-idempotent consumer the effect applies twice",
               {"conservation", "exactly_once"}},
              {.duplicate_commit = true}},
         });
  p.workloads = {"transfer", "order"};
  p.invariants = {"conservation", "atomicity",    "no_lost",
                  "no_phantom",   "exactly_once", "termination"};
  p.needs_broker = true;
  p.requirements = {
      "a broker with half messages and check-back (RocketMQ style)",
      "none beyond the business tables: the check-back reads the business row",
      "sends a half message, runs the business transaction, sends a one-way commit or "
      "rollback, answers check-backs",
      "dedupe by message id in the same local transaction as the effect",
      "medium: a broker feature few brokers have, and a check-back handler"};
  return p;
}

}  // namespace dtx
