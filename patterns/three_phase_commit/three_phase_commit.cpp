// Three-phase commit: can-commit (every database runs its branches and prepares: the
// participant is uncertain), pre-commit (all voted yes: each participant learns that and acks),
// do-commit (all acked). A participant that hears nothing for a while runs the termination
// protocol with the peers it can reach: anyone committed => commit, anyone aborted => abort,
// anyone pre-committed (itself included) => commit, all uncertain => abort; the manager does
// the same when an ack is missing or after a restart. No state is adjacent to both commit and
// abort, so under crash-stop nobody blocks and nobody disagrees. Under a partition the sides
// decide apart: a pre-committed participant cut off commits while the uncertain rest abort
// (the textbook split brain, a known limitation shown by scenarios/claims/).
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>

#include "patterns/two_phase_commit/commit_protocol.hpp"
#include "patterns/two_phase_commit/two_phase_commit.hpp"
#include "patterns/two_phase_commit/xa_protocol.hpp"

namespace dtx {

namespace {

struct Knobs {
  // false: a participant that times out decides from its own state alone (uncertain =>
  // abort, pre-committed => commit), without asking anyone.
  bool termination_protocol = true;
};

// A participant's state of one transaction, kept by the service of its database (volatile: a
// participant restarted since its vote knows only that its branch is prepared, and asks).
enum class P3 { uncertain, precommitted, committed, aborted };

const char* name_of(P3 s) {
  static const char* const kNames[] = {"uncertain", "precommitted", "committed", "aborted"};
  return kNames[static_cast<int>(s)];
}

// What a termination round heard; nullopt when nobody answered (try again later).
std::optional<bool> terminate_rule(const std::vector<std::string>& states) {
  bool any = false, pre = false;
  for (const auto& s : states) {
    if (s == "committed") return true;
    if (s == "aborted") return false;
    if (s == "precommitted") pre = true;
    if (s != "unknown") any = true;
  }
  if (!any) return std::nullopt;
  return pre;
}

class ThreePhaseCommit : public CommitProtocol {
 public:
  explicit ThreePhaseCommit(const Knobs& knobs)
      : CommitProtocol({"three_phase_commit", "tpc3.begin", "tpc3.decision"}), knobs_(knobs) {}

  void configure(Reader& p) override {
    configure_manager(p);
    recover_after_us_ = p.interval_us("recover_after_ms", 1000,
                                      "an undecided transaction the manager no longer drives is "
                                      "terminated after this long (ms)");
    wait_us_ = p.interval_us("participant_timeout_ms", 2000,
                             "a prepared participant that hears nothing this long runs the "
                             "termination protocol (ms)");
    scan_us_ = p.interval_us("inquiry_interval_ms", 200, "participants' time-out scan (ms)");
  }

 private:
  // A participant's termination round asks the manager too: its logged decision, if any.
  Task<Body> answer(std::string gid) override {
    std::optional<bool> d = co_await log_.decision(gid);
    co_return XaState{!d ? "unknown" : *d ? "committed" : "aborted"};
  }

  // A call from the manager: the reply's body, empty when none came.
  Task<Body> call(std::string to, std::string type, std::string gid, Body body) {
    Message m;
    m.type = std::move(type);
    m.gid = gid;
    m.body = std::move(body);
    RpcResult r = co_await tm_.call(to, std::move(m), timeout_us_);
    co_return r.ok ? std::move(r.reply.body) : Body();
  }

  Task<void> drive(BusinessTxn t) override {
    std::optional<bool> outcome = false;
    if (co_await can_commit(t)) outcome = co_await pre_commit(t);
    if (!outcome) outcome = co_await terminate(t);
    if (outcome) co_await conclude(t, *outcome);
  }

  // Phase one: true when every database prepared (stops at the first no).
  Task<bool> can_commit(const BusinessTxn& t) {
    for (const XaGroup& g : xa_groups(t)) {
      XaPrepareCall ask{t, g.db, tm_.now_us() + timeout_us_};
      Body r = co_await call(g.service, "tpc3.can_commit", t.gid, std::move(ask));
      const XaVote* vote = r.as<XaVote>();
      if (!vote || !vote->yes) co_return false;
    }
    co_return true;
  }

  // Phase two: true when every participant acked; false when one had aborted; nullopt when
  // an ack is missing (the manager then terminates like a participant would).
  Task<std::optional<bool>> pre_commit(const BusinessTxn& t) {
    for (const XaGroup& g : xa_groups(t)) {
      XaBranchRef ask{xa_id(t.gid), g.db};
      Body r = co_await call(g.service, "tpc3.pre_commit", t.gid, std::move(ask));
      const XaState* st = r.as<XaState>();
      std::string s = st ? st->state : "unknown";
      if (s == "aborted") co_return false;
      if (s != "precommitted" && s != "committed") co_return std::nullopt;
    }
    co_return true;
  }

