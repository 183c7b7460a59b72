// 2-phase message (dtm): prepare at the coordinator; one local transaction holding the
// barrier insert and the business write; submit. If the app dies before submitting, the
// coordinator's check-back inserts the same barrier key with reason 'rollback' (waiting for
// an in-flight transaction) and reads who won: committed => submit, rolled back => failed.
// Downstream branches are called until they succeed, each guarded by its own barrier.
#include "patterns/two_phase_message/two_phase_message.hpp"

#include "patterns/common/barrier.hpp"
#include "patterns/common/branch_server.hpp"
#include "patterns/coordinator/coordinator.hpp"

namespace dtx {

namespace {

// What the variants change, as data (the table in two_phase_message_info() sets them).
struct Knobs {
  // barrier: the check-back inserts the key with reason 'rollback' (waits for an in-flight
  // transaction); select_heuristic: a SELECT, rollback after checkback_max "not found";
  // select_unknown: a SELECT, "not found" means keep waiting.
  enum class CheckBack { barrier, select_heuristic, select_unknown };
  CheckBack check_back = CheckBack::barrier;
  bool barrier_separate_txn = false;  // the barrier row commits before the business write
  bool submit_before_commit = false;  // submit to the coordinator, then commit locally
};

class TwoPhaseMessage : public Pattern {
 public:
  explicit TwoPhaseMessage(const Knobs& knobs) : knobs_(knobs) {}

  void configure(Reader& p) override {
    tm_.configure(p);
    business_delay_us_ = p.millis_us("business_delay_ms", 0,
                                     "local transaction stays open this long before commit (ms)");
    gap_us_ = p.millis_us("barrier_gap_ms", 1,
                          "barrier_separate_txn: time between the two transactions (ms)");
    submit_delay_us_ =
        p.millis_us("submit_delay_ms", 0, "app work between the local commit and submit (ms)");
    wait_result_ =
        p.boolean("wait_result", false,
                  "submit waits until the downstream branches have run (dtm's WaitResult)");
    checkback_max_ = p.integer("checkback_max", 3, 1, 1000,
                               "checkback_select_heuristic: 'not found' answers before rollback");
  }

  void setup(Setup& s) override {
    tm_.setup(s);
    workload_ = &s.workload();
    origin_svc_ = workload_->service(workload_->roles().front());
    origin_db_ = s.database_of(origin_svc_);
    for (const auto& role : workload_->roles()) {
      std::string svc = workload_->service(role);
      create_barrier_table(s, s.database_of(svc));
      for (Context c : s.instances(svc)) install_branch_server(c, workload_, {});
    }
    for (Context c : s.instances(origin_svc_)) {
      c.handle_typed<CheckbackQuery>(
          "msg.query_prepared",
          [this, c](CheckbackQuery q, Message) { return query_prepared(c, std::move(q)); },
          tm_result("ONGOING"));
    }
  }

  Task<void> begin(Context ctx, BusinessTxn t) override {
    TimeUs rt = tm_.config().request_timeout_us;
    TmPrepare prep{"msg", t, ctx.name()};
    if (co_await tm_call(ctx, tm_.name(), "tm.prepare", t.gid, std::move(prep), rt) != "SUCCESS")
      co_return;
    Txn tx = ctx.begin(origin_db_, t.gid);
    if (knobs_.barrier_separate_txn) {
      BarrierDecision d = co_await barrier_enter(tx, t.gid, "00", "msg");
      if (d != BarrierDecision::run) co_return;
      if (!(co_await tx.commit()).ok) co_return;
      co_await ctx.sleep(gap_us_);
      tx = ctx.begin(origin_db_, t.gid);
    } else {
      BarrierDecision d = co_await barrier_enter(tx, t.gid, "00", "msg");
      if (d != BarrierDecision::run) {
        co_await tx.rollback();
        co_return;
      }
    }
    BranchOutcome out = co_await workload_->action(tx, t, t.origin());
    if (out != BranchOutcome::applied) {
      co_await tx.rollback();
      co_await tm_call(ctx, tm_.name(), "tm.abort", t.gid, tm_gid(t.gid), rt);
      co_return;
    }
    if (knobs_.submit_before_commit) {
      co_await tm_call(ctx, tm_.name(), "tm.submit", t.gid, tm_gid(t.gid), rt);
      if (business_delay_us_ > 0) co_await ctx.sleep(business_delay_us_);
      co_await tx.commit();
      co_return;
    }
    if (business_delay_us_ > 0) co_await ctx.sleep(business_delay_us_);
    if (!(co_await tx.commit()).ok) {
      co_await tm_call(ctx, tm_.name(), "tm.abort", t.gid, tm_gid(t.gid), rt);
      co_return;
    }
    if (submit_delay_us_ > 0) co_await ctx.sleep(submit_delay_us_);
    TmGid submit{t.gid, wait_result_};
    std::string result =
        co_await tm_call(ctx, tm_.name(), "tm.submit", t.gid, std::move(submit), rt);
    if (wait_result_)
      ctx.record(Kind::note, t.gid, Detail::of({{"text", "submit answered " + result}}));
  }

