// Metrics of a run, computed from the history alone: end-to-end latency percentiles,
// inconsistency window, messages and local transactions per business transaction,
// duplicates, retries, check-backs, dead letters, alerts.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sim/check/checkers.hpp"
#include "sim/kernel/history.hpp"

namespace dtx {

struct Metrics {
  int64_t business_txns = 0;
  int64_t finished_txns = 0;
  TimeUs latency_us_p50 = 0, latency_us_p90 = 0, latency_us_p99 = 0, latency_us_max = 0;
  TimeUs inconsistency_window_us = 0;
  double messages_per_txn = 0;
  double local_txns_per_txn = 0;
  int64_t messages = 0;
  int64_t local_txns = 0;
  int64_t duplicate_deliveries = 0;
  int64_t retries = 0;
  int64_t checkbacks = 0;
  int64_t dead_letters = 0;
  int64_t alerts = 0;
  int64_t redeliveries = 0;
  // Per business transaction, its first effect (the origin's commit) to its last effect (the
  // last downstream or compensating one): how long others can see it half done.
  TimeUs txn_window_us_p50 = 0, txn_window_us_p99 = 0, txn_window_us_max = 0;
  // After each crash, the time until every transaction open at the crash is final (a
  // transaction never final counts to the end of the run); the longest over the crashes.
  TimeUs recovery_us_max = 0;
  int64_t crashes = 0;
  // Prepared (in-doubt) database transactions hold their locks: total and longest time.
  TimeUs in_doubt_us_total = 0, in_doubt_us_max = 0;
  int64_t lock_waits = 0;
  // Waits of other transactions for a lock a prepared (in-doubt) transaction holds: how many,
  // and their time from the later of the wait's start and the holder's prepare until the
  // holder is decided, the waiter ends, or the run ends.
  int64_t in_doubt_lock_waits = 0;
  TimeUs in_doubt_lock_wait_us_total = 0;
  TimeUs end_us = 0;
  // Finished business transactions per simulated second, first arrival (or start, without
  // arrivals) to last finish.
  double throughput_per_s = 0;
  Json to_json() const;
};

// The metrics' one pass over the events (fed by CheckStream): counters, the in-doubt time of
// prepared transactions, and the time during which any money is in flight system-wide.
class MetricsTally {
 public:
  void add(const Event& e);
  // The tallied metrics with the waits and the inconsistency window still open closed at
  // `end_us` (the tally itself is left as it is).
  Metrics close(TimeUs end_us) const;
  const std::vector<TimeUs>& crash_times() const { return crash_times_; }

 private:
  struct LockWait {
    TimeUs start_us = 0;
    uint64_t holder = 0;
  };
  using TxnKey = std::pair<std::string, uint64_t>;  // (database, transaction)
  void deliver(const Event& e);
  void lock_wait(const Event& e);
  static void close_wait(Metrics& m, const std::map<TxnKey, TimeUs>& prepared_at,
                         const std::string& db, const LockWait& w, TimeUs end_us);
  void end_waits(const std::string& db, uint64_t txn, TimeUs t_us);
  void txn_end(const Event& e);
  void effect(TimeUs t_us, int64_t money);

  Metrics m_;
  std::vector<TimeUs> crash_times_;
  std::vector<bool> delivered_;  // by message id (ids are dense)
  std::map<TxnKey, TimeUs> prepared_at_;
  std::map<TxnKey, LockWait> waits_;  // by the waiting transaction
  int64_t money_in_flight_ = 0;
  TimeUs inconsistent_since_ = 0;
};

// Nearest-rank percentile of sorted values (p in [0,100]).
TimeUs percentile(const std::vector<TimeUs>& sorted, double p);
Metrics compute_metrics(const EventLog& events);
// The same, sharing the checkers' index of `in`.
Metrics compute_metrics(const CheckInput& in);

}  // namespace dtx
