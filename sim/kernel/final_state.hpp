// What a run leaves behind, summed by the workload from the databases after the run and
// judged by the checkers (conservation, open reservations, termination).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "sim/kernel/simulator.hpp"

namespace dtx {

struct FinalState {
  int64_t money_initial = 0;
  int64_t money_final = 0;
  // Reservations still held at the end (one entry per gid, value = amount frozen, may be 0).
  std::map<std::string, int64_t> open_reservations;
  TimeUs heal_us = 0;
  TimeUs termination_bound_us = 0;
  TimeUs end_us = 0;
  // Each ledger row's balance at the start, by account name (no_overdraft replays from it).
  std::map<std::string, int64_t> initial_balances;
};

}  // namespace dtx
