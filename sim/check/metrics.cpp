// Metrics from one pass over the history.
#include "sim/check/metrics.hpp"

#include "sim/check/checkers.hpp"

#include <algorithm>
#include <set>

namespace dtx {

Json Metrics::to_json() const {
  return {{"business_txns", business_txns},
          {"finished_txns", finished_txns},
          {"latency_ms_p50", latency_us_p50 / 1000.0},
          {"latency_ms_p90", latency_us_p90 / 1000.0},
          {"latency_ms_p99", latency_us_p99 / 1000.0},
          {"latency_ms_max", latency_us_max / 1000.0},
          {"inconsistency_window_ms", inconsistency_window_us / 1000.0},
          {"messages", messages},
          {"messages_per_txn", messages_per_txn},
          {"local_txns", local_txns},
          {"local_txns_per_txn", local_txns_per_txn},
          {"duplicate_deliveries", duplicate_deliveries},
          {"retries", retries},
          {"checkbacks", checkbacks},
          {"dead_letters", dead_letters},
          {"redeliveries", redeliveries},
          {"alerts", alerts},
          {"txn_window_ms_p50", txn_window_us_p50 / 1000.0},
          {"txn_window_ms_p99", txn_window_us_p99 / 1000.0},
          {"txn_window_ms_max", txn_window_us_max / 1000.0},
          {"recovery_ms_max", recovery_us_max / 1000.0},
          {"crashes", crashes},
          {"in_doubt_ms_total", in_doubt_us_total / 1000.0},
          {"in_doubt_ms_max", in_doubt_us_max / 1000.0},
          {"lock_waits", lock_waits},
          {"in_doubt_lock_waits", in_doubt_lock_waits},
          {"in_doubt_lock_wait_ms_total", in_doubt_lock_wait_us_total / 1000.0},
          {"simulated_ms", end_us / 1000.0},
          {"throughput_per_s", throughput_per_s}};
}

TimeUs percentile(const std::vector<TimeUs>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size()) + 0.999999);
  if (rank == 0) rank = 1;
  if (rank > sorted.size()) rank = sorted.size();
  return sorted[rank - 1];
}

Metrics compute_metrics(const EventLog& events) {
  FinalState none;
  return compute_metrics(CheckInput{events, none});
}

void MetricsTally::add(const Event& e) {
  m_.end_us = e.t_us;
  switch (e.kind) {
    case Kind::send:
      ++m_.messages;
      break;
    case Kind::deliver:
      deliver(e);
      break;
    case Kind::db_prepare:
      if (e.local.id) prepared_at_[{e.node, e.local.id}] = e.t_us;  // not the broker's
      break;
    case Kind::db_lock_wait:
      ++m_.lock_waits;
      lock_wait(e);
      break;
    case Kind::db_commit:
    case Kind::db_rollback:
      if (e.kind == Kind::db_commit) ++m_.local_txns;
      txn_end(e);
      break;
    case Kind::retry:
      ++m_.retries;
      break;
    case Kind::checkback:
      if (const CheckbackRecord* c = e.detail.checkback(); c && !c->is_answer()) ++m_.checkbacks;
      break;
    case Kind::broker_dlq:
      ++m_.dead_letters;
      break;
    case Kind::broker_redeliver:
      ++m_.redeliveries;
      break;
    case Kind::alert:
      ++m_.alerts;
      break;
    case Kind::effect:
      if (const EffectRecord* r = e.detail.effect()) effect(e.t_us, r->money);
      break;
    case Kind::crash:
      ++m_.crashes;
      crash_times_.push_back(e.t_us);
      break;
    default:
      break;
  }
}

Metrics MetricsTally::close(TimeUs end_us) const {
  Metrics m = m_;
  m.end_us = end_us;
  if (money_in_flight_ != 0) m.inconsistency_window_us += end_us - inconsistent_since_;
  for (const auto& [key, w] : waits_) close_wait(m, prepared_at_, key.first, w, end_us);
  return m;
}

void MetricsTally::deliver(const Event& e) {
  if (e.msg >= delivered_.size())
    delivered_.resize(std::max<size_t>(e.msg + 1, 2 * delivered_.size()));
  if (delivered_[e.msg]) ++m_.duplicate_deliveries;
  delivered_[e.msg] = true;
}

// A wait for a lock: it ends with its holder or its waiter (whichever ends first).
void MetricsTally::lock_wait(const Event& e) {
  if (!e.local.id || !e.local.holder) return;
  uint64_t holder = *e.local.holder;
  if (holder == 0) return;  // the batch writer of lock contention, never prepared
  TxnKey key{e.node, e.local.id};
  auto old = waits_.find(key);
  if (old != waits_.end()) close_wait(m_, prepared_at_, e.node, old->second, e.t_us);
  waits_[key] = {e.t_us, holder};
}