 private:
  Task<Body> query_prepared(Context c, CheckbackQuery q) {
    std::string gid = q.gid;
    if (knobs_.check_back != Knobs::CheckBack::barrier) {
      bool found = co_await barrier_row_exists(c, origin_db_, gid);
      if (found) co_return tm_result("SUCCESS");
      bool give_up =
          knobs_.check_back == Knobs::CheckBack::select_heuristic && q.check >= checkback_max_;
      co_return tm_result(give_up ? "FAILURE" : "ONGOING");
    }
    std::string r = co_await barrier_query_prepared(c, origin_db_, gid);
    co_return tm_result(r == "committed" ? "SUCCESS" : r == "rollback" ? "FAILURE" : "ONGOING");
  }

  Knobs knobs_;
  Coordinator tm_;
  TimeUs business_delay_us_ = 0, gap_us_ = kUsPerMs, submit_delay_us_ = 0;
  int64_t checkback_max_ = 3;
  bool wait_result_ = false;
  const Workload* workload_ = nullptr;
  std::string origin_svc_, origin_db_;
};

}  // namespace

PatternInfo two_phase_message_info() {
  PatternInfo p;
  p.name = "two_phase_message";
  p.summary =
      "dtm's 2-phase message: prepare, local txn with barrier, submit; check-back by INSERT OR "
      "IGNORE";
  using CB = Knobs::CheckBack;
  define_variants<TwoPhaseMessage, Knobs>(
      p, {
             {{"correct",
               "barrier row in the business transaction; check-back inserts the same key with "
               "reason 'rollback'",
               {}},
              {}},
             {{"checkback_select_heuristic",
               "RocketMQ-style check-back by SELECT; 'not found' N times => rollback; a stall "
               "longer than that commits a debit without its credit",
               {"atomicity", "conservation", "no_lost"}},
              {.check_back = CB::select_heuristic}},
             {{"checkback_select_unknown",
               "check-back by SELECT; 'not found' => keep waiting; a crash before commit leaves "
               "the message prepared forever",
               {"termination"}},
              {.check_back = CB::select_unknown}},
             {{"barrier_separate_txn",
               "barrier row and business write in separate transactions; a crash between makes "
               "the check-back say committed without the effect",
               {"atomicity", "conservation", "no_phantom"}},
              {.barrier_separate_txn = true}},
             {{"submit_before_commit",
               "submit, then commit; a failed or crashed commit leaves downstream effects "
               "without their origin",
               {"atomicity", "conservation", "no_phantom"}},
              {.submit_before_commit = true}},
         });
  p.workloads = {"transfer", "order"};
  p.invariants = {"conservation", "atomicity",    "no_lost",
                  "no_phantom",   "exactly_once", "termination"};
  p.needs_coordinator = true;
  p.requirements = {
      "a transaction coordinator (dtm-like) with its own durable storage",
      "barrier table in the producer's database and in every branch's",
      "prepare, the business transaction with a barrier insert, submit; a check-back endpoint the "
      "coordinator queries",
      "branch handlers the coordinator calls and retries until success, guarded by the barrier",
      "medium: a coordinator and a check-back endpoint; consumers need no broker"};
  return p;
}

}  // namespace dtx