  // The termination protocol run by the manager: every participant's state, then the rule.
  // When every participant answers but none knows its state (all restarted since they
  // voted), nobody committed: the manager, which has logged nothing, aborts (logged first).
  Task<std::optional<bool>> terminate(const BusinessTxn& t) {
    std::vector<std::string> states;
    bool all_answered = true;
    for (const XaGroup& g : xa_groups(t)) {
      XaBranchRef ask{xa_id(t.gid), g.db};
      Body r = co_await call(g.service, "tpc3.state", t.gid, std::move(ask));
      const XaState* st = r.as<XaState>();
      all_answered = all_answered && st;
      states.push_back(st ? st->state : "unknown");
    }
    std::optional<bool> outcome = terminate_rule(states);
    if (!outcome && all_answered) outcome = false;
    co_return outcome;
  }

  // Logs the outcome (first insert wins), tells everyone, and marks the transaction final
  // once all confirmed.
  Task<void> conclude(const BusinessTxn& t, bool commit) {
    std::optional<bool> logged = co_await log_.decide(t.gid, commit);
    if (!logged) co_return;
    commit = *logged;
    bool all = true;
    for (const XaGroup& g : xa_groups(t)) {
      XaBranchRef ask{xa_id(t.gid), g.db};
      Body a =
          co_await call(g.service, commit ? "tpc3.do_commit" : "tpc3.abort", t.gid, std::move(ask));
      const XaDone* done = a.as<XaDone>();
      all = done && done->ok && all;
    }
    if (all) co_await log_.finish(t.gid, commit);
  }

  // A logged decision is carried out again; an undecided one is terminated first.
  Task<void> recover(BusinessTxn t) override {
    bool readable = true;
    std::optional<bool> outcome = co_await log_.decision(t.gid, &readable);
    if (!readable) co_return;
    if (!outcome) outcome = co_await terminate(t);
    if (!outcome) co_return;
    tm_.record(
        Kind::retry, t.gid,
        Detail::of({{"what", std::string("3pc recovery ") + (*outcome ? "commit" : "abort")}}));
    co_await conclude(t, *outcome);
  }

  // Participants ---------------------------------------------------------------------------

  using Key = std::pair<std::string, std::string>;  // (database, xid): instances share it
  struct Known {
    P3 state = P3::uncertain;
    TimeUs heard_us = 0;  // last word from the manager
  };

  void install_participant(Context c, const std::string& db) override {
    c.handle_typed<XaPrepareCall>(
        "tpc3.can_commit",
        [this, c](XaPrepareCall q, Message) { return on_can_commit(c, std::move(q)); },
        XaVote{false});
    for (bool commit : {true, false}) {
      c.handle_typed<XaBranchRef>(
          commit ? "tpc3.do_commit" : "tpc3.abort",
          [this, c, commit](XaBranchRef q, Message) { return on_decide(c, std::move(q), commit); },
          XaDone{false});
    }
    c.handle_typed<XaBranchRef>(
        "tpc3.pre_commit",
        [this, c](XaBranchRef q, Message) { return on_pre_commit(c, std::move(q)); },
        XaState{"unknown"});
    c.handle_typed<XaBranchRef>(
        "tpc3.state", [this, c](XaBranchRef q, Message) { return on_state(c, std::move(q)); },
        XaState{"unknown"});
    c.on_start([this, c, db] { Context(c).spawn(timeout_loop(c, db)); });
    c.on_restart([this, c, db] {
      forget(db);
      Context(c).spawn(timeout_loop(c, db));
    });
  }

  void forget(const std::string& db) {
    for (auto it = known_.begin(); it != known_.end();)
      it = it->first.first == db ? known_.erase(it) : std::next(it);
  }

  Known* find(const std::string& db, const std::string& xid) {
    auto it = known_.find({db, xid});
    return it == known_.end() ? nullptr : &it->second;
  }

  void set(const Context& c, const std::string& db, const std::string& xid, P3 s) {
    Known& k = known_[{db, xid}];
    k.state = s;
    k.heard_us = c.now_us();
  }

  static bool prepared(Context c, const std::string& db, const std::string& xid) {
    for (const auto& p : c.xa_recover(db))
      if (p.xid == xid) return true;
    return false;
  }

  Task<Body> on_can_commit(Context c, XaPrepareCall q) {
    std::string db = q.db, xid = xa_id(q.txn.gid);
    if (Known* k = find(db, xid); k && k->state == P3::aborted) co_return XaVote{false};
    XaPrepare o{std::min(c.now_us() + timeout_us_, q.deadline_us), true};
    bool yes = co_await xa_prepare(c, workload_, q.txn, db, o);
    // A peer's termination round may have counted this branch as aborted meanwhile.
    if (Known* k = find(db, xid); yes && k && k->state == P3::aborted) {
      co_await xa_decide(c, db, xid, false);
      yes = false;
    }
    if (yes) set(c, db, xid, P3::uncertain);
    co_return XaVote{yes};
  }

  Task<Body> on_pre_commit(Context c, XaBranchRef q) {
    std::string db = q.db, xid = q.xid;
    Known* k = find(db, xid);
    if (k && (k->state == P3::committed || k->state == P3::aborted))
      co_return XaState{name_of(k->state)};
    if (!prepared(c, db, xid)) co_return XaState{"unknown"};
    set(c, db, xid, P3::precommitted);
    co_return XaState{"precommitted"};
  }

