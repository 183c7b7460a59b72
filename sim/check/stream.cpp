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
GidInfo& CheckStream::gid(std::string_view g, TimeUs t_us) {
  if (last_gid_.second && last_gid_.first == g) return *last_gid_.second;
  std::map<std::string, GidInfo, std::less<>>::iterator it;
  size_t before = gids_.size();
  if (gids_.empty() || std::prev(gids_.end())->first < g) {
    it = gids_.emplace_hint(gids_.end(), std::string(g), GidInfo{});
  } else {
    it = gids_.find(g);
    if (it == gids_.end()) it = gids_.emplace(std::string(g), GidInfo{}).first;
  }
  if (sealing_ && gids_.size() > before) due_.emplace_back(t_us + spec_.quiet_us, it);
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
  if (!e.gid.empty()) {
    if (const GtxRecord* r = e.detail.gtx()) gtx(e, *r);
    if (const EffectRecord* r = e.detail.effect()) effect(e, *r);
  }
  if (sealing_) seal_due(e.t_us);
}

void CheckStream::gtx(const Event& e, const GtxRecord& r) {
  GidInfo& g = gid(e.gid, e.t_us);
  g.last_us = e.t_us;
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
  GidInfo& g = gid(e.gid, e.t_us);
  g.last_us = e.t_us;
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

namespace {

// A message-based transaction's final record: the last of its downstream branches' done
// records, once every one has one (none: not final).
EventRef derived_final(const GidInfo& g) {
  EventRef last;
  if (g.branches.empty() || g.branch_done.empty()) return last;
  for (const auto& b : g.branches) {
    if (b == g.origin) continue;
    auto it = g.branch_done.find(b);
    if (it == g.branch_done.end()) return EventRef{};
    if (!last || it->second.id > last.id) last = it->second;
  }
  return last;
}

}  // namespace

void CheckStream::finish() {
  if (finished_) return;
  finished_ = true;
  for (auto& [id, g] : gids_) {
    if (!g.started && !g.origin.empty()) {
      g.branches.push_back(g.origin);
      for (const auto& [b, a] : g.by_branch)
        if (b != g.origin) g.branches.push_back(b);
    }
    if (!g.final) g.final = derived_final(g);
  }
  if (sealing_) check_sealed_once();
}

void CheckStream::seal_when_quiet(SealSpec spec) {
  spec_ = std::move(spec);
  sealing_ = true;
  for (auto it = gids_.begin(); it != gids_.end(); ++it)
    due_.emplace_back(last_event_us_ + spec_.quiet_us, it);
}

void CheckStream::seal_due(TimeUs now_us) {
  while (!due_.empty() && due_.front().first <= now_us) {
    auto it = due_.front().second;
    due_.pop_front();
    if (!seal(it, now_us))
      due_.emplace_back(std::max(it->second.last_us, now_us) + spec_.quiet_us, it);
  }
}

// Seals a final transaction quiet for long enough (or drops one that never did anything,
// such as a refused request); false when it is neither.
bool CheckStream::seal(std::map<std::string, GidInfo, std::less<>>::iterator it, TimeUs now_us) {
  GidInfo& g = it->second;
  if (g.last_us >= 0 && g.last_us + spec_.quiet_us > now_us) return false;
  bool empty = !g.started && g.by_branch.empty() && g.branch_done.empty();
  if (!empty) {
    if (!g.started) return false;  // a phantom, or not started yet: kept to the end
    if (!g.final) g.final = derived_final(g);
    if (!g.final) return false;
    seal_checks(it->first, g, spec_, sealed_);
  }
  keep_sealed(it->first, g);
  if (last_gid_.second == &g) last_gid_ = {};
  gids_.erase(it);
  return true;
}

void CheckStream::keep_sealed(std::string_view gid, const GidInfo& g) {
  sealed_.names += gid;
  sealed_.name_end.push_back(static_cast<uint32_t>(sealed_.names.size()));
  auto index = static_cast<uint32_t>(sealed_.name_end.size() - 1);
  if (g.started) {
    TimeUs start = g.arrived_us >= 0 ? std::min(g.started.t_us, g.arrived_us) : g.started.t_us;
    sealed_.spans.emplace_back(start, g.final.t_us);
  }
  if (g.first_effect_us >= 0) sealed_.windows.push_back(g.last_effect_us - g.first_effect_us);
  if (spec_.checks("per_key_order")) {
    for (const auto& [b, a] : g.by_branch)
      if (!a.effects.empty() && !a.first_key.empty())
        sealed_.first_effects.push_back({a.first_key, a.effects.front().id, index, b == g.origin});
  }
  if (spec_.checks("tcc_no_orphan")) {
    size_t from = sealed_.effect_ids.size();
    for (const auto& [b, a] : g.by_branch)
      for (const Effect& e : a.effects) sealed_.effect_ids.push_back(e.id);
    std::sort(sealed_.effect_ids.begin() + static_cast<std::ptrdiff_t>(from),
              sealed_.effect_ids.end());
    sealed_.effect_end.push_back(static_cast<uint32_t>(sealed_.effect_ids.size()));
  }
}

// A transaction sealed twice, or sealed and then seen again, was sealed too soon.
void CheckStream::check_sealed_once() {
  std::vector<std::string_view> names;
  names.reserve(sealed_.name_end.size());
  for (uint32_t i = 0; i < sealed_.name_end.size(); ++i) names.push_back(sealed_.name(i));
  std::sort(names.begin(), names.end());
  if (std::adjacent_find(names.begin(), names.end()) != names.end()) sealed_too_soon_ = true;
  for (const auto& [gid, g] : gids_)
    if (std::binary_search(names.begin(), names.end(), std::string_view(gid)))
      sealed_too_soon_ = true;
}

std::vector<uint64_t> Sealed::effect_ids_of(std::string_view gid) const {
  if (effect_end.size() != name_end.size()) return {};
  for (uint32_t i = 0; i < name_end.size(); ++i) {
    if (name(i) != gid) continue;
    uint32_t from = i == 0 ? 0 : effect_end[i - 1];
    return {effect_ids.begin() + from, effect_ids.begin() + effect_end[i]};
  }
  return {};
}

}  // namespace dtx
