// Two-phase commit across databases (XA): the transaction manager on the coordinator node
// stores the transaction, asks every database's participant to run its branches and prepare
// (in database-name order, so two transactions never wait on each other's locks), logs the
// decision durably and tells every participant. Presumed abort: a decision is logged once
// (first insert wins), and a question about a transaction with no logged decision is answered
// by logging abort first. Participants in doubt keep their locks and ask the manager (and, in
// the cooperative variant, each other when the manager does not answer): 2PC blocks while the
// manager is away, which the in-doubt and lock-wait metrics measure.
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

// What the variants change, as data (the table in two_phase_commit_info() sets them).
struct Knobs {
  bool decision_log = true;      // false: the decision lives in the manager's memory only
  bool commit_each_yes = false;  // commit a participant as soon as it votes yes
  enum class Alone { never, commit, rollback };
  Alone heuristic = Alone::never;  // a participant the manager does not answer decides alone
  bool presume_commit = false;     // no logged decision => commit, and nothing is logged
  bool cooperative = false;        // in doubt and no answer: ask the other participants
};

enum class Decision { none, commit, abort, unknown };

const char* text_of(Decision d) {
  return d == Decision::commit ? "commit" : d == Decision::abort ? "abort" : "unknown";
}

class TwoPhaseCommit : public CommitProtocol {
 public:
  explicit TwoPhaseCommit(const Knobs& knobs)
      : CommitProtocol({"two_phase_commit", "tpc.begin", "tpc.status"}), knobs_(knobs) {}

  void configure(Reader& p) override {
    configure_manager(p);
    recover_after_us_ =
        p.interval_us("presume_abort_after_ms", 1000,
                      "an undecided transaction the manager no longer drives is aborted "
                      "after this long (ms)");
    ask_us_ = p.interval_us("in_doubt_ask_ms", 1000,
                            "a participant prepared this long asks for the decision (ms)");
    inquiry_us_ = p.interval_us("inquiry_interval_ms", 500, "participants' in-doubt scan (ms)");
    heuristic_us_ = p.interval_us("heuristic_after_ms", 3000,
                                  "heuristic variants: in doubt this long, a participant the "
                                  "manager does not answer decides alone (ms)");
  }

 private:
  Task<void> drive(BusinessTxn t) override {
    bool all_yes = co_await collect_votes(t);
    Decision d = co_await decide(t.gid, all_yes ? Decision::commit : Decision::abort);
    if (d == Decision::commit || d == Decision::abort) {
      if (co_await carry_out(t, d == Decision::commit)) co_await finish(t.gid, d);
    }
  }

  void manager_restarted() override { memory_.clear(); }  // what was not logged is gone

  // Phase one, in database order; stops at the first no (the rest are presumed to abort).
  Task<bool> collect_votes(const BusinessTxn& t) {
    for (const XaGroup& g : xa_groups(t)) {
      Message m;
      m.type = "tpc.prepare";
      m.gid = t.gid;
      // The manager stops waiting then; a prepare that arrives later is refused.
      m.body = XaPrepareCall{t, g.db, tm_.now_us() + timeout_us_};
      RpcResult r = co_await tm_.call(g.service, std::move(m), timeout_us_);
      const XaVote* vote = r.answer<XaVote>();
      if (!vote || !vote->yes) co_return false;
      if (knobs_.commit_each_yes) co_await tell(t.gid, g, true);
    }
    co_return true;
  }

  // Phase two: every participant carries out the decision; true once all confirmed.
  Task<bool> carry_out(const BusinessTxn& t, bool commit) {
    bool all = true;
    for (const XaGroup& g : xa_groups(t)) all = (co_await tell(t.gid, g, commit)) && all;
    co_return all;
  }

  Task<bool> tell(std::string gid, XaGroup g, bool commit) {
    Message m;
    m.type = "tpc.decide";
    m.gid = gid;
    m.body = XaDecideCall{xa_id(gid), g.db, commit};
    RpcResult r = co_await tm_.call(g.service, std::move(m), timeout_us_);
    const XaDone* done = r.answer<XaDone>();
    co_return done && done->ok;
  }

