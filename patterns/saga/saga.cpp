// Saga (as in dtm): the application submits every branch's action and compensation to the
// coordinator, which runs the actions in order; a branch that fails (business refusal)
// turns the saga to compensation, run in reverse over every branch. Actions and
// compensations are retried until they answer; the barrier makes them idempotent and turns
// the compensation of an action that never ran into a null compensation.
#include "patterns/saga/saga.hpp"

#include "patterns/common/barrier.hpp"
#include "patterns/common/branch_server.hpp"
#include "patterns/coordinator/coordinator.hpp"

namespace dtx {

namespace {

// What the variants change, as data (the table in saga_info() sets them).
struct Knobs {
  bool barrier = true;  // actions and compensations guarded by the sub-transaction barrier
};

class Saga : public Pattern {
 public:
  explicit Saga(const Knobs& knobs) : knobs_(knobs) {}

  void configure(Reader& p) override { tm_.configure(p); }

  void setup(Setup& s) override {
    tm_.setup(s);
    workload_ = &s.workload();
    BranchServerOptions o;
    if (!knobs_.barrier) o.unguarded = {"action", "compensate"};
    for (const auto& role : workload_->roles()) {
      std::string svc = workload_->service(role);
      create_barrier_table(s, s.database_of(svc));
      for (Context c : s.instances(svc)) install_branch_server(c, workload_, o);
    }
  }

  Task<void> begin(Context ctx, BusinessTxn t) override {
    TmPrepare body{"saga", t, ""};
    co_await tm_call(ctx, tm_.name(), "tm.prepare", t.gid, std::move(body),
                     tm_.config().request_timeout_us);
  }

 private:
  Knobs knobs_;
  Coordinator tm_;
  const Workload* workload_ = nullptr;
};

}  // namespace

PatternInfo saga_info() {
  PatternInfo p;
  p.name = "saga";
  p.summary =
      "saga with a dtm-like coordinator: actions in order, compensations in reverse, "
      "barrier-guarded";
  define_variants<Saga, Knobs>(
      p, {
             {{"correct", "actions and compensations guarded by the barrier", {}}, {}},
             {{"no_barrier",
               "no barrier: a retried action applies twice and a compensation of an action that "
               "never ran changes money",
               {"atomicity", "conservation", "exactly_once"}},
              {.barrier = false}},
         });
  p.workloads = {"transfer", "order"};
  p.invariants = {"conservation", "atomicity", "exactly_once", "termination"};
  p.needs_coordinator = true;
  p.requirements = {
      "a transaction coordinator (dtm-like) with its own durable storage",
      "barrier table in every participant", "submits the saga (actions and their compensations)",
      "every branch has an action and a compensation, both idempotent and barrier-guarded; "
      "intermediate states are visible to others",
      "medium: one compensation per branch; no isolation between action and compensation"};
  return p;
}

}  // namespace dtx
