// The notify pattern: its knobs, its variant table and its protocol.
#include "notify.hpp"

#include "patterns/common/apply.hpp"

namespace example {

using namespace dtx;

namespace {

// The protocol's message bodies: a typed struct per message (the receiver reads one with
// `m.body.as<Apply>()`, null for anything else).
struct Apply {  // notify.apply: apply `branch` of `txn`
  BusinessTxn txn;
  std::string branch;
};
struct Applied {  // its reply
  bool ok = false;
};

// What the variants change (the table in notify_info() sets them).
struct Knobs {
  bool retry = true;  // call again until the downstream service answers "applied"
};

class Notify : public Pattern {
 public:
  explicit Notify(const Knobs& knobs) : knobs_(knobs) {}

  void configure(Reader& p) override {
    timeout_us_ = p.millis_us("call_timeout_ms", 200, "timeout of one call downstream (ms)");
    retry_us_ = p.millis_us("retry_interval_ms", 100, "wait before calling again (ms)");
  }

  void setup(Setup& s) override {
    workload_ = &s.workload();
    origin_db_ = s.database_of(workload_->service(workload_->roles().front()));
    for (const auto& role : workload_->roles()) {
      std::string svc = workload_->service(role);
      if (s.database_of(svc) == origin_db_) continue;
      create_received_table(s, s.database_of(svc));
      for (Context c : s.instances(svc)) serve(c);
    }
  }

  Task<void> begin(Context ctx, BusinessTxn t) override {
    Txn tx = ctx.begin(origin_db_, t.gid);
    if (!(co_await origin_action(ctx, *workload_, tx, t))) co_return;
    if (!(co_await tx.commit()).ok) co_return;
    for (const Branch& b : t.branches) {
      if (b.name == t.origin().name) continue;
      for (int attempt = 1;; ++attempt) {
        Message m;
        m.type = "notify.apply";
        m.gid = t.gid;
        m.body = Apply{t, b.name};
        RpcResult r = co_await ctx.call(b.service, std::move(m), timeout_us_);
        const Applied* a = r.answer<Applied>();  // null: no answer, or not an Applied
        if (a && a->ok) break;
        if (!knobs_.retry) break;
        ctx.record(Kind::retry, t.gid, Detail::of({{"what", "notify"}, {"attempt", attempt}}));
        co_await ctx.sleep(retry_us_);
      }
    }
  }

 private:
  void serve(Context c) {
    const Workload* w = workload_;
    c.handle("notify.apply", [c, w](Message m) -> Task<Body> {
      const Apply* req = m.body.as<Apply>();
      const Branch* b = req ? req->txn.branch(req->branch) : nullptr;
      if (!b) co_return Applied{false};
      ApplyResult r = co_await apply_downstream(c, *w, req->txn, *b, ApplyOptions{});
      co_return Applied{r != ApplyResult::failed};
    });
  }

  Knobs knobs_;
  TimeUs timeout_us_ = 200 * kUsPerMs, retry_us_ = 100 * kUsPerMs;
  const Workload* workload_ = nullptr;
  std::string origin_db_;
};

}  // namespace

PatternInfo notify_info() {
  PatternInfo p;
  p.name = "notify";
  p.summary = "commit, then call each downstream service until it answers (an example plug-in)";
  define_variants<Notify, Knobs>(
      p, {
             {{"correct", "calls again until the downstream service answers applied", {}}, {}},
             {{"no_retry",
               "calls once; a dropped request or answer loses the downstream branch",
               {"atomicity", "conservation", "no_lost"}},
              {.retry = false}},
         });
  p.workloads = {"transfer", "order"};
  p.invariants = {"conservation", "atomicity",    "no_lost",
                  "no_phantom",   "exactly_once", "termination"};
  return p;
}

}  // namespace example
