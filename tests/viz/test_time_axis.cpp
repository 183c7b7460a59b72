// Time axis: the one zoom_to_range and its limits, zoom around the cursor, panning, ruler ticks
// on a 1-2-5 series and readable labels.
#include <catch2/catch.hpp>

#include "time_axis.hpp"

using namespace dtxview;
using Catch::Detail::Approx;

TEST_CASE("zoom keeps the time under the cursor fixed", "[viz][axis]") {
  ViewRange v;
  v.set_limits(0, 1000);
  v.fit_all();
  CHECK(v.start_us() == 0);
  CHECK(v.end_us() == 1000);
  v.zoom_around(250, 0.5);
  CHECK(v.start_us() == Approx(125));
  CHECK(v.end_us() == Approx(625));
  CHECK((250 - v.start_us()) / v.width_us() == Approx(0.25));
}

TEST_CASE("zoom is clamped to 1 us and to a few times the trace", "[viz][axis]") {
  ViewRange v;
  v.set_limits(0, 1000);
  v.fit_all();
  for (int i = 0; i < 100; ++i) v.zoom_around(400, 0.5);
  CHECK(v.width_us() == Approx(kMinViewWidthUs));
  CHECK(v.start_us() <= 400);
  CHECK(v.end_us() >= 400);
  for (int i = 0; i < 100; ++i) v.zoom_around(400, 2.0);
  CHECK(v.width_us() == Approx(4000));
  v.zoom_to_range(900, 100);  // reversed arguments are fine
  CHECK(v.start_us() == Approx(100));
  CHECK(v.end_us() == Approx(900));
}

TEST_CASE("panning moves by pixels at the current scale and stays near the trace", "[viz][axis]") {
  ViewRange v;
  v.set_limits(0, 1000);
  v.zoom_to_range(0, 100);
  v.pan_px(-50, 500);  // drag left by 50 px = forward by 10 us
  CHECK(v.start_us() == Approx(10));
  CHECK(v.us_per_px(500) == Approx(0.2));
  v.pan_px(-1e9, 500);
  CHECK(v.start_us() <= 1000);
  v.center_on(300);
  CHECK(v.start_us() == Approx(250));
}

TEST_CASE("ruler ticks follow a 1-2-5 series at a readable spacing", "[viz][axis]") {
  auto r = ruler_ticks(0, 1e6, 1000, 80);
  CHECK(r.step_us == Approx(1e5));
  REQUIRE(r.t_us.size() == 11);
  CHECK(r.t_us[3] == Approx(3e5));
  auto fine = ruler_ticks(1003, 1013, 1000, 80);
  CHECK(fine.step_us == Approx(1));
  CHECK(fine.t_us.front() == Approx(1003));
  CHECK(ruler_ticks(0, 2e6, 1000, 80).step_us == Approx(2e5));
  CHECK(ruler_ticks(0, 4e6, 1000, 80).step_us == Approx(5e5));
}

TEST_CASE("labels pick one unit per ruler and enough decimals", "[viz][axis]") {
  CHECK(format_tick(2.5e6, 5e5, 3e6) == "2.5 s");
  CHECK(format_tick(1500, 500, 2000) == "1.5 ms");
  CHECK(format_tick(40, 10, 100) == "40 us");
  CHECK(format_tick(10000100, 100, 10001000) == "10.0001 s");
  CHECK(format_tick(0, 2e5, 1e6) == "0.0 s");
  CHECK(format_time(850) == "850 us");
  CHECK(format_time(1250) == "1.25 ms");
  CHECK(format_time(3.2e6) == "3.20 s");
  CHECK(format_time(45e6) == "45.0 s");
  // Event times are exact: 1.4 ms apart never read alike.
  CHECK(format_timestamp(1005609) == "1005.609 ms");
  CHECK(format_timestamp(1007009) == "1007.009 ms");
  CHECK(format_timestamp(42) == "0.042 ms");
  CHECK(format_timestamp(-1500) == "-1.500 ms");
}
