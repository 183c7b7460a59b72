// TCC: the application opens a global transaction at the coordinator, registers each
// branch and calls its Try; all Try succeed => submit (the coordinator confirms every
// branch), any failure or timeout => abort (it cancels every registered branch in reverse
// order, including those whose Try never ran). Confirm and Cancel are retried until they
// succeed; the barrier makes them idempotent, turns a Cancel without Try into a null
// compensation and refuses a Try that arrives after its Cancel.
#include "patterns/tcc/tcc.hpp"

#include "patterns/common/barrier.hpp"
#include "patterns/common/branch_server.hpp"
#include "patterns/coordinator/coordinator.hpp"

namespace dtx {

namespace {

// What the variants change, as data (the table in tcc_info() sets them). The branch server
// and the coordinator are shared with saga; they take these as explicit options.
struct Knobs {
  bool null_compensation_guard = true;  // a Cancel whose Try never ran changes nothing
  bool try_guard = true;                // anti-hanging: a Try after its Cancel does nothing
  bool confirm_guard = true;            // a retried Confirm applies once
  bool check_then_act = false;          // guards read by SELECT, then act (a race)
  bool shared_branch_id = false;        // the coordinator gives every branch id 01
};

class Tcc : public Pattern {
 public:
  explicit Tcc(const Knobs& knobs) : knobs_(knobs) {}

  void configure(Reader& p) override {
    tm_.configure(p);
    try_timeout_us_ =
        p.interval_us("try_timeout_ms", 3000, "the application's Try call timeout (ms)");
    try_delay_us_ = p.millis_us("try_delay_ms", 0, "a Try's transaction stays open this long (ms)");
  }

  void setup(Setup& s) override {
    tm_.setup(s);
    tm_.set_shared_branch_id(knobs_.shared_branch_id);
    workload_ = &s.workload();
    BranchServerOptions o;
    o.try_delay_us = try_delay_us_;
    o.null_compensation_guard = knobs_.null_compensation_guard;
    if (!knobs_.try_guard) o.unguarded.insert("try");
    if (!knobs_.confirm_guard) o.unguarded.insert("confirm");
    o.check_then_act = knobs_.check_then_act;
    for (const auto& role : workload_->roles()) {
      std::string svc = workload_->service(role);
      create_barrier_table(s, s.database_of(svc));
      for (Context c : s.instances(svc)) install_branch_server(c, workload_, o);
    }
  }

  Task<void> begin(Context ctx, BusinessTxn t) override {
    TimeUs rt = tm_.config().request_timeout_us;
    TmPrepare prep{"tcc", t, ""};
    if (co_await tm_call(ctx, tm_.name(), "tm.prepare", t.gid, std::move(prep), rt) != "SUCCESS")
      co_return;
    for (size_t i = 0; i < t.branches.size(); ++i) {
      const Branch& b = t.branches[i];
      TmRegister reg{t.gid, b.name, static_cast<int64_t>(i)};
      if (co_await tm_call(ctx, tm_.name(), "tm.register", t.gid, std::move(reg), rt) !=
          "SUCCESS") {
        co_await tm_call(ctx, tm_.name(), "tm.abort", t.gid, tm_gid(t.gid), rt);
        co_return;
      }
      Message m;
      m.type = "branch.try";
      m.gid = t.gid;
      m.body = BranchCall{t, b.name, tm_.branch_id(i), "try"};
      RpcResult r = co_await ctx.call(b.service, std::move(m), try_timeout_us_);
      if (result_of(r) != "SUCCESS") {
        co_await tm_call(ctx, tm_.name(), "tm.abort", t.gid, tm_gid(t.gid), rt);
        co_return;
      }
    }
    co_await tm_call(ctx, tm_.name(), "tm.submit", t.gid, tm_gid(t.gid), rt);
  }

 private:
  Knobs knobs_;
  Coordinator tm_;
  TimeUs try_timeout_us_ = 3 * kUsPerS, try_delay_us_ = 0;
  const Workload* workload_ = nullptr;
};

}  // namespace

PatternInfo tcc_info() {
  PatternInfo p;
  p.name = "tcc";
  p.summary = "TCC with a dtm-like coordinator and the sub-transaction barrier";
  define_variants<Tcc, Knobs>(
      p, {
             {{"correct",
               "every branch operation guarded by the barrier (INSERT OR IGNORE in the branch's "
               "transaction)",
               {}},
              {}},
             {{"no_null_compensation_guard",
               "a Cancel whose Try never ran unfreezes what was never frozen",
               {"tcc_null_compensation"}},
              {.null_compensation_guard = false}},
             {{"no_anti_hanging_guard",
               "a Try delayed past its Cancel still freezes: an orphan reservation",
               {"tcc_no_hanging", "tcc_no_orphan"}},
              {.try_guard = false}},
             {{"check_then_act_guard",
               "guards by SELECT then act; a Cancel during a slow Try misses it and the "
               "reservation is orphaned; retried Cancels are not deduplicated either",
               {"tcc_no_orphan", "exactly_once"}},
              {.check_then_act = true}},
             {{"non_idempotent_confirm",
               "Confirm without the barrier; a retried Confirm applies twice",
               {"conservation", "exactly_once"}},
              {.confirm_guard = false}},
             {{"shared_branch_id",
               "every branch gets id 01; two branches in one database collide and one is skipped",
               {"atomicity", "conservation"}},
              {.shared_branch_id = true}},
         });
  p.workloads = {"transfer", "order"};
  p.invariants = {"conservation",  "atomicity",      "exactly_once",
                  "tcc_no_orphan", "tcc_no_hanging", "tcc_null_compensation",
                  "termination"};
  p.needs_coordinator = true;
  p.requirements = {
      "a transaction coordinator (dtm-like) with its own durable storage",
      "barrier table and a frozen / reserved column in every participant",
      "registers branches and drives Try, then Confirm or Cancel",
      "every participant implements Try, Confirm and Cancel, each idempotent, with "
      "null-compensation and anti-hanging guards",
      "high: three operations per branch in every service, and resources held between "
      "Try and Confirm"};
  return p;
}

}  // namespace dtx
