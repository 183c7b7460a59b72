// dtxview: the timeline viewer. Interactive by default; with --screenshot it renders one frame
// in a hidden window, writes a PNG and exits (for tests and docs).
// Exit codes: 0 done, 1 display or write failure, 2 bad arguments or an unreadable trace.
// A screenshot also prints one JSON line on stdout saying what the frame showed (view range,
// finding, marks drawn), which the screenshot tests assert on.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gl_window.hpp"
#include "views.hpp"

namespace {

constexpr const char* kUsage =
    "usage: dtxview [TRACE] [--screenshot OUT.png] [--gid G] [--from MS] [--to MS] [--size WxH]\n"
    "               [--violation N] [--event ID] [--legend] [--finding N [--step K]]\n"
    "               [--scale F] [--theme dark|high-contrast]\n"
    "  TRACE          a dtxsim trace (JSON Lines); without it an open dialog appears\n"
    "  --screenshot   render one frame headless to OUT.png and exit (needs TRACE)\n"
    "  --gid G        focus global transaction G (its path bright, the rest dimmed)\n"
    "  --from/--to    initial visible range in milliseconds of simulated time\n"
    "  --size WxH     window or picture size in pixels (default 1600x1000)\n"
    "  --violation N  select the N-th violation (from 0): zoom to its evidence\n"
    "  --event ID     select event ID (detail panel), centring it unless --from/--to\n"
    "  --legend       open the legend of glyphs and colours\n"
    "  --finding N    select the N-th finding (from 1): zoom to its story, steps numbered\n"
    "  --step K       present step K (from 1) of that finding: centred, its text large\n"
    "  --scale F      UI and font scale, 0.75 to 3 (a projector wants 1.5 or 2); Ctrl +/- too\n"
    "  --theme T      dark (default) or high-contrast\n";

struct Args {
  std::string trace, screenshot, gid;
  std::optional<uint64_t> violation, event_id, finding, step;
  std::optional<double> from_ms, to_ms;
  int width = 1600, height = 1000;
  bool legend = false;
  dtxview::Look look;
};

int bad_args(const std::string& why) {
  std::fprintf(stderr, "dtxview: %s\n%s", why.c_str(), kUsage);
  return 2;
}

bool parse_ms(const std::string& s, double& out) {
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return !s.empty() && *end == '\0' && std::isfinite(out);
}

// Returns an exit code when the program should stop here.
std::optional<int> parse_args(int argc, char** argv, Args& a) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::printf("%s", kUsage);
      return 0;
    }
    bool takes_value = arg == "--screenshot" || arg == "--gid" || arg == "--from" ||
                       arg == "--to" || arg == "--size" || arg == "--violation" ||
                       arg == "--event" || arg == "--finding" || arg == "--step" ||
                       arg == "--scale" || arg == "--theme";
    if (arg == "--legend") {
      a.legend = true;
      continue;
    }
    if (!takes_value) {
      if (arg.starts_with("-")) return bad_args("unknown option '" + arg + "'");
      if (!a.trace.empty())
        return bad_args("more than one trace given ('" + a.trace + "', '" + arg + "')");
      a.trace = arg;
      continue;
    }
    if (i + 1 >= argc) return bad_args(arg + " needs a value");
    std::string v = argv[++i];
    double ms = 0;
    if (arg == "--screenshot") {
      a.screenshot = v;
    } else if (arg == "--gid") {
      a.gid = v;
    } else if (arg == "--violation" || arg == "--event" || arg == "--finding" || arg == "--step") {
      char* end = nullptr;
      uint64_t n = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || v[0] == '-')
        return bad_args(arg + " wants a number, got '" + v + "'");
      if ((arg == "--finding" || arg == "--step") && n == 0)
        return bad_args(arg + " counts from 1, got 0");
      (arg == "--violation" ? a.violation
       : arg == "--event"   ? a.event_id
       : arg == "--finding" ? a.finding
                            : a.step) = n;
    } else if (arg == "--scale") {
      double f = 0;
      if (!parse_ms(v, f) || f < dtxview::kMinScale || f > dtxview::kMaxScale)
        return bad_args("--scale wants a factor from 0.75 to 3, got '" + v + "'");
      a.look.scale = static_cast<float>(f);
    } else if (arg == "--theme") {
      if (v != "dark" && v != "high-contrast")
        return bad_args("--theme wants dark or high-contrast, got '" + v + "'");
      a.look.theme = v == "dark" ? dtxview::Theme::dark : dtxview::Theme::high_contrast;
    } else if (arg == "--from" || arg == "--to") {
      if (!parse_ms(v, ms)) return bad_args(arg + " wants milliseconds, got '" + v + "'");
      (arg == "--from" ? a.from_ms : a.to_ms) = ms;
    } else {
      char tail = 0;
      if (std::sscanf(v.c_str(), "%dx%d%c", &a.width, &a.height, &tail) != 2 || a.width < 64 ||
          a.height < 64 || a.width > 8192 || a.height > 8192)
        return bad_args("--size wants WxH between 64 and 8192, got '" + v + "'");
    }
  }
  if (!a.screenshot.empty() && a.trace.empty()) return bad_args("--screenshot needs a TRACE");
  if (a.from_ms && a.to_ms && *a.from_ms >= *a.to_ms) return bad_args("--from must be before --to");
  if (a.step && !a.finding) return bad_args("--step needs --finding");
  return std::nullopt;
}

