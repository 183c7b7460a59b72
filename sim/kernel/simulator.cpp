// Binary heap of (time, sequence, slot); callbacks live in a slot table with generations.
#include "sim/kernel/simulator.hpp"

#include <algorithm>
#include <cassert>

namespace dtx {

TimerId Simulator::schedule_at(TimeUs t_us, Callback fn) {
  return push(t_us, next_seq_++, std::move(fn));
}

TimerId Simulator::schedule_reserved(TimeUs t_us, uint64_t seq, Callback fn) {
  return push(t_us, seq, std::move(fn));
}

TimerId Simulator::push(TimeUs t_us, uint64_t seq, Callback fn) {
  if (t_us < now_us_) t_us = now_us_;
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  s.fn = std::move(fn);
  s.armed = true;
  heap_.push_back({t_us, seq, slot});
  std::push_heap(heap_.begin(), heap_.end(), later);
  ++live_;
  return {slot, s.generation};
}

bool Simulator::cancel(TimerId id) {
  if (!id.valid() || id.slot >= slots_.size()) return false;
  Slot& s = slots_[id.slot];
  if (s.generation != id.generation || !s.armed) return false;
  s.armed = false;
  s.fn = nullptr;  // release captures now; the heap entry is skipped later
  --live_;
  return true;
}

bool Simulator::step(TimeUs limit_us) {
  while (!heap_.empty()) {
    Entry top = heap_.front();
    if (top.t_us > limit_us) return false;
    std::pop_heap(heap_.begin(), heap_.end(), later);
    heap_.pop_back();
    Slot& s = slots_[top.slot];
    bool armed = s.armed;
    Callback fn = std::move(s.fn);
    s.fn = nullptr;
    s.armed = false;
    ++s.generation;
    free_slots_.push_back(top.slot);
    if (!armed) continue;
    --live_;
    assert(top.t_us >= now_us_);
    now_us_ = top.t_us;
    ++events_run_;
    fn();
    if (after_event_) after_event_();
    return true;
  }
  return false;
}

bool Simulator::advance_if_next(TimeUs t_us) {
  if (!fast_forward_ || t_us < now_us_ || t_us > limit_us_) return false;
  if (!heap_.empty() && heap_.front().t_us <= t_us) return false;
  now_us_ = t_us;
  ++next_seq_;  // the sequence number the skipped event would have taken
  ++events_run_;
  return true;
}

uint64_t Simulator::run() {
  uint64_t n = 0;
  TimeUs outer = limit_us_;
  limit_us_ = kForever;
  while (step(kForever)) ++n;
  limit_us_ = outer;
  return n;
}

uint64_t Simulator::run_until(TimeUs t_us) {
  uint64_t n = 0;
  TimeUs outer = limit_us_;
  limit_us_ = t_us;
  while (step(t_us)) ++n;
  limit_us_ = outer;
  if (t_us > now_us_) now_us_ = t_us;
  return n;
}

uint64_t Simulator::run_events(uint64_t budget) {
  uint64_t n = 0;
  while (n < budget && step(kForever)) ++n;
  return n;
}

}  // namespace dtx
