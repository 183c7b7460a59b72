// What the checkers and the metrics read of a run, built one event at a time as the run
// records them (a History sink), so a run need not keep its events in memory: per business
// transaction its gtx records and effects, with every string interned once; the running
// account balances no_overdraft replays; the dead-lettered gids; the metrics' counters.
// Checking a recorded history feeds the same stream from the log, so both paths are one.
#pragma once

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/kernel/history.hpp"

namespace dtx {

struct Violation {
  std::string invariant;
  std::string gid;
  std::string message;
  std::vector<uint64_t> events;
  Json to_json() const;
};

// A few entries by name, kept in a vector sorted by name (a transaction has a few branches).
template <typename V>
class SmallMap {
 public:
  using Item = std::pair<std::string_view, V>;
  using const_iterator = typename std::vector<Item>::const_iterator;
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  bool empty() const { return items_.empty(); }
  const_iterator find(std::string_view k) const {
    auto it = lower(k);
    return it != items_.end() && it->first == k ? it : items_.end();
  }
  // The entry for `k`, made (value-initialised) when missing.
  V& operator[](std::string_view k) {
    auto it = lower(k);
    if (it == items_.end() || it->first != k) it = items_.insert(it, Item{k, V{}});
    return it->second;
  }
  // Adds `k` unless present (the first one counts).
  void emplace(std::string_view k, V v) {
    auto it = lower(k);
    if (it == items_.end() || it->first != k) items_.insert(it, Item{k, std::move(v)});
  }

 private:
  typename std::vector<Item>::iterator lower(std::string_view k) const {
    auto& items = const_cast<std::vector<Item>&>(items_);
    return std::lower_bound(items.begin(), items.end(), k,
                            [](const Item& i, std::string_view key) { return i.first < key; });
  }
  std::vector<Item> items_;
};

// An event the checkers point at: its id (for violations) and time.
struct EventRef {
  uint64_t id = 0;
  TimeUs t_us = -1;  // -1: none
  explicit operator bool() const { return t_us >= 0; }
};

// One `effect` event with the fields the checkers read.
struct Effect {
  uint64_t id;
  std::string_view op;
  int64_t money;
  int64_t amount;
};

struct Applied {
  std::vector<Effect> effects;  // in history order
  std::string_view first_key;   // the first effect's aggregate key (per_key_order)
  // Net times the branch's business effect is applied: action/confirm +1, compensate -1
  // (a null compensation, amount 0, undoes nothing).
  int net = 0;
};

// One business transaction; its strings are views into the stream's pool of names.
struct GidInfo {
  EventRef started;
  EventRef final;
  std::vector<std::string_view> branches;
  std::string_view origin;
  SmallMap<Applied> by_branch;
  SmallMap<EventRef> branch_done;  // message patterns: downstream finished
  TimeUs first_effect_us = -1, last_effect_us = -1;
  TimeUs arrived_us = -1;  // when the request arrived (-1: not known)
  TimeUs last_us = -1;     // its last gtx or effect record
};

// When the stream may seal a transaction: once it is final and has had no record for
// `quiet_us`, its per-transaction checks run at once and only what the whole-run checks and
// the metrics need of it is kept (Sealed), so memory follows the transactions in flight, not
// the run's length.
struct SealSpec {
  TimeUs quiet_us = 0;
  TimeUs deadline_us = 0;  // termination's bound, as the final state will give it
  TimeUs bound_us = 0;
  std::vector<std::string> checked;  // the invariants the run checks
  bool checks(std::string_view invariant) const {
    return std::find(checked.begin(), checked.end(), invariant) != checked.end();
  }
};

// What is kept of the sealed transactions.
struct Sealed {
  size_t size() const { return name_end.size(); }  // transactions sealed
  // Their violations of the per-transaction invariants, by invariant, in sealing order.
  std::map<std::string, std::vector<Violation>, std::less<>> violations;
  std::vector<std::pair<TimeUs, TimeUs>> spans;  // (arrival or start, final)
  std::vector<TimeUs> windows;                   // first to last effect
  // Their gids, one after another (name_end[i]: where the i-th ends).
  std::string names;
  std::vector<uint32_t> name_end;
  // Each branch's first effect with an aggregate key (per_key_order).
  struct FirstEffect {
    std::string_view key;
    uint64_t event;
    uint32_t gid;  // index into names
    bool origin;
  };
  std::vector<FirstEffect> first_effects;
  // Every effect's event id, by sealed transaction (tcc_no_orphan).
  std::vector<uint64_t> effect_ids;
  std::vector<uint32_t> effect_end;

