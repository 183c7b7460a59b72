// dtxview_bench: generates a large synthetic trace, then times loading it and rendering the full
// viewer at "fit all" in a hidden window (software GL under xvfb-run), beside the targets.
// Wall-clock time is fine here: this measures the viewer, not the simulation. Exit 1 on a miss.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gl_window.hpp"
#include "synth_trace.hpp"
#include "views.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct FrameStats {
  double median_ms, max_ms;
};

// each_frame changes the view before a frame (panning defeats the per-view caches).
FrameStats time_frames(dtxview::GlWindow& win, dtxview::AppState& app, dtxview::UiState& ui,
                       int frames, void (*each_frame)(dtxview::AppState&) = nullptr) {
  std::vector<double> ms;
  for (int i = 0; i < frames + 3; ++i) {  // the first frames build fonts and layout: not timed
    if (each_frame) each_frame(app);
    auto t0 = Clock::now();
    win.begin_frame();
    dtxview::draw_frame(app, ui);
    win.end_frame(false);
    win.finish_gpu();
    if (i >= 3) ms.push_back(seconds_since(t0) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.back()};
}

void report(const char* what, double measured, double target, const char* unit) {
  std::printf("  %-22s %9.2f %-3s  target < %4.0f %-3s  ratio target/measured %6.2fx  %s\n", what,
              measured, unit, target, unit, target / measured, measured < target ? "ok" : "MISSED");
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t events = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  int frames = argc > 2 ? std::atoi(argv[2]) : 30;
  if (events == 0 || frames <= 0) {
    std::fprintf(stderr, "usage: dtxview_bench [EVENTS=1000000] [FRAMES=30]\n");
    return 2;
  }
  std::string path = (std::filesystem::temp_directory_path() /
                      ("dtxview_bench_" + std::to_string(getpid()) + ".jsonl"))
                         .string();
  auto t0 = Clock::now();
  {
    std::ofstream out(path, std::ios::binary);
    dtxview::write_synthetic_trace(out, events, 1);
  }
  double gen_s = seconds_since(t0);

  t0 = Clock::now();
  dtxview::TraceModel model = dtxview::TraceModel::load_file(path);
  double load_s = seconds_since(t0);
  uintmax_t bytes = std::filesystem::file_size(path);
  std::filesystem::remove(path);
  if (!model.readable() || !model.issues().empty()) {
    std::fprintf(stderr, "dtxview_bench: generated trace did not load cleanly\n");
    return 1;
  }
  dtxview::AppState app;
  dtxview::UiState ui;
  std::printf(
      "dtxview_bench: %zu events (%.1f MB), %zu lanes, %zu arrows, %zu spans; generated in %.2f "
      "s\n",
      model.events().size(), static_cast<double>(bytes) / 1e6, model.nodes().size(),
      model.arrows().size(), model.spans().size(), gen_s);
  app.set_model(std::move(model));
  dtxview::reset_ui_for_model(app, ui);

  dtxview::GlWindow win;
  std::string error;
  if (!win.open(1600, 1000, false, error)) {
    std::fprintf(stderr, "dtxview_bench: %s\n", error.c_str());
    return 1;
  }
  app.view().fit_all();
  FrameStats fit = time_frames(win, app, ui, frames);
  FrameStats panning =
      time_frames(win, app, ui, frames, [](dtxview::AppState& a) { a.view().pan_px(2, 1400); });
  app.view().fit_all();
  app.select_gid(app.model().find_gid("g1"));
  FrameStats focus = time_frames(win, app, ui, frames);
  app.select_gid(dtxview::kNone);
  double mid = (app.view().start_us() + app.view().end_us()) / 2, w = app.view().width_us() / 100;
  app.view().zoom_to_range(mid - w / 2, mid + w / 2);
  FrameStats zoomed = time_frames(win, app, ui, frames);

  std::printf("results (1600x1000, median of %d frames, software GL):\n", frames);
  report("load", load_s, 3, "s");
  report("frame, fit all", fit.median_ms, 50, "ms");
  std::printf("  %-22s %9.2f ms  (max %.2f ms)\n", "frame, fit all, panning", panning.median_ms,
              panning.max_ms);
  std::printf("  %-22s %9.2f ms  (max %.2f ms)\n", "frame, fit all + gid", focus.median_ms,
              focus.max_ms);
  std::printf("  %-22s %9.2f ms  (max %.2f ms)\n", "frame, zoomed to 1%", zoomed.median_ms,
              zoomed.max_ms);
  std::printf("  %-22s %9.2f ms\n", "frame, fit all, max", fit.max_ms);
  return load_s < 3 && fit.median_ms < 50 ? 0 : 1;
}
