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

// Nearest-rank percentile of sorted values (p in [0,100]).
TimeUs percentile(const std::vector<TimeUs>& sorted, double p);
Metrics compute_metrics(const EventLog& events);
// The same, sharing the checkers' index of `in`.
Metrics compute_metrics(const CheckInput& in);

}  // namespace dtx
