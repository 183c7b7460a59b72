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
          {"in_doubt_ms_total", in_doubt_us_total / 1000.0},
          {"in_doubt_ms_max", in_doubt_us_max / 1000.0},
          {"lock_waits", lock_waits},
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

Metrics compute_metrics(const CheckInput& in) {
  const EventLog& events = in.events;
  Metrics m;
  std::vector<TimeUs> latencies;
  auto spans = gtx_span_times(in);
  TimeUs first_start = INT64_MAX, last_final = 0;
  for (const auto& span : spans) {
    first_start = std::min(first_start, span.first);
    if (span.second < 0) continue;
    latencies.push_back(span.second - span.first);
    last_final = std::max(last_final, span.second);
  }
  std::vector<bool> delivered;  // by message id (ids are dense)
  int64_t money_in_flight = 0;
  std::map<std::pair<std::string, int64_t>, TimeUs> prepared_at;
  TimeUs inconsistent_since = 0;
  for (const Event& e : events) {
    m.end_us = e.t_us;
    switch (e.kind) {
      case Kind::send:
        ++m.messages;
        break;
      case Kind::deliver:
        if (e.msg >= delivered.size())
          delivered.resize(std::max<size_t>(e.msg + 1, 2 * delivered.size()));
        if (delivered[e.msg]) ++m.duplicate_deliveries;
        delivered[e.msg] = true;
        break;
      case Kind::db_prepare:
        if (e.detail.contains("txn")) prepared_at[{e.node, e.detail.integer_field("txn")}] = e.t_us;
        break;
      case Kind::db_lock_wait:
        ++m.lock_waits;
        break;
      case Kind::db_commit:
      case Kind::db_rollback: {
        if (e.kind == Kind::db_commit) ++m.local_txns;
        // Only a prepared transaction's end is looked up.
        auto it = !prepared_at.empty() && e.detail.contains("txn")
                      ? prepared_at.find({e.node, e.detail.integer_field("txn")})
                      : prepared_at.end();
        if (it != prepared_at.end()) {
          TimeUs d = e.t_us - it->second;
          m.in_doubt_us_total += d;
          m.in_doubt_us_max = std::max(m.in_doubt_us_max, d);
          prepared_at.erase(it);
        }
        break;
      }
      case Kind::retry:
        ++m.retries;
        break;
      case Kind::checkback:
        if (!e.detail.contains("answer")) ++m.checkbacks;
        break;
      case Kind::broker_dlq:
        ++m.dead_letters;
        break;
      case Kind::broker_redeliver:
        ++m.redeliveries;
        break;
      case Kind::alert:
        ++m.alerts;
        break;
      case Kind::effect: {
        int64_t money = e.detail.integer_field("money");
        if (money == 0) break;
        bool was = money_in_flight != 0;
        money_in_flight += money;
        bool is = money_in_flight != 0;
        if (!was && is) inconsistent_since = e.t_us;
        if (was && !is) m.inconsistency_window_us += e.t_us - inconsistent_since;
        break;
      }
      default:
        break;
    }
  }
  if (in.last_event_us >= 0) m.end_us = in.last_event_us;
  if (money_in_flight != 0) m.inconsistency_window_us += m.end_us - inconsistent_since;
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
  if (m.business_txns > 0) {
    m.messages_per_txn = static_cast<double>(m.messages) / m.business_txns;
    m.local_txns_per_txn = static_cast<double>(m.local_txns) / m.business_txns;
  }
  return m;
}

}  // namespace dtx
