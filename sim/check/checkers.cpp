// One function per invariant; a shared index groups gtx/effect events by gid once per call.
#include "sim/check/checkers.hpp"

#include <algorithm>
#include <set>

namespace dtx {

Json Violation::to_json() const {
  return {{"invariant", invariant}, {"gid", gid}, {"message", message}, {"events", events}};
}

namespace {

struct Applied {
  std::vector<const Event*> effects;  // in history order
};

struct GidInfo {
  const Event* started = nullptr;
  const Event* final = nullptr;
  std::vector<std::string> branches;
  std::string origin;
  std::map<std::string, Applied> by_branch;
  std::map<std::string, const Event*> branch_done;  // message patterns: downstream finished
};

std::string str(const Json& d, const char* key) {
  auto it = d.find(key);
  return it != d.end() && it->is_string() ? it->get<std::string>() : std::string();
}
int64_t num(const Json& d, const char* key) {
  auto it = d.find(key);
  return it != d.end() && it->is_number() ? it->get<int64_t>() : 0;
}

// Net times a branch's business effect is applied: action/confirm +1, compensate -1.
int net_applied(const Applied& a) {
  int n = 0;
  for (const Event* e : a.effects) {
    std::string op = str(e->detail, "op");
    if (op == "action" || op == "confirm") ++n;
    // A null compensation (nothing to undo, amount 0) undoes nothing.
    if (op == "compensate" && num(e->detail, "amount") != 0) --n;
  }
  return n;
}

std::vector<uint64_t> ids(const std::vector<const Event*>& v) {
  std::vector<uint64_t> out;
  for (const Event* e : v) out.push_back(e->id);
  return out;
}

std::map<std::string, GidInfo> index(const std::vector<Event>& events) {
  std::map<std::string, GidInfo> out;
  for (const Event& e : events) {
    if (e.gid.empty()) continue;
    if (e.kind == Kind::gtx) {
      GidInfo& g = out[e.gid];
      if (str(e.detail, "state") == "started" && !g.started) {
        g.started = &e;
        for (const auto& b : e.detail.value("branches", Json::array())) g.branches.push_back(b);
        g.origin = str(e.detail, "origin");
      }
      if (e.detail.value("final", false) && !g.final) g.final = &e;
      std::string state = str(e.detail, "state");
      if ((state == "branch_done" || state == "branch_refused") &&
          !g.branch_done.count(str(e.detail, "branch")))
        g.branch_done[str(e.detail, "branch")] = &e;
    } else if (e.kind == Kind::effect) {
      GidInfo& g = out[e.gid];
      g.by_branch[str(e.detail, "branch")].effects.push_back(&e);
      // An effect names its transaction's origin, so a phantom (no started record, because
      // the origin never committed) is still recognised.
      if (g.origin.empty()) g.origin = str(e.detail, "origin");
    }
  }
  for (auto& [gid, g] : out) {
    if (g.started || g.origin.empty()) continue;
    g.branches.push_back(g.origin);
    for (const auto& [b, a] : g.by_branch)
      if (b != g.origin) g.branches.push_back(b);
  }
  // A message-based transaction is final once every downstream branch has finished.
  for (auto& [gid, g] : out) {
    if (g.final || g.branches.empty() || g.branch_done.empty()) continue;
    const Event* last = nullptr;
    bool all = true;
    for (const auto& b : g.branches) {
      if (b == g.origin) continue;
      auto it = g.branch_done.find(b);
      if (it == g.branch_done.end()) {
        all = false;
        break;
      }
      if (!last || it->second->id > last->id) last = it->second;
    }
    if (all) g.final = last;
  }
  return out;
}

std::vector<const Event*> all_effects(const GidInfo& g) {
  std::vector<const Event*> v;
  for (const auto& [b, a] : g.by_branch) v.insert(v.end(), a.effects.begin(), a.effects.end());
  std::sort(v.begin(), v.end(), [](const Event* a, const Event* b) { return a->id < b->id; });
  return v;
}

Violation make(const char* inv, const std::string& gid, std::string msg, std::vector<uint64_t> ev) {
  return {inv, gid, std::move(msg), std::move(ev)};
}

}  // namespace

std::map<std::string, std::pair<TimeUs, TimeUs>> gtx_spans(const std::vector<Event>& events) {
  std::map<std::string, std::pair<TimeUs, TimeUs>> out;
  for (const auto& [gid, g] : index(events)) {
    if (!g.started) continue;
    out[gid] = {g.started->t_us, g.final ? g.final->t_us : -1};
  }
  return out;
}

std::vector<Violation> conservation_checker(const CheckInput& in) {
  std::vector<Violation> out;
  const FinalState& f = in.final_state;
  if (f.money_final == f.money_initial) return out;
  for (const auto& [gid, g] : index(in.events)) {
    int64_t sum = 0;
    auto effects = all_effects(g);
    for (const Event* e : effects) sum += num(e->detail, "money");
    if (sum != 0) {
      out.push_back(
          make("conservation", gid,
               "money changed by " + std::to_string(sum) + " in this transaction's effects",
               ids(effects)));
    }
  }
  if (out.empty()) {
    out.push_back(make("conservation", "",
                       "total money " + std::to_string(f.money_final) + " differs from initial " +
                           std::to_string(f.money_initial),
                       {}));
  }
  return out;
}

std::vector<Violation> atomicity_checker(const CheckInput& in) {
  std::vector<Violation> out;
  for (const auto& [gid, g] : index(in.events)) {
    if (g.branches.empty()) continue;
    std::set<int> nets;
    std::string detail;
    for (const auto& b : g.branches) {
      auto it = g.by_branch.find(b);
      int n = it == g.by_branch.end() ? 0 : (net_applied(it->second) > 0 ? 1 : 0);
      nets.insert(n);
      detail += (detail.empty() ? "" : ", ") + b + (n > 0 ? " applied" : " not applied");
    }
    if (nets.size() > 1)
      out.push_back(make("atomicity", gid, "partial outcome: " + detail, ids(all_effects(g))));
  }
  return out;
}

std::vector<Violation> no_lost_checker(const CheckInput& in) {
  std::vector<Violation> out;
  for (const auto& [gid, g] : index(in.events)) {
    auto o = g.by_branch.find(g.origin);
    if (g.origin.empty() || o == g.by_branch.end() || net_applied(o->second) <= 0) continue;
    for (const auto& b : g.branches) {
      if (b == g.origin) continue;
      auto it = g.by_branch.find(b);
      if (it == g.by_branch.end() || net_applied(it->second) <= 0) {
        out.push_back(make("no_lost", gid,
                           "origin '" + g.origin + "' committed but '" + b + "' was never applied",
                           ids(o->second.effects)));
      }
    }
  }
  return out;
}

std::vector<Violation> no_phantom_checker(const CheckInput& in) {
  std::vector<Violation> out;
  for (const auto& [gid, g] : index(in.events)) {
    if (g.origin.empty()) continue;
    auto o = g.by_branch.find(g.origin);
    bool origin_applied = o != g.by_branch.end() && net_applied(o->second) > 0;
    if (origin_applied) continue;
    for (const auto& [b, a] : g.by_branch) {
      if (b == g.origin || net_applied(a) <= 0) continue;
      out.push_back(make("no_phantom", gid,
                         "'" + b + "' applied without a committed origin '" + g.origin + "'",
                         ids(a.effects)));
    }
  }
  return out;
}

std::vector<Violation> exactly_once_checker(const CheckInput& in) {
  std::vector<Violation> out;
  for (const auto& [gid, g] : index(in.events)) {
    for (const auto& [b, a] : g.by_branch) {
      std::map<std::string, std::vector<const Event*>> by_op;
      for (const Event* e : a.effects) by_op[str(e->detail, "op")].push_back(e);
      for (const auto& [op, v] : by_op) {
        if (v.size() > 1) {
          out.push_back(make(
              "exactly_once", gid,
              "'" + b + "' " + op + " applied " + std::to_string(v.size()) + " times", ids(v)));
        }
      }
    }
  }
  return out;
}

std::vector<Violation> termination_checker(const CheckInput& in) {
  std::vector<Violation> out;
  TimeUs deadline = in.final_state.heal_us + in.final_state.termination_bound_us;
  for (const auto& [gid, g] : index(in.events)) {
    if (!g.started) continue;
    if (!g.final) {
      out.push_back(make("termination", gid, "never reached a final state", {g.started->id}));
    } else if (in.final_state.termination_bound_us > 0 && g.final->t_us > deadline) {
      out.push_back(make("termination", gid,
                         "final only at t=" + std::to_string(g.final->t_us / 1000) +
                             " ms, after the bound " + std::to_string(deadline / 1000) + " ms",
                         {g.started->id, g.final->id}));
    }
  }
  return out;
}

std::vector<Violation> per_key_order_checker(const CheckInput& in) {
  std::vector<Violation> out;
  auto idx = index(in.events);
  // Origin commit order per key, then the order downstream effects were first applied.
  std::map<std::string, std::vector<std::pair<uint64_t, std::string>>> origin_order, applied_order;
  for (const auto& [gid, g] : idx) {
    for (const auto& [b, a] : g.by_branch) {
      if (a.effects.empty()) continue;
      const Event* first = a.effects.front();
      std::string key = str(first->detail, "key");
      if (key.empty()) continue;
      auto& target = b == g.origin ? origin_order : applied_order;
      target[key].push_back({first->id, gid});
    }
  }
  for (auto& [key, applied] : applied_order) {
    auto& origins = origin_order[key];
    std::sort(origins.begin(), origins.end());
    std::sort(applied.begin(), applied.end());
    std::map<std::string, size_t> rank;
    for (size_t i = 0; i < origins.size(); ++i) rank[origins[i].second] = i;
    bool any = false;
    size_t max_rank = 0;
    uint64_t max_event = 0;
    std::string max_gid;
    for (const auto& [event, gid] : applied) {
      auto r = rank.find(gid);
      if (r == rank.end()) continue;
      if (any && r->second < max_rank) {
        out.push_back(make(
            "per_key_order", gid,
            "key '" + key + "': applied after " + max_gid + " although its origin committed first",
            {max_event, event}));
      }
      if (!any || r->second > max_rank) {
        any = true;
        max_rank = r->second;
        max_event = event;
        max_gid = gid;
      }
    }
  }
  return out;
}

std::vector<Violation> tcc_no_orphan_checker(const CheckInput& in) {
  std::vector<Violation> out;
  auto idx = index(in.events);
  for (const auto& [gid, amount] : in.final_state.open_reservations) {
    std::vector<uint64_t> ev;
    auto it = idx.find(gid);
    if (it != idx.end()) ev = ids(all_effects(it->second));
    out.push_back(make(
        "tcc_no_orphan", gid,
        "a reservation (amount " + std::to_string(amount) + ") is still held after the end", ev));
  }
  return out;
}

std::vector<Violation> tcc_no_hanging_checker(const CheckInput& in) {
  std::vector<Violation> out;
  for (const auto& [gid, g] : index(in.events)) {
    for (const auto& [b, a] : g.by_branch) {
      const Event* cancel = nullptr;
      for (const Event* e : a.effects) {
        std::string op = str(e->detail, "op");
        if (op == "cancel" && !cancel) cancel = e;
        if (op == "try" && cancel) {
          out.push_back(make("tcc_no_hanging", gid, "'" + b + "' Try took effect after its Cancel",
                             {cancel->id, e->id}));
        }
      }
    }
  }
  return out;
}

std::vector<Violation> tcc_null_compensation_checker(const CheckInput& in) {
  std::vector<Violation> out;
  for (const auto& [gid, g] : index(in.events)) {
    for (const auto& [b, a] : g.by_branch) {
      bool tried = false;
      for (const Event* e : a.effects) {
        std::string op = str(e->detail, "op");
        if (op == "try" || op == "action") tried = true;
        if ((op == "cancel" || op == "compensate") && !tried && num(e->detail, "amount") != 0) {
          out.push_back(make("tcc_null_compensation", gid,
                             "'" + b + "' " + op + " without a prior Try/action changed " +
                                 std::to_string(num(e->detail, "amount")),
                             {e->id}));
        }
      }
    }
  }
  return out;
}

const std::vector<InvariantInfo>& invariants() {
  static const std::vector<InvariantInfo> list = {
      {"conservation", conservation_checker,
       "total money (balances + frozen) is unchanged at quiescence"},
      {"atomicity", atomicity_checker, "per global txn, all branch effects applied or none"},
      {"no_lost", no_lost_checker, "every committed origin has its downstream effect"},
      {"no_phantom", no_phantom_checker, "no downstream effect without a committed origin"},
      {"exactly_once", exactly_once_checker, "no branch effect applied more than once"},
      {"tcc_no_orphan", tcc_no_orphan_checker,
       "no frozen/reserved amount left for a finished global txn"},
      {"tcc_no_hanging", tcc_no_hanging_checker, "no Try takes effect after its Cancel"},
      {"tcc_null_compensation", tcc_null_compensation_checker,
       "a Cancel (or compensation) without its Try (or action) changes nothing"},
      {"termination", termination_checker,
       "every global txn reaches a final state within the bound after heal"},
      {"per_key_order", per_key_order_checker,
       "events for one aggregate are applied in commit order"},
  };
  return list;
}

const InvariantInfo* find_invariant(const std::string& name) {
  for (const auto& i : invariants()) {
    if (name == i.name) return &i;
  }
  return nullptr;
}

}  // namespace dtx