// Adds the part of a wait during which its holder was prepared.
void MetricsTally::close_wait(Metrics& m, const std::map<TxnKey, TimeUs>& prepared_at,
                              const std::string& db, const LockWait& w, TimeUs end_us) {
  auto p = prepared_at.find({db, w.holder});
  if (p == prepared_at.end()) return;
  TimeUs from = std::max(w.start_us, p->second);
  if (end_us <= from) return;
  ++m.in_doubt_lock_waits;
  m.in_doubt_lock_wait_us_total += end_us - from;
}

// Closes the waits `txn` held up or was in (before its prepare record goes).
void MetricsTally::end_waits(const std::string& db, uint64_t txn, TimeUs t_us) {
  for (auto it = waits_.begin(); it != waits_.end();) {
    if (it->first.first == db && (it->first.second == txn || it->second.holder == txn)) {
      close_wait(m_, prepared_at_, db, it->second, t_us);
      it = waits_.erase(it);
    } else {
      ++it;
    }
  }
}

// Only a prepared transaction's end is looked up.
void MetricsTally::txn_end(const Event& e) {
  if (!waits_.empty() && e.local.id) end_waits(e.node, e.local.id, e.t_us);
  if (prepared_at_.empty() || !e.local.id) return;
  auto it = prepared_at_.find({e.node, e.local.id});
  if (it == prepared_at_.end()) return;
  TimeUs d = e.t_us - it->second;
  m_.in_doubt_us_total += d;
  m_.in_doubt_us_max = std::max(m_.in_doubt_us_max, d);
  prepared_at_.erase(it);
}

void MetricsTally::effect(TimeUs t_us, int64_t money) {
  if (money == 0) return;
  bool was = money_in_flight_ != 0;
  money_in_flight_ += money;
  bool is = money_in_flight_ != 0;
  if (!was && is) inconsistent_since_ = t_us;
  if (was && !is) m_.inconsistency_window_us += t_us - inconsistent_since_;
}

namespace {

// Per business transaction, its first effect to its last effect.
void window_metrics(const CheckStream& stream, Metrics& m) {
  std::vector<TimeUs> windows = stream.sealed().windows;
  for (const auto& [gid, g] : stream.gids())
    if (g.first_effect_us >= 0) windows.push_back(g.last_effect_us - g.first_effect_us);
  std::sort(windows.begin(), windows.end());
  m.txn_window_us_p50 = percentile(windows, 50);
  m.txn_window_us_p99 = percentile(windows, 99);
  m.txn_window_us_max = windows.empty() ? 0 : windows.back();
}

// Latency percentiles and throughput from each business transaction's (arrival, final) span.
void span_metrics(const std::vector<std::pair<TimeUs, TimeUs>>& spans, Metrics& m) {
  std::vector<TimeUs> latencies;
  TimeUs first_start = INT64_MAX, last_final = 0;
  for (const auto& span : spans) {
    first_start = std::min(first_start, span.first);
    if (span.second < 0) continue;
    latencies.push_back(span.second - span.first);
    last_final = std::max(last_final, span.second);
  }
  std::sort(latencies.begin(), latencies.end());
  m.business_txns = static_cast<int64_t>(spans.size());
  m.finished_txns = static_cast<int64_t>(latencies.size());
  m.latency_us_p50 = percentile(latencies, 50);
  m.latency_us_p90 = percentile(latencies, 90);
  m.latency_us_p99 = percentile(latencies, 99);
  m.latency_us_max = latencies.empty() ? 0 : latencies.back();
  if (!latencies.empty() && last_final > first_start)
    m.throughput_per_s = static_cast<double>(latencies.size()) * kUsPerS /
                         static_cast<double>(last_final - first_start);
}

// For each crash, how long the transactions open at that moment took to become final.
void recovery_metric(const std::vector<std::pair<TimeUs, TimeUs>>& spans,
                     const std::vector<TimeUs>& crashes, Metrics& m) {
  for (TimeUs crash : crashes) {
    for (const auto& [start, final_at] : spans) {
      if (start > crash || (final_at >= 0 && final_at <= crash)) continue;
      TimeUs end = final_at >= 0 ? final_at : m.end_us;
      m.recovery_us_max = std::max(m.recovery_us_max, end - crash);
    }
  }
}

}  // namespace

Metrics compute_metrics(const CheckInput& in) {
  const CheckStream& stream = check_stream(in);
  TimeUs end_us = in.last_event_us >= 0 ? in.last_event_us
                  : in.events.empty()   ? stream.last_event_us()
                                        : in.events.back().t_us;
  Metrics m = stream.tally().close(std::max<TimeUs>(end_us, 0));
  window_metrics(stream, m);
  auto spans = gtx_span_times(in);
  span_metrics(spans, m);
  recovery_metric(spans, stream.tally().crash_times(), m);
  if (m.business_txns > 0) {
    m.messages_per_txn = static_cast<double>(m.messages) / m.business_txns;
    m.local_txns_per_txn = static_cast<double>(m.local_txns) / m.business_txns;
  }
  return m;
}

}  // namespace dtx