  std::string_view name(uint32_t i) const {
    uint32_t from = i == 0 ? 0 : name_end[i - 1];
    return std::string_view(names).substr(from, name_end[i] - from);
  }
  std::vector<uint64_t> effect_ids_of(std::string_view gid) const;
};

// Runs the per-transaction checks of the invariants `spec` checks on `g` into `out`
// (checkers.cpp).
void seal_checks(std::string_view gid, const GidInfo& g, const SealSpec& spec, Sealed& out);

class MetricsTally;  // metrics.hpp

class CheckStream final : public EventSink {
 public:
  // `initial_balances` (each ledger row's balance at the start, by account; may be null)
  // must outlive the stream.
  explicit CheckStream(const std::map<std::string, int64_t>* initial_balances);
  ~CheckStream() override;
  CheckStream(const CheckStream&) = delete;
  CheckStream& operator=(const CheckStream&) = delete;

  void add(const Event& e) override;
  // A business transaction's arrival (before its first event: latency counts from it).
  void arrived(std::string_view gid, TimeUs at_us) { this->gid(gid, at_us).arrived_us = at_us; }
  // After the last event: a phantom's branches come from its effects; a message-based
  // transaction is final once every downstream branch has finished. Called once.
  void finish();
  // From now on, transactions final and quiet for spec.quiet_us are sealed (see SealSpec);
  // only for a run whose events arrive through add() with their arrivals announced.
  void seal_when_quiet(SealSpec spec);
  const Sealed& sealed() const { return sealed_; }
  // True when a record came for a transaction already sealed (its checks would be wrong):
  // the run must be checked again without sealing. Known after finish().
  bool sealed_too_soon() const { return sealed_too_soon_; }

  const std::map<std::string, GidInfo, std::less<>>& gids() const { return gids_; }
  // no_overdraft's findings, found as the effects came (the first overdraft of each account).
  const std::vector<Violation>& overdrafts() const { return overdrafts_; }
  const std::set<std::string, std::less<>>& dead_gids() const { return dead_gids_; }
  const MetricsTally& tally() const { return *tally_; }
  TimeUs last_event_us() const { return last_event_us_; }

 private:
  std::string_view name(std::string_view s);
  GidInfo& gid(std::string_view g, TimeUs t_us);
  void gtx(const Event& e, const GtxRecord& r);
  void effect(const Event& e, const EffectRecord& r);
  void overdraft(const Event& e, const EffectRecord& r);
  void seal_due(TimeUs now_us);
  bool seal(std::map<std::string, GidInfo, std::less<>>::iterator it, TimeUs now_us);
  void keep_sealed(std::string_view gid, const GidInfo& g);
  void check_sealed_once();

  std::set<std::string, std::less<>> names_;
  std::map<std::string, GidInfo, std::less<>> gids_;
  std::pair<std::string_view, GidInfo*> last_gid_{};  // records of one gid come together
  const std::map<std::string, int64_t>* initial_balances_;
  std::map<std::string_view, int64_t> balances_;
  std::set<std::string_view> overdrawn_;
  std::vector<Violation> overdrafts_;
  std::set<std::string, std::less<>> dead_gids_;
  std::unique_ptr<MetricsTally> tally_;
  TimeUs last_event_us_ = -1;
  bool finished_ = false;
  bool sealing_ = false;
  bool sealed_too_soon_ = false;
  SealSpec spec_;
  Sealed sealed_;
  // Transactions to look at for sealing, by when (in that order).
  std::deque<std::pair<TimeUs, std::map<std::string, GidInfo, std::less<>>::iterator>> due_;
};

}  // namespace dtx
