// Time-axis arithmetic: zoom/pan of the visible range and ruler labelling.
// Guarantees: every change to the range ends in zoom_to_range, which enforces the width limits.
#include "time_axis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace dtxview {

void ViewRange::set_limits(double lo_us, double hi_us) {
  lo_us_ = lo_us;
  hi_us_ = std::max(hi_us, lo_us + kMinViewWidthUs);
}

void ViewRange::zoom_to_range(double a_us, double b_us) {
  if (b_us < a_us) std::swap(a_us, b_us);
  double max_width = 4 * (hi_us_ - lo_us_);
  double width = std::clamp(b_us - a_us, kMinViewWidthUs, max_width);
  double mid = 0.5 * (a_us + b_us);
  // Keep some of the trace on screen so the user cannot get lost in empty time.
  mid = std::clamp(mid, lo_us_ - width / 2, hi_us_ + width / 2);
  start_us_ = mid - width / 2;
  end_us_ = mid + width / 2;
}

void ViewRange::zoom_around(double anchor_us, double factor) {
  double a = anchor_us - (anchor_us - start_us_) * factor;
  double b = anchor_us + (end_us_ - anchor_us) * factor;
  if (b - a < kMinViewWidthUs) {
    // Hold the anchor's screen fraction while clamping the width.
    double frac = (anchor_us - start_us_) / width_us();
    a = anchor_us - frac * kMinViewWidthUs;
    b = a + kMinViewWidthUs;
  }
  zoom_to_range(a, b);
}

void ViewRange::pan_px(double dx_px, double width_px) {
  double dt = -dx_px * us_per_px(width_px);
  zoom_to_range(start_us_ + dt, end_us_ + dt);
}

void ViewRange::center_on(double t_us) {
  double half = width_us() / 2;
  zoom_to_range(t_us - half, t_us + half);
}

RulerTicks ruler_ticks(double start_us, double end_us, double width_px, double min_spacing_px) {
  RulerTicks r;
  double raw = (end_us - start_us) * min_spacing_px / std::max(width_px, 1.0);
  double base = std::pow(10.0, std::floor(std::log10(std::max(raw, 1e-3))));
  r.step_us = base;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (base * m >= raw) {
      r.step_us = base * m;
      break;
    }
  }
  double t = std::ceil(start_us / r.step_us) * r.step_us;
  for (; t <= end_us && r.t_us.size() < 10000; t += r.step_us) r.t_us.push_back(t);
  return r;
}

namespace {

struct Unit {
  double scale;
  const char* name;
};

Unit unit_for(double magnitude_us) {
  if (magnitude_us < 1e3) return {1, "us"};
  if (magnitude_us < 1e6) return {1e3, "ms"};
  return {1e6, "s"};
}

}  // namespace

std::string format_tick(double t_us, double step_us, double magnitude_us) {
  Unit u = unit_for(std::max(std::abs(magnitude_us), step_us));
  double step = step_us / u.scale;
  int decimals = std::clamp(static_cast<int>(std::ceil(-std::log10(step) - 1e-9)), 0, 6);
  char buf[64];
  double v = t_us / u.scale;
  if (std::abs(v) < 0.5 * std::pow(10.0, -decimals)) v = 0;  // no "-0"
  std::snprintf(buf, sizeof buf, "%.*f %s", decimals, v, u.name);
  return buf;
}

std::string format_timestamp(int64_t t_us) {
  char buf[48];
  uint64_t mag = t_us < 0 ? 0 - static_cast<uint64_t>(t_us) : static_cast<uint64_t>(t_us);
  std::snprintf(buf, sizeof buf, "%s%llu.%03llu ms", t_us < 0 ? "-" : "",
                static_cast<unsigned long long>(mag / 1000),
                static_cast<unsigned long long>(mag % 1000));
  return buf;
}

std::string format_time(double t_us) {
  Unit u = unit_for(std::abs(t_us));
  double v = t_us / u.scale;
  double mag = std::abs(v);
  int decimals = mag == 0 || mag >= 100 ? 0 : (mag >= 10 ? 1 : 2);
  if (u.scale == 1) decimals = 0;  // microseconds are whole in the trace
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f %s", decimals, v, u.name);
  return buf;
}

}  // namespace dtxview
