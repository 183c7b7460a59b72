// Invariant checkers: pure functions of the history and the final state, each returning
// violations with the global transaction id, a one-line explanation and the ids of the
// events that prove it. They only read the typed records of `gtx` and `effect` events
// (sim/kernel/records.hpp, by field) and the final-state summary the workload computes from
// the databases, so any pattern is checked the same way, and each checker can be tested on a
// hand-written history.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/check/stream.hpp"
#include "sim/kernel/final_state.hpp"
#include "sim/kernel/history.hpp"

namespace dtx {

// The event kinds the checkers, the metrics and the runner read from a run's events: the
// kinds the run hands its CheckStream as it records them (all are still traced).
inline constexpr Kind kCheckedKinds[] = {
    Kind::gtx,        Kind::effect,           Kind::send,         Kind::deliver, Kind::db_prepare,
    Kind::db_commit,  Kind::db_rollback,      Kind::db_lock_wait, Kind::retry,   Kind::checkback,
    Kind::broker_dlq, Kind::broker_redeliver, Kind::alert,        Kind::crash};

struct CheckInput {
  const EventLog& events;
  const FinalState& final_state;
  // What the checkers read: fed live by the run (History::set_sink), or built from `events`
  // by the first checker that needs it and shared by the rest (the events must not change
  // while it is held).
  mutable std::shared_ptr<const CheckStream> index = nullptr;
  // The time of the run's last event when `events` holds only some kinds (-1: the last of
  // `events` is the run's last).
  TimeUs last_event_us = -1;
  // When each business transaction arrived (sorted by gid; null: not known). Latency counts
  // from arrival, so the time a request waits before its first local transaction commits
  // (lock waits, a saturated database) is part of it.
  const std::vector<std::pair<std::string, TimeUs>>* arrivals = nullptr;
};

using Checker = std::vector<Violation> (*)(const CheckInput&);

std::vector<Violation> conservation_checker(const CheckInput& in);
std::vector<Violation> atomicity_checker(const CheckInput& in);
std::vector<Violation> no_lost_checker(const CheckInput& in);
std::vector<Violation> no_phantom_checker(const CheckInput& in);
std::vector<Violation> exactly_once_checker(const CheckInput& in);
std::vector<Violation> termination_checker(const CheckInput& in);
std::vector<Violation> per_key_order_checker(const CheckInput& in);
std::vector<Violation> tcc_no_orphan_checker(const CheckInput& in);
std::vector<Violation> tcc_no_hanging_checker(const CheckInput& in);
std::vector<Violation> tcc_null_compensation_checker(const CheckInput& in);
std::vector<Violation> no_overdraft_checker(const CheckInput& in);

// The stream the checkers read (built from `in.events` when the run did not feed one).
const CheckStream& check_stream(const CheckInput& in);

// Started and final times of every business transaction (final = -1 when never final).
std::map<std::string, std::pair<TimeUs, TimeUs>> gtx_spans(const EventLog& events);
std::map<std::string, std::pair<TimeUs, TimeUs>> gtx_spans(const CheckInput& in);
// The same spans without their gids, in gid order (what the metrics need, without copies); a
// span starts at the transaction's arrival when `in.arrivals` knows it.
std::vector<std::pair<TimeUs, TimeUs>> gtx_span_times(const CheckInput& in);

struct InvariantInfo {
  const char* name;
  Checker checker;
  const char* summary;
};
const std::vector<InvariantInfo>& invariants();
const InvariantInfo* find_invariant(const std::string& name);

}  // namespace dtx
