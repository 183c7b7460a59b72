// One function per invariant; an index grouping gtx/effect events by gid is built once per
// CheckInput and shared by every checker.
#include "sim/check/checkers.hpp"

#include <algorithm>
#include <array>
#include <set>

namespace dtx {

Json Violation::to_json() const {
  return {{"invariant", invariant}, {"gid", gid}, {"message", message}, {"events", events}};
}

namespace {

using GidMap = std::map<std::string, GidInfo, std::less<>>;

const CheckStream& stream(const CheckInput& in) {
  if (!in.index) {
    auto built = std::make_shared<CheckStream>(&in.final_state.initial_balances);
    for (const Event& e : in.events) built->add(e);
    built->finish();
    in.index = std::move(built);
  }
  return *in.index;
}

const GidMap& index(const CheckInput& in) {
  return stream(in).gids();
}

int net_applied(const GidInfo& g, std::string_view branch) {
  auto it = g.by_branch.find(branch);
  return it == g.by_branch.end() ? 0 : it->second.net;
}

std::vector<uint64_t> ids(const std::vector<Effect>& v) {
  std::vector<uint64_t> out;
  out.reserve(v.size());
  for (const Effect& e : v) out.push_back(e.id);
  return out;
}

std::vector<uint64_t> all_effect_ids(const GidInfo& g) {
  std::vector<uint64_t> v;
  for (const auto& [b, a] : g.by_branch)
    for (const Effect& e : a.effects) v.push_back(e.id);
  std::sort(v.begin(), v.end());
  return v;
}

Violation make(const char* inv, std::string_view gid, std::string msg, std::vector<uint64_t> ev) {
  return {inv, std::string(gid), std::move(msg), std::move(ev)};
}

std::string s(std::string_view v) {
  return std::string(v);
}

// 'v' (appended piece by piece: GCC 12 warns wrongly about "'" + std::string).
std::string quoted(std::string_view v) {
  std::string out;
  out.reserve(v.size() + 2);
  out += '\'';
  out += v;
  out += '\'';
  return out;
}

}  // namespace

const CheckStream& check_stream(const CheckInput& in) {
  return stream(in);
}

std::map<std::string, std::pair<TimeUs, TimeUs>> gtx_spans(const CheckInput& in) {
  std::map<std::string, std::pair<TimeUs, TimeUs>> out;
  for (const auto& [gid, g] : index(in)) {
    if (!g.started) continue;
    out.emplace(gid, std::pair{g.started.t_us, g.final ? g.final.t_us : -1});
  }
  return out;
}

std::vector<std::pair<TimeUs, TimeUs>> gtx_span_times(const CheckInput& in) {
  std::vector<std::pair<TimeUs, TimeUs>> out;
  const auto* arrivals = in.arrivals;
  for (const auto& [gid, g] : index(in)) {
    if (!g.started) continue;
    TimeUs start = g.started.t_us;
    if (g.arrived_us >= 0) {
      start = std::min(start, g.arrived_us);
    } else if (arrivals) {
      auto it = std::lower_bound(arrivals->begin(), arrivals->end(), gid,
                                 [](const auto& a, std::string_view k) { return a.first < k; });
      if (it != arrivals->end() && it->first == gid) start = std::min(start, it->second);
    }
    out.emplace_back(start, g.final ? g.final.t_us : -1);
  }
  const auto& sealed = stream(in).sealed().spans;
  out.insert(out.end(), sealed.begin(), sealed.end());
  return out;
}

std::map<std::string, std::pair<TimeUs, TimeUs>> gtx_spans(const EventLog& events) {
  FinalState none;
  return gtx_spans(CheckInput{events, none});
}

namespace {

// The checks of one transaction, alone: run on each transaction still held at the end, and
// on each one the stream sealed earlier (final and quiet), so a long run's checks need not
// hold every transaction.
using GidCheck = void (*)(std::string_view gid, const GidInfo& g, const SealSpec& c,
                          std::vector<Violation>& out);

void conservation_of(std::string_view gid, const GidInfo& g, const SealSpec&,
                     std::vector<Violation>& out) {
  int64_t sum = 0;
  for (const auto& [b, a] : g.by_branch)
    for (const Effect& e : a.effects) sum += e.money;
  if (sum != 0) {
    out.push_back(make("conservation", gid,
                       "money changed by " + std::to_string(sum) + " in this transaction's effects",
                       all_effect_ids(g)));
  }
}

void atomicity_of(std::string_view gid, const GidInfo& g, const SealSpec&,
                  std::vector<Violation>& out) {
  if (g.branches.empty()) return;
  bool some = false, none = false;
  std::string detail;
  for (const auto& b : g.branches) {
    bool applied = net_applied(g, b) > 0;
    (applied ? some : none) = true;
    detail += (detail.empty() ? "" : ", ") + s(b) + (applied ? " applied" : " not applied");
  }
  if (some && none)
    out.push_back(make("atomicity", gid, "partial outcome: " + detail, all_effect_ids(g)));
}

void no_lost_of(std::string_view gid, const GidInfo& g, const SealSpec&,
                std::vector<Violation>& out) {
  auto o = g.by_branch.find(g.origin);
  if (g.origin.empty() || o == g.by_branch.end() || o->second.net <= 0) return;
  for (const auto& b : g.branches) {
    if (b == g.origin) continue;
    if (net_applied(g, b) <= 0) {
      out.push_back(
          make("no_lost", gid,
               "origin '" + s(g.origin) + "' committed but '" + s(b) + "' was never applied",
               ids(o->second.effects)));
    }
  }
}

void no_phantom_of(std::string_view gid, const GidInfo& g, const SealSpec&,
                   std::vector<Violation>& out) {
  if (g.origin.empty()) return;
  if (net_applied(g, g.origin) > 0) return;
  for (const auto& [b, a] : g.by_branch) {
    if (b == g.origin || a.net <= 0) continue;
    out.push_back(make("no_phantom", gid,
                       quoted(b) + " applied without a committed origin " + quoted(g.origin),
                       ids(a.effects)));
  }
}

void exactly_once_of(std::string_view gid, const GidInfo& g, const SealSpec&,
                     std::vector<Violation>& out) {
  for (const auto& [b, a] : g.by_branch) {
    if (a.effects.size() < 2) continue;  // nothing can repeat
    std::map<std::string_view, std::vector<Effect>> by_op;
    for (const Effect& e : a.effects) by_op[e.op].push_back(e);
    for (const auto& [op, v] : by_op) {
      if (v.size() > 1) {
        out.push_back(make(
            "exactly_once", gid,
            quoted(b) + " " + s(op) + " applied " + std::to_string(v.size()) + " times", ids(v)));
      }
    }
  }
}

void termination_of(std::string_view gid, const GidInfo& g, const SealSpec& c,
                    std::vector<Violation>& out) {
  if (!g.started) return;
  if (!g.final) {
    out.push_back(make("termination", gid, "never reached a final state", {g.started.id}));
  } else if (c.bound_us > 0 && g.final.t_us > c.deadline_us) {
    out.push_back(make("termination", gid,
                       "final only at t=" + std::to_string(g.final.t_us / 1000) +
                           " ms, after the bound " + std::to_string(c.deadline_us / 1000) + " ms",
                       {g.started.id, g.final.id}));
  }
}

void tcc_no_hanging_of(std::string_view gid, const GidInfo& g, const SealSpec&,
                       std::vector<Violation>& out) {
  for (const auto& [b, a] : g.by_branch) {
    const Effect* cancel = nullptr;
    for (const Effect& e : a.effects) {
      if (e.op == "cancel" && !cancel) cancel = &e;
      if (e.op == "try" && cancel) {
        out.push_back(make("tcc_no_hanging", gid, quoted(b) + " Try took effect after its Cancel",
                           {cancel->id, e.id}));
      }
    }
  }
}

void tcc_null_compensation_of(std::string_view gid, const GidInfo& g, const SealSpec&,
                              std::vector<Violation>& out) {
  for (const auto& [b, a] : g.by_branch) {
    bool tried = false;
    for (const Effect& e : a.effects) {
      if (e.op == "try" || e.op == "action") tried = true;
      if ((e.op == "cancel" || e.op == "compensate") && !tried && e.amount != 0) {
        out.push_back(make("tcc_null_compensation", gid,
                           quoted(b) + " " + s(e.op) + " without a prior Try/action changed " +
                               std::to_string(e.amount),
                           {e.id}));
      }
    }
  }
}

struct GidCheckInfo {
  const char* invariant;
  GidCheck check;
};

constexpr GidCheckInfo kGidChecks[] = {
    {"conservation", conservation_of},
    {"atomicity", atomicity_of},
    {"no_lost", no_lost_of},
    {"no_phantom", no_phantom_of},
    {"exactly_once", exactly_once_of},
    {"termination", termination_of},
    {"tcc_no_hanging", tcc_no_hanging_of},
    {"tcc_null_compensation", tcc_null_compensation_of},
};

// The sealed transactions' violations of `invariant`, then the held ones', in gid order (as
// one pass over every transaction would list them).
std::vector<Violation> per_gid(const CheckInput& in, const char* invariant, GidCheck check) {
  const CheckStream& st = stream(in);
  SealSpec c;
  c.deadline_us = in.final_state.heal_us + in.final_state.termination_bound_us;
  c.bound_us = in.final_state.termination_bound_us;
  std::vector<Violation> out;
  auto sealed = st.sealed().violations.find(invariant);
  if (sealed != st.sealed().violations.end()) out = sealed->second;
  bool merge = !out.empty();
  for (const auto& [gid, g] : st.gids()) check(gid, g, c, out);
  if (merge)
    std::stable_sort(out.begin(), out.end(),
                     [](const Violation& x, const Violation& y) { return x.gid < y.gid; });
  return out;
}

}  // namespace

void seal_checks(std::string_view gid, const GidInfo& g, const SealSpec& spec, Sealed& out) {
  for (const GidCheckInfo& c : kGidChecks) {
    if (std::find(spec.checked.begin(), spec.checked.end(), c.invariant) == spec.checked.end())
      continue;
    std::vector<Violation> found;
    c.check(gid, g, spec, found);
    if (found.empty()) continue;
    auto& list = out.violations[c.invariant];
    for (auto& v : found) list.push_back(std::move(v));
  }
}

std::vector<Violation> conservation_checker(const CheckInput& in) {
  const FinalState& f = in.final_state;
  if (f.money_final == f.money_initial) return {};
  std::vector<Violation> out = per_gid(in, "conservation", conservation_of);
  if (out.empty()) {
    out.push_back(make("conservation", "",
                       "total money " + std::to_string(f.money_final) + " differs from initial " +
                           std::to_string(f.money_initial),
                       {}));
  }
  return out;
}

std::vector<Violation> atomicity_checker(const CheckInput& in) {
  return per_gid(in, "atomicity", atomicity_of);
}

std::vector<Violation> no_lost_checker(const CheckInput& in) {
  return per_gid(in, "no_lost", no_lost_of);
}

std::vector<Violation> no_phantom_checker(const CheckInput& in) {
  return per_gid(in, "no_phantom", no_phantom_of);
}

std::vector<Violation> exactly_once_checker(const CheckInput& in) {
  return per_gid(in, "exactly_once", exactly_once_of);
}

std::vector<Violation> termination_checker(const CheckInput& in) {
  return per_gid(in, "termination", termination_of);
}

std::vector<Violation> tcc_no_hanging_checker(const CheckInput& in) {
  return per_gid(in, "tcc_no_hanging", tcc_no_hanging_of);
}

std::vector<Violation> tcc_null_compensation_checker(const CheckInput& in) {
  return per_gid(in, "tcc_null_compensation", tcc_null_compensation_of);
}

std::vector<Violation> per_key_order_checker(const CheckInput& in) {
  std::vector<Violation> out;
  // Origin commit order per key, then the order downstream effects were first applied.
  std::map<std::string_view, std::vector<std::pair<uint64_t, std::string_view>>> origin_order,
      applied_order;
  for (const auto& [gid, g] : index(in)) {
    for (const auto& [b, a] : g.by_branch) {
      if (a.effects.empty()) continue;
      if (a.first_key.empty()) continue;
      auto& target = b == g.origin ? origin_order : applied_order;
      target[a.first_key].push_back({a.effects.front().id, gid});
    }
  }
  const Sealed& sealed = stream(in).sealed();
  for (const auto& f : sealed.first_effects) {
    auto& target = f.origin ? origin_order : applied_order;
    target[f.key].push_back({f.event, sealed.name(f.gid)});
  }
  for (auto& [key, applied] : applied_order) {
    auto& origins = origin_order[key];
    std::sort(origins.begin(), origins.end());
    std::sort(applied.begin(), applied.end());
    std::map<std::string_view, size_t> rank;
    for (size_t i = 0; i < origins.size(); ++i) rank[origins[i].second] = i;
    bool any = false;
    size_t max_rank = 0;
    uint64_t max_event = 0;
    std::string_view max_gid;
    for (const auto& [event, gid] : applied) {
      auto r = rank.find(gid);
      if (r == rank.end()) continue;
      if (any && r->second < max_rank) {
        out.push_back(make("per_key_order", gid,
                           "key '" + s(key) + "': applied after " + s(max_gid) +
                               " although its origin committed first",
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
  const auto& idx = index(in);
  const Sealed& sealed = stream(in).sealed();
  for (const auto& [gid, amount] : in.final_state.open_reservations) {
    std::vector<uint64_t> ev;
    auto it = idx.find(gid);
    if (it != idx.end())
      ev = all_effect_ids(it->second);
    else
      ev = sealed.effect_ids_of(gid);
    out.push_back(make(
        "tcc_no_orphan", gid,
        "a reservation (amount " + std::to_string(amount) + ") is still held after the end", ev));
  }
  return out;
}

// Found by the stream as the effects came (CheckStream::overdraft).
std::vector<Violation> no_overdraft_checker(const CheckInput& in) {
  return stream(in).overdrafts();
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
      {"no_overdraft", no_overdraft_checker,
       "no committed state in which an account's balance + frozen is below zero"},
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
