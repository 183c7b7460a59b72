// The checkers' state, one event at a time.
#include "sim/check/stream.hpp"

#include "sim/check/metrics.hpp"

namespace dtx {

CheckStream::CheckStream(const std::map<std::string, int64_t>* initial_balances)
    : initial_balances_(initial_balances), tally_(std::make_unique<MetricsTally>()) {}

CheckStream::~CheckStream() = default;

std::string_view CheckStream::name(std::string_view s) {
  auto it = names_.find(s);
  if (it == names_.end()) it = names_.emplace(s).first;
  return *it;
}

// Finds a gid's entry (made on first sight). Records of one transaction come close together
// and gids mostly arrive in order: the last entry is checked first, a new gid past the end
// is placed with a hint, and anything else is an ordered search.
GidInfo& CheckStream::gid(std::string_view g) {
  if (last_gid_.second && last_gid_.first == g) return *last_gid_.second;
  std::map<std::string, GidInfo, std::less<>>::iterator it;
  if (gids_.empty() || std::prev(gids_.end())->first < g) {
    it = gids_.emplace_hint(gids_.end(), std::string(g), GidInfo{});
  } else {
    it = gids_.find(g);
    if (it == gids_.end()) it = gids_.emplace(std::string(g), GidInfo{}).first;
  }
  last_gid_ = {it->first, &it->second};
  return it->second;
}

void CheckStream::add(const Event& e) {
  last_event_us_ = e.t_us;
  tally_->add(e);
  if (e.kind == Kind::broker_dlq) dead_gids_.emplace(e.gid);
  // Records made from text (not by the simulator) carry nothing the checkers read.
  const EffectRecord* effect_record = e.kind == Kind::effect ? e.detail.effect() : nullptr;
  if (effect_record && effect_record->money != 0) overdraft(e, *effect_record);
  if (e.gid.empty()) return;
  if (const GtxRecord* r = e.detail.gtx()) gtx(e, *r);
  if (const EffectRecord* r = e.detail.effect()) effect(e, *r);
}

void CheckStream::gtx(const Event& e, const GtxRecord& r) {
  GidInfo& g = gid(e.gid);
  EventRef here{e.id, e.t_us};
  if (r.state == "started" && !g.started) {
    g.started = here;
    for (const auto& b : r.branches) g.branches.push_back(name(b));
    g.origin = name(r.origin);
  }
  if (r.final.value_or(false) && !g.final) g.final = here;
  if (r.state == "branch_done" || r.state == "branch_refused")
    g.branch_done.emplace(name(r.branch), here);  // the first one counts
}

void CheckStream::effect(const Event& e, const EffectRecord& r) {
  GidInfo& g = gid(e.gid);
  Applied& a = g.by_branch[name(r.branch)];
  Effect x{e.id, name(r.op), r.money, r.amount};
  if (a.effects.empty()) a.first_key = name(r.key);
  if (x.op == "action" || x.op == "confirm") ++a.net;
  if (x.op == "compensate" && x.amount != 0) --a.net;
  a.effects.push_back(x);
  // An effect names its transaction's origin, so a phantom (no started record, because the
  // origin never committed) is still recognised.
  if (g.origin.empty()) g.origin = name(r.origin);
  if (g.first_effect_us < 0) g.first_effect_us = e.t_us;
  g.last_effect_us = e.t_us;
}

// Replays every committed effect on its account from the initial balances: an account whose
// balance + frozen drops below zero was overdrawn, i.e. some committed state showed it
// negative (a saga's compensation taking back a credit that was spent meanwhile).
void CheckStream::overdraft(const Event& e, const EffectRecord& r) {
  if (!initial_balances_) return;
  std::string_view account = name(r.account);
  auto it = balances_.find(account);
  if (it == balances_.end()) {
    auto init = initial_balances_->find(r.account);
    if (init == initial_balances_->end()) return;  // not a ledger row we know
    it = balances_.emplace(account, init->second).first;
  }
  it->second += r.money;
  if (it->second >= 0 || overdrawn_.count(account)) return;
  overdrawn_.insert(account);
  overdrafts_.push_back({"no_overdraft",
                         e.gid,
                         "account '" + r.account + "' at " + std::to_string(it->second) +
                             " after this transaction's " + r.op + " of '" + r.branch + "'",
                         {e.id}});
}

void CheckStream::finish() {
  if (finished_) return;
  finished_ = true;
  for (auto& [id, g] : gids_) {
    if (!g.started && !g.origin.empty()) {
      g.branches.push_back(g.origin);
      for (const auto& [b, a] : g.by_branch)
        if (b != g.origin) g.branches.push_back(b);
    }
    if (g.final || g.branches.empty() || g.branch_done.empty()) continue;
    EventRef last;
    bool all = true;
    for (const auto& b : g.branches) {
      if (b == g.origin) continue;
      auto it = g.branch_done.find(b);
      if (it == g.branch_done.end()) {
        all = false;
        break;
      }
      if (!last || it->second.id > last.id) last = it->second;
    }
    if (all) g.final = last;
  }
}

}  // namespace dtx