// Loads the trace and applies --gid/--from/--to; returns an exit code on failure.
std::optional<int> prepare(const Args& a, dtxview::AppState& app, dtxview::UiState& ui) {
  using namespace dtxview;
  if (a.trace.empty()) {
    ui.open_dialog = true;
    return std::nullopt;
  }
  std::string error;
  if (!load_trace(app, ui, a.trace, error)) {
    std::fprintf(stderr, "dtxview: cannot load trace: %s\n", error.c_str());
    return 2;
  }
  const TraceModel& m = app.model();
  size_t shown = 0;
  for (const LoadIssue& i : m.issues())
    if (shown++ < 20)
      std::fprintf(stderr, "dtxview: %s line %u: %s\n", a.trace.c_str(), i.line, i.what.c_str());
  if (!a.gid.empty()) {
    uint32_t g = m.find_gid(a.gid);
    if (g == kNone) {
      std::fprintf(stderr, "dtxview: gid '%s' is not in the trace (%zu gids%s%s)\n", a.gid.c_str(),
                   m.gid_count(), m.gid_count() ? ", e.g. " : "",
                   m.gid_count() ? m.gid_name(0).c_str() : "");
      return 2;
    }
    app.select_gid(g);
    ui.gid_input = a.gid;
  }
  if (a.violation) {
    if (*a.violation >= m.violations().size()) {
      std::fprintf(stderr, "dtxview: --violation %llu, but the trace has %zu violations\n",
                   static_cast<unsigned long long>(*a.violation), m.violations().size());
      return 2;
    }
    app.select_violation(static_cast<uint32_t>(*a.violation));
  }
  if (a.finding) {
    size_t n = m.findings().size();
    if (*a.finding > n) {
      if (n == 0)
        std::fprintf(stderr,
                     "dtxview: --finding %llu, but the trace has no finding lines (traces from "
                     "before findings were written have none; see its violations)\n",
                     static_cast<unsigned long long>(*a.finding));
      else
        std::fprintf(stderr, "dtxview: --finding %llu, but the trace has %zu findings (1..%zu)\n",
                     static_cast<unsigned long long>(*a.finding), n, n);
      return 2;
    }
    app.select_finding(static_cast<uint32_t>(*a.finding - 1));
    if (a.step) {
      size_t steps = app.finding()->steps.size();
      if (*a.step > steps) {
        std::fprintf(stderr, "dtxview: --step %llu, but finding %llu has %zu steps\n",
                     static_cast<unsigned long long>(*a.step),
                     static_cast<unsigned long long>(*a.finding), steps);
        return 2;
      }
      app.set_finding_step(static_cast<uint32_t>(*a.step - 1));
    }
  }
  if (a.event_id) {
    uint32_t ev = m.event_by_id(*a.event_id);
    if (ev == kNone) {
      std::fprintf(stderr, "dtxview: --event %llu is not in the trace\n",
                   static_cast<unsigned long long>(*a.event_id));
      return 2;
    }
    app.select_event(ev, true);
  }
  if (a.from_ms || a.to_ms) {
    double from_us = a.from_ms ? *a.from_ms * 1000 : app.view().start_us();
    double to_us = a.to_ms ? *a.to_ms * 1000 : app.view().end_us();
    if (from_us >= to_us) return bad_args("--from/--to give an empty range for this trace");
    app.view().zoom_to_range(from_us, to_us);
  }
  return std::nullopt;
}

