// Time-axis arithmetic for the timeline, free of UI code: the visible range (the whole view
// state), the one zoom_to_range every zoom goes through, ruler ticks and readable time labels.
// Guarantees: a ViewRange is never narrower than kMinViewWidthUs and never inverted.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace dtxview {

inline constexpr double kMinViewWidthUs = 1.0;

class ViewRange {
 public:
  double start_us() const { return start_us_; }
  double end_us() const { return end_us_; }
  double width_us() const { return end_us_ - start_us_; }
  double us_per_px(double width_px) const { return width_us() / (width_px > 1 ? width_px : 1); }

  // The trace extent; the view may not zoom out further than a few times this.
  void set_limits(double lo_us, double hi_us);
  void zoom_to_range(double a_us, double b_us);
  // Fit all shows what happened: up to `fit_hi_us` (the last event), not the empty time after.
  void set_fit_end(double fit_hi_us) { fit_hi_us_ = fit_hi_us; }
  void fit_all() { zoom_to_range(lo_us_, std::min(hi_us_, fit_hi_us_)); }
  // factor < 1 zooms in; the time under anchor_us stays where it is on screen.
  void zoom_around(double anchor_us, double factor);
  void pan_px(double dx_px, double width_px);
  void center_on(double t_us);

 private:
  double start_us_ = 0, end_us_ = 1;
  double lo_us_ = 0, hi_us_ = 1;
  double fit_hi_us_ = 1e300;
};

struct RulerTicks {
  double step_us = 1;
  std::vector<double> t_us;
};

// Ticks on a 1-2-5 series, at least min_spacing_px apart.
RulerTicks ruler_ticks(double start_us, double end_us, double width_px, double min_spacing_px);
// A tick label. One unit per ruler, picked from magnitude_us (the largest time on it), and just
// enough decimals to tell ticks step_us apart: "2.5 s", "1.5 ms", "10.0001 s".
std::string format_tick(double t_us, double step_us, double magnitude_us);
// A duration or instant for tooltips, with about three significant digits: "850 us", "1.25 s".
std::string format_time(double t_us);
// An event's time, exact to the microsecond the trace holds, in milliseconds ("1005.609 ms"):
// rows of the log 1.4 ms apart never read alike.
std::string format_timestamp(int64_t t_us);

}  // namespace dtxview
