// A synthetic but format-valid dtxsim trace (TRACE_FORMAT.md) of any size, for the viewer's
// tests and benchmark: several lane groups, spans, messages (dropped, duplicated, retried),
// crashes, pauses, partitions, clogs, checkbacks, violations. Deterministic in (n_events, seed).
#pragma once

#include <cstdint>
#include <ostream>

namespace dtxview {

struct SynthStats {
  uint64_t events = 0;
  uint64_t violations = 0;
  int64_t t_end_us = 0;
};

SynthStats write_synthetic_trace(std::ostream& out, uint64_t n_events, uint64_t seed = 1);

}  // namespace dtxview