// The smallest distance between two lanes' middles in the last frame: lane labels cannot
// overlap while it is at least the font's height.
float lane_pitch_px(const dtxview::TimelineGeometry& g) {
  std::vector<float> y = g.lane_mid_y;
  std::sort(y.begin(), y.end());
  float pitch = 0;
  for (size_t i = 1; i < y.size(); ++i)
    if (y[i] > y[i - 1] && (pitch == 0 || y[i] - y[i - 1] < pitch)) pitch = y[i] - y[i - 1];
  return pitch;
}

// What the screenshot's frame showed, as one JSON line for the tests.
void report_shot(const Args& a, const dtxview::AppState& app, const dtxview::UiState& ui) {
  using Json = nlohmann::json;
  const dtxview::TraceModel& m = app.model();
  const dtxview::FrameStats& st = ui.stats;
  Json j = {{"screenshot", a.screenshot},
            {"view_us", {std::llround(app.view().start_us()), std::llround(app.view().end_us())}},
            {"t_last_event_us", m.t_last_event_us()},
            {"t_end_us", m.t_end_us()},
            {"scale", ui.look.scale},
            {"theme", ui.look.theme == dtxview::Theme::dark ? "dark" : "high-contrast"},
            {"font_px", ImGui::GetIO().Fonts->Fonts[0]->FontSize},
            {"lane_pitch_px", lane_pitch_px(ui.geometry)},
            {"stats",
             {{"step_marks", st.step_marks},
              {"decisive_marks", st.decisive_marks},
              {"current_step_marks", st.current_step_marks},
              {"arrow_labels", st.arrow_labels},
              {"arrow_labels_skipped", st.arrow_labels_skipped},
              {"lost_marks", st.lost_marks},
              {"partition_labels", st.partition_labels}}}};
  if (const dtxview::Finding* f = app.finding()) {
    auto [lo, hi] = f->time_span();
    j["finding"] = {{"n", f->n},
                    {"first_us", lo},
                    {"last_us", hi},
                    {"steps", f->steps.size()},
                    {"decisive", f->decisive() != dtxview::kNone}};
    if (app.finding_step() != dtxview::kNone) {
      j["finding"]["step"] = app.finding_step() + 1;
      j["finding"]["step_t_us"] = f->steps[app.finding_step()].t_us;
    }
  }
  std::printf("%s\n", j.dump().c_str());
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (auto rc = parse_args(argc, argv, args)) return *rc;
  dtxview::AppState app;
  dtxview::UiState ui;
  if (auto rc = prepare(args, app, ui)) return *rc;
  ui.show_legend = args.legend;
  ui.look = args.look;

  bool headless = !args.screenshot.empty();
  dtxview::GlWindow win;
  std::string error;
  if (!win.open(args.width, args.height, !headless, error)) {
    std::fprintf(stderr, "dtxview: %s\n", error.c_str());
    return 1;
  }
  if (headless) {
    win.set_font_scale(ui.look.scale);
    for (int frame = 0; frame < 3; ++frame) {  // child sizes and the clipper settle over frames
      win.begin_frame();
      dtxview::draw_frame(app, ui);
      win.end_frame(false);
    }
    if (!win.save_png(args.screenshot, error)) {
      std::fprintf(stderr, "dtxview: %s\n", error.c_str());
      return 1;
    }
    std::printf("dtxview: wrote %s (%dx%d)\n", args.screenshot.c_str(), args.width, args.height);
    report_shot(args, app, ui);
    return 0;
  }
  while (!win.should_close()) {
    win.wait_events(app.playing() || ui.drag_button >= 0);
    win.set_font_scale(ui.look.scale);  // Ctrl +/- changed it last frame
    win.begin_frame();
    dtxview::draw_frame(app, ui);
    win.end_frame(true);
  }
  return 0;
}