  // The decision of `gid` as logged (or, without a log, as remembered).
  Task<Decision> read_decision(std::string gid) {
    if (!knobs_.decision_log) {
      auto it = memory_.find(gid);
      co_return it == memory_.end() ? Decision::none : it->second;
    }
    bool readable = true;
    std::optional<bool> d = co_await log_.decision(gid, &readable);
    if (!readable) co_return Decision::unknown;
    if (!d) co_return Decision::none;
    co_return *d ? Decision::commit : Decision::abort;
  }

  // Logs `proposal` unless a decision is logged already; returns the one that holds.
  Task<Decision> decide(std::string gid, Decision proposal) {
    if (!knobs_.decision_log) {
      memory_.emplace(gid, proposal);
      co_return memory_.at(gid);
    }
    std::optional<bool> d = co_await log_.decide(gid, proposal == Decision::commit);
    if (!d) co_return Decision::unknown;
    co_return *d ? Decision::commit : Decision::abort;
  }

  Task<void> finish(std::string gid, Decision d) {
    co_await log_.finish(gid, d == Decision::commit);
  }

  // What no logged decision means: presumed abort logs abort before answering; the broken
  // presumed commit answers commit and logs nothing.
  Task<Decision> presume(std::string gid) {
    if (knobs_.presume_commit) co_return Decision::commit;
    co_return co_await decide(gid, Decision::abort);
  }

  Task<Body> answer(std::string gid) override {
    Decision d = co_await read_decision(gid);
    if (d == Decision::none && !busy_.count(gid)) d = co_await presume(gid);
    co_return XaState{d == Decision::none ? "unknown" : text_of(d)};
  }

  // Logged decisions are carried out again, undecided transactions are presumed.
  Task<void> recover(BusinessTxn t) override {
    Decision d = co_await read_decision(t.gid);
    if (d == Decision::none) d = co_await presume(t.gid);
    if (d != Decision::commit && d != Decision::abort) co_return;
    tm_.record(Kind::retry, t.gid,
               Detail::of({{"what", std::string("2pc recovery ") + text_of(d)}}));
    if (co_await carry_out(t, d == Decision::commit)) co_await finish(t.gid, d);
  }

  void install_participant(Context c, const std::string& db) override {
    c.handle_typed<XaPrepareCall>(
        "tpc.prepare", [this, c](XaPrepareCall q, Message) { return on_prepare(c, std::move(q)); },
        XaVote{false});
    c.handle_typed<XaDecideCall>(
        "tpc.decide", [c](XaDecideCall q, Message) { return on_decide(c, std::move(q)); },
        XaDone{false});
    c.handle_typed<XaBranchRef>(
        "tpc.peer", [c](XaBranchRef q, Message) { return on_peer(c, std::move(q)); },
        XaState{"unknown"});
    c.on_start([this, c, db] { Context(c).spawn(in_doubt_loop(c, db)); });
    c.on_restart([this, c, db] { Context(c).spawn(in_doubt_loop(c, db)); });
  }

  Task<Body> on_prepare(Context c, XaPrepareCall q) {
    XaPrepare o{std::min(c.now_us() + timeout_us_, q.deadline_us), knobs_.cooperative};
    bool yes = co_await xa_prepare(c, workload_, std::move(q.txn), q.db, o);
    co_return XaVote{yes};
  }

  static Task<Body> on_decide(Context c, XaDecideCall q) {
    bool ok = co_await xa_decide(c, q.db, q.xid, q.commit);
    co_return XaDone{ok};
  }

  static Task<Body> on_peer(Context c, XaBranchRef q) {
    std::string s = co_await xa_status(c, q.db, q.xid);
    co_return XaState{s};
  }

  Task<void> in_doubt_loop(Context c, std::string db) {
    for (;;) {
      co_await c.sleep(inquiry_us_);
      for (const auto& p : c.xa_recover(db)) {
        if (c.now_us() - p.prepared_at_us < ask_us_) continue;
        co_await resolve(c, db, p);
      }
    }
  }

