// The kernel: a virtual clock (int64 microseconds) and an event queue ordered by
// (time, sequence). Cancelling a timer marks its slot; the loop skips it. One thread only.
#pragma once

#include <cstdint>
#include <functional>

#include <vector>
#include "sim/kernel/callback.hpp"

namespace dtx {

using TimeUs = int64_t;
constexpr TimeUs kUsPerMs = 1000;
constexpr TimeUs kUsPerS = 1000 * 1000;
constexpr TimeUs kForever = INT64_MAX;

// Identifies a scheduled event: slot index plus the slot's generation, so a stale id
// never cancels a later event that reused the slot.
struct TimerId {
  uint32_t slot = UINT32_MAX;
  uint32_t generation = 0;
  bool valid() const { return slot != UINT32_MAX; }
};

class Simulator {
 public:
  TimeUs now_us() const { return now_us_; }
  uint64_t events_run() const { return events_run_; }
  size_t pending() const { return live_; }

  TimerId schedule_at(TimeUs t_us, Callback fn);
  TimerId schedule_after(TimeUs delay_us, Callback fn) {
    return schedule_at(now_us_ + (delay_us < 0 ? 0 : delay_us), std::move(fn));
  }
  // Returns true when the event was still pending.
  bool cancel(TimerId id);
  // Reserves `n` consecutive sequence numbers and returns the first: events scheduled later
  // with them (schedule_reserved) order as if they had been scheduled now, so a long series
  // (a workload's arrivals) can be scheduled one at a time and keep the queue small.
  uint64_t reserve_sequences(uint64_t n) {
    uint64_t first = next_seq_;
    next_seq_ += n;
    return first;
  }
  TimerId schedule_reserved(TimeUs t_us, uint64_t seq, Callback fn);

  // Each returns the number of events run.
  uint64_t run();                   // until the queue is empty (quiescent)
  uint64_t run_until(TimeUs t_us);  // events with time <= t_us; clock ends at t_us
  uint64_t run_for(TimeUs duration_us) { return run_until(now_us_ + duration_us); }
  uint64_t run_events(uint64_t budget);  // at most `budget` events

  // Fast-forward: moves the clock to `t_us` at once, counting it as an event, when nothing
  // else could run first (no event due at or before `t_us`, `t_us` within the current run's
  // limit). A caller that would schedule its own continuation at `t_us` may then carry on
  // inline: the order of execution, the clock and every draw stay exactly the same. Never
  // during run_events, whose budget counts scheduled events.
  bool advance_if_next(TimeUs t_us);
  // Off: advance_if_next always refuses (tests compare both ways: the traces are identical).
  void set_fast_forward(bool on) { fast_forward_ = on; }

  // Called after every event, e.g. to reap finished processes or surface errors.
  void set_after_event(Callback fn) { after_event_ = std::move(fn); }

 private:
  struct Entry {
    TimeUs t_us;
    uint64_t seq;
    uint32_t slot;
  };
  struct Slot {
    Callback fn;
    uint32_t generation = 0;
    bool armed = false;
  };
  static bool later(const Entry& a, const Entry& b) {
    return a.t_us != b.t_us ? a.t_us > b.t_us : a.seq > b.seq;
  }
  bool step(TimeUs limit_us);
  TimerId push(TimeUs t_us, uint64_t seq, Callback fn);

  TimeUs now_us_ = 0;
  TimeUs limit_us_ = -1;  // the running loop's bound; -1: no fast-forward
  bool fast_forward_ = true;
  uint64_t next_seq_ = 0;
  uint64_t events_run_ = 0;
  size_t live_ = 0;
  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  Callback after_event_;
};

}  // namespace dtx