  Task<Body> on_decide(Context c, XaBranchRef q, bool commit) {
    bool ok = co_await xa_decide(c, q.db, q.xid, commit);
    if (ok) set(c, q.db, q.xid, commit ? P3::committed : P3::aborted);
    co_return XaDone{ok};
  }

  // This participant's state for a termination round. A branch that is not prepared and did
  // not commit is counted as aborted, and from then on refuses to prepare.
  Task<Body> on_state(Context c, XaBranchRef q) {
    std::string db = q.db, xid = q.xid;
    if (Known* k = find(db, xid)) co_return XaState{name_of(k->state)};
    // Prepared, but its state was lost in a restart: it may have been pre-committed.
    if (prepared(c, db, xid)) co_return XaState{"unknown"};
    DbResult r = co_await c.exec(db, "SELECT outcome FROM xa_log WHERE xid = ?", args(xid));
    if (!r.ok) co_return XaState{"unknown"};
    if (!r.empty() && r.text() == "committed") co_return XaState{"committed"};
    set(c, db, xid, P3::aborted);
    co_return XaState{"aborted"};
  }

  Task<void> timeout_loop(Context c, std::string db) {
    for (;;) {
      co_await c.sleep(scan_us_);
      for (const auto& p : c.xa_recover(db)) {
        Known* k = find(db, p.xid);
        TimeUs since = k ? k->heard_us : p.prepared_at_us;
        if (c.now_us() - since < wait_us_) continue;
        co_await on_timeout(c, db, p.xid);
      }
    }
  }

  Task<void> on_timeout(Context c, std::string db, std::string xid) {
    Known* k = find(db, xid);
    // A participant restarted since it voted does not know whether it was pre-committed.
    std::string mine = k ? name_of(k->state) : "unknown";
    std::optional<bool> outcome = mine == "precommitted";
    if (knobs_.termination_protocol) {
      std::vector<std::string> states = co_await gather(c, db, xid);
      states.push_back(mine);
      outcome = terminate_rule(states);
    } else if (!k) {
      outcome = std::nullopt;  // alone and without a state there is nothing to decide on
    }
    if (!outcome || !prepared(c, db, xid)) co_return;
    c.record(
        Kind::note, gid_of_xa(xid),
        Detail::of({{"text", std::string("3pc time-out: ") + (*outcome ? "commit" : "abort")}}));
    if (co_await xa_decide(c, db, xid, *outcome))
      set(c, db, xid, *outcome ? P3::committed : P3::aborted);
  }

  // The termination round of a participant: the states of the others and the manager's
  // decision, "unknown" for whoever does not answer.
  Task<std::vector<std::string>> gather(Context c, std::string db, std::string xid) {
    std::vector<std::string> states;
    BusinessTxn t = co_await xa_peers(c, db, xid);
    std::vector<std::pair<std::string, Body>> asks;
    asks.push_back({tm_name_, XaAsk{gid_of_xa(xid)}});
    for (const XaGroup& g : xa_groups(t))
      if (g.db != db) asks.push_back({g.service, XaBranchRef{xid, g.db}});
    for (auto& [to, body] : asks) {
      Message q;
      q.type = to == tm_name_ ? "tpc3.decision" : "tpc3.state";
      q.gid = gid_of_xa(xid);
      q.body = std::move(body);
      RpcResult r = co_await c.call(to, std::move(q), timeout_us_);
      const XaState* answer = r.answer<XaState>();
      states.push_back(answer ? answer->state : "unknown");
    }
    co_return states;
  }

  Knobs knobs_;
  TimeUs wait_us_ = 2 * kUsPerS, scan_us_ = 200 * kUsPerMs;
  std::map<Key, Known> known_;  // volatile participant states
};

}  // namespace

PatternInfo three_phase_commit_info() {
  PatternInfo p;
  p.name = "three_phase_commit";
  p.summary = "three-phase commit (can-commit, pre-commit, do-commit) with a termination protocol";
  define_variants<ThreePhaseCommit, Knobs>(
      p, {
             {{"correct",
               "every database prepares, then pre-commits, then commits; whoever times out asks "
               "the participants it can reach (non-blocking under crash-stop; a partition splits "
               "it, a known limitation)",
               {}},
              {}},
             {{"no_termination_protocol",
               "a participant that times out decides alone from its own state (uncertain => "
               "abort, pre-committed => commit): a manager crash between two pre-commits splits",
               {"atomicity", "conservation"}},
              {.termination_protocol = false}},
         });
  p.workloads = {"transfer", "order"};
  p.invariants = {"conservation", "atomicity", "exactly_once", "termination"};
  // The textbook split brain under a partition (scenarios/claims/3pc-partition-split.json).
  p.limitations = {"atomicity", "conservation"};
  p.needs_coordinator = true;
  return p;
}

}  // namespace dtx