  // One in-doubt branch: ask the manager; without an answer, ask the peers (cooperative) or
  // decide alone after a while (the heuristic variants).
  Task<void> resolve(Context c, std::string db, Context::Prepared p) {
    std::string gid = gid_of_xa(p.xid);
    Message q;
    q.type = "tpc.status";
    q.gid = gid;
    q.body = XaAsk{gid};
    RpcResult r = co_await c.call(tm_name_, std::move(q), timeout_us_);
    const XaState* answer = r.answer<XaState>();
    std::string d = answer ? answer->state : "";
    if (d == "commit" || d == "abort") {
      co_await xa_decide(c, db, p.xid, d == "commit");
      co_return;
    }
    if (knobs_.cooperative) {
      std::optional<bool> peer = co_await ask_peers(c, db, p.xid);
      if (peer) co_await xa_decide(c, db, p.xid, *peer);
      if (peer) co_return;
    }
    if (knobs_.heuristic == Knobs::Alone::never || c.now_us() - p.prepared_at_us < heuristic_us_)
      co_return;
    bool commit = knobs_.heuristic == Knobs::Alone::commit;
    c.record(Kind::note, gid,
             Detail::of({{"text", commit ? "heuristic commit" : "heuristic rollback"}}));
    co_await xa_decide(c, db, p.xid, commit);
  }

  // The cooperative termination protocol: a peer that committed or refused knows the outcome.
  Task<std::optional<bool>> ask_peers(Context c, std::string db, std::string xid) {
    BusinessTxn t = co_await xa_peers(c, db, xid);
    for (const XaGroup& g : xa_groups(t)) {
      if (g.db == db) continue;
      Message q;
      q.type = "tpc.peer";
      q.gid = t.gid;
      q.body = XaBranchRef{xid, g.db};
      RpcResult r = co_await c.call(g.service, std::move(q), timeout_us_);
      const XaState* answer = r.answer<XaState>();
      std::string s = answer ? answer->state : "";
      if (s == "committed") co_return true;
      if (s == "aborted") co_return false;
    }
    co_return std::nullopt;
  }

  Knobs knobs_;
  TimeUs ask_us_ = kUsPerS, inquiry_us_ = 500 * kUsPerMs, heuristic_us_ = 3 * kUsPerS;
  std::map<std::string, Decision> memory_;  // no_decision_log: the only copy of decisions
};

}  // namespace

PatternInfo two_phase_commit_info() {
  PatternInfo p;
  p.name = "two_phase_commit";
  p.summary = "XA two-phase commit across every branch's database, presumed abort, durable log";
  using A = Knobs::Alone;
  define_variants<TwoPhaseCommit, Knobs>(
      p, {
             {{"correct",
               "every database prepares, the manager logs the decision (first insert wins; a "
               "question with no decision logs abort first) and tells every participant; in "
               "doubt, participants keep their locks and ask",
               {}},
              {}},
             {{"cooperative",
               "correct, and a participant the manager does not answer asks the others: one "
               "that committed or refused knows the outcome",
               {}},
              {.cooperative = true}},
             {{"no_decision_log",
               "the decision is kept in memory; a manager crash between two commits forgets it "
               "and the in-doubt participant is told abort",
               {"atomicity", "conservation"}},
              {.decision_log = false}},
             {{"commit_before_all_prepared",
               "a participant is committed as soon as it votes yes; a later no or time-out "
               "aborts the rest",
               {"atomicity", "conservation"}},
              {.commit_each_yes = true}},
             {{"heuristic_commit",
               "a participant the manager does not answer commits alone after a while; the "
               "manager had decided (or presumed) abort and the others rolled back",
               {"atomicity", "conservation"}},
              {.heuristic = A::commit}},
             {{"heuristic_rollback",
               "a participant the manager does not answer rolls back alone after a while; the "
               "manager had logged commit and the others committed",
               {"atomicity", "conservation"}},
              {.heuristic = A::rollback}},
             {{"presume_commit_without_log",
               "no logged decision is taken to mean commit, with no record of who was asked: "
               "after a manager crash in the voting phase an in-doubt participant commits",
               {"atomicity", "conservation"}},
              {.presume_commit = true}},
         });
  p.workloads = {"transfer", "order"};
  p.invariants = {"conservation", "atomicity", "exactly_once", "termination"};
  p.needs_coordinator = true;
  return p;
}

}  // namespace dtx
