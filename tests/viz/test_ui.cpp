// The viewer driven like a user, in a hidden window (run under xvfb-run): the mouse is injected
// between the backends and ImGui::NewFrame, aimed with the geometry the timeline reports.
#include <GLFW/glfw3.h>
#include <imgui.h>

#include <catch2/catch.hpp>
#include <cfloat>
#include <cstdio>

#include "gl_window.hpp"
#include "small_trace.hpp"
#include "views.hpp"

using namespace dtxview;
using Catch::Detail::Approx;

namespace {

const ImVec2 kNoMouse(-FLT_MAX, -FLT_MAX);

struct Input {
  ImVec2 mouse = kNoMouse;
  bool left = false;
  float wheel = 0;
  bool shift = false;
  int key = -1;
  bool ctrl = false;
};

// One window for the whole run: GLFW does not reliably come back after glfwTerminate on Xvfb.
GlWindow& shared_window() {
  static GlWindow win;
  static bool opened = [] {
    std::string error;
    bool ok = win.open(1280, 800, false, error);
    if (!ok) std::fprintf(stderr, "%s\n", error.c_str());
    return ok;
  }();
  REQUIRE(opened);
  return win;
}

struct Harness {
  GlWindow& win = shared_window();
  AppState app;
  UiState ui;

  explicit Harness(std::string text = dtxview_test::small_trace()) {
    app.set_model(TraceModel::load_text(std::move(text), "small"));
    reset_ui_for_model(app, ui);
    frame();
    frame();
  }
  ~Harness() {
    win.set_font_scale(1);  // the window is shared: leave it as the next test expects
    set_look(Look{});
  }
  void frame(Input in = {}) {
    win.set_font_scale(ui.look.scale);
    win.begin_frame([&] {
      ImGuiIO& io = ImGui::GetIO();
      io.MousePos = in.mouse;
      io.MouseDown[0] = in.left;
      io.MouseWheel = in.wheel;
      io.KeyShift = in.shift;
      io.KeyCtrl = in.ctrl;
      for (int k : {GLFW_KEY_RIGHT, GLFW_KEY_LEFT, GLFW_KEY_F, GLFW_KEY_N, GLFW_KEY_P,
                    GLFW_KEY_EQUAL, GLFW_KEY_MINUS, GLFW_KEY_0})
        io.KeysDown[k] = k == in.key;
    });
    draw_frame(app, ui);
    win.end_frame(false);
  }
  double us_per_px() const { return app.view().us_per_px(ui.geometry.x1 - ui.geometry.x0); }
  float x_of(double t_us) const {
    return ui.geometry.x0 + static_cast<float>((t_us - app.view().start_us()) / us_per_px());
  }
  double t_at(float x) const { return app.view().start_us() + (x - ui.geometry.x0) * us_per_px(); }
  ImVec2 at(double t_us, uint16_t lane) const {
    return ImVec2(x_of(t_us), ui.geometry.lane_mid_y[lane]);
  }
  void key(int k, bool ctrl = false) {
    frame({kNoMouse, false, 0, false, k, ctrl});
    frame();
  }
  void click(ImVec2 p) {
    frame({p});
    frame({p, true});
    frame({p});
  }
  void drag(ImVec2 a, ImVec2 b, bool shift) {
    frame({a, false, 0, shift});
    for (int i = 0; i <= 5; ++i) {
      float k = i / 5.0f;
      frame({ImVec2(a.x + (b.x - a.x) * k, a.y + (b.y - a.y) * k), true, 0, shift});
    }
    frame({b, false, 0, shift});
  }
};

constexpr uint16_t kBankB = 3;

}  // namespace

TEST_CASE("the wheel zooms around the cursor", "[viz][ui]") {
  Harness h;
  ImVec2 p = h.at(300, kBankB);
  double width = h.app.view().width_us();
  h.frame({p});
  h.frame({p, false, 1.0f});
  CHECK(h.app.view().width_us() == Approx(width * 0.8));
  CHECK(h.t_at(p.x) == Approx(300).margin(h.us_per_px()));
  h.frame({p, false, -2.0f});
  CHECK(h.app.view().width_us() == Approx(width * 0.8 / 0.64));
}

TEST_CASE("dragging pans and shift-dragging zooms to the range", "[viz][ui]") {
  Harness h;
  double start = h.app.view().start_us(), upp = h.us_per_px();
  ImVec2 a = h.at(300, kBankB);
  h.drag(a, ImVec2(a.x - 100, a.y), false);
  CHECK(h.app.view().start_us() == Approx(start + 100 * upp).margin(upp));
  CHECK(h.app.selected_event() == kNone);  // a drag is not a click

  h.drag(h.at(200, kBankB), h.at(300, kBankB), true);
  CHECK(h.app.view().start_us() == Approx(200).margin(2 * upp));
  CHECK(h.app.view().end_us() == Approx(300).margin(2 * upp));
}

TEST_CASE("clicking an event selects it; clicking a folded run zooms into it", "[viz][ui]") {
  Harness h;
  h.click(h.at(300, kBankB));  // bank-b restart, event 16
  CHECK(h.app.selected_event() == 16);
  h.click(h.at(310.5, kBankB));  // deliver at 310 and duplicate at 311 fold at this zoom
  CHECK(h.app.view().width_us() < 50);
  CHECK(h.app.view().start_us() < 310);
  CHECK(h.app.view().end_us() > 311);
  h.frame();
  h.click(h.at(311, kBankB));
  CHECK(h.app.selected_event() == 18);
}

TEST_CASE("group headers fold their lanes into one row", "[viz][ui]") {
  Harness h;
  REQUIRE(h.ui.geometry.header_y.size() == 3);
  float y = h.ui.geometry.header_y[1];  // bank-a
  h.click(ImVec2(h.ui.geometry.x0 + 50, y));
  REQUIRE(h.ui.collapsed.size() == 3);
  CHECK(h.ui.collapsed[1]);
  h.frame();
  CHECK(h.ui.geometry.lane_mid_y[1] == h.ui.geometry.lane_mid_y[2]);
  h.click(ImVec2(h.ui.geometry.x0 + 50, h.ui.geometry.header_y[1]));
  CHECK_FALSE(h.ui.collapsed[1]);
}

TEST_CASE("arrow keys step through events and F fits all", "[viz][ui]") {
  Harness h;
  h.frame({kNoMouse, false, 0, false, GLFW_KEY_RIGHT});
  h.frame();
  h.frame({kNoMouse, false, 0, false, GLFW_KEY_RIGHT});
  h.frame();
  CHECK(h.app.selected_event() == 1);
  h.app.view().zoom_to_range(150, 160);
  h.frame({kNoMouse, false, 0, false, GLFW_KEY_F});
  // Fit all ends just after the last event, not at the run's end (the empty tail is left out).
  double last = static_cast<double>(h.app.model().t_last_event_us());
  CHECK(h.app.view().start_us() == Approx(100));
  CHECK(h.app.view().end_us() == Approx(last + 0.02 * (last - 100)));
  CHECK(h.app.view().end_us() < static_cast<double>(h.app.model().t_end_us()));
}

TEST_CASE("after another trace is opened the detail panel shows its event, not the last one's",
          "[viz][ui]") {
  Harness h;
  h.app.select_event(2, false);
  h.frame();
  std::string first = h.ui.caches.detail.raw;
  REQUIRE(first == std::string(h.app.model().line_text(h.app.model().event(2))));
  // The same event index in a trace whose lines differ (every "t" moved by 7 us).
  std::string small = dtxview_test::small_trace(), other;
  for (char c : small) {
    other.push_back(c);
    if (c == ':' && other.size() >= 4 && other.compare(other.size() - 4, 4, "\"t\":") == 0)
      other.push_back('7');
  }
  h.app.set_model(TraceModel::load_text(other, "other"));
  reset_ui_for_model(h.app, h.ui);
  h.app.select_event(2, false);
  h.frame();
  CHECK(h.ui.caches.detail.raw == std::string(h.app.model().line_text(h.app.model().event(2))));
  CHECK(h.ui.caches.detail.raw != first);
}

TEST_CASE("a finding's steps are drawn numbered at their events; N/P present them", "[viz][ui]") {
  Harness h(dtxview_test::small_trace_with_finding());
  CHECK(h.ui.stats.step_marks == 0);
  h.app.select_finding(0);
  h.frame();
  // The view spans the story, so all five steps are on screen, one of them decisive.
  CHECK(h.ui.stats.step_marks == 5);
  CHECK(h.ui.stats.decisive_marks == 1);
  CHECK(h.ui.stats.current_step_marks == 0);
  h.key(GLFW_KEY_N);
  CHECK(h.app.finding_step() == 0);
  CHECK(h.ui.stats.current_step_marks == 1);
  h.key(GLFW_KEY_RIGHT);  // while a finding is selected the arrows present its story
  CHECK(h.app.finding_step() == 1);
  h.key(GLFW_KEY_P);
  CHECK(h.app.finding_step() == 0);
  CHECK(h.app.selected_event() == h.app.model().event_by_id(1));
}

TEST_CASE("hovering a step's badge tells the step; clicking it presents the story from there",
          "[viz][ui]") {
  Harness h(dtxview_test::small_trace_with_finding());
  h.app.select_finding(0);
  h.frame();
  REQUIRE(h.ui.stats.step_badges.size() == 5);
  ImVec2 third = h.ui.stats.step_badges[2];
  REQUIRE(third.x >= 0);
  h.frame({third});
  CHECK(h.ui.stats.hovered_step == 2);
  h.frame({ImVec2(third.x, third.y + 40)});  // off the badge
  CHECK(h.ui.stats.hovered_step != 2);
  h.click(third);
  CHECK(h.app.finding_step() == 2);
  CHECK(h.app.selected_event() == h.app.finding()->steps[2].event);
}

TEST_CASE("message types label arrows; a lost message is a mark at its sender", "[viz][ui]") {
  Harness h;
  h.app.view().zoom_to_range(90, 240);
  h.frame();
  CHECK(h.ui.stats.arrow_labels >= 1);  // "prepare" on msg 1
  CHECK(h.ui.stats.lost_marks == 1);    // msg 2 to the crashed bank-b
  h.app.view().zoom_to_range(270, 370);
  h.frame();
  CHECK(h.ui.stats.partition_labels == 1);
}

TEST_CASE("Ctrl +/- and Ctrl 0 scale the UI, rows grow with it, and the scale outlives a trace",
          "[viz][ui]") {
  Harness h;
  float pitch1 = h.ui.geometry.lane_mid_y[4] - h.ui.geometry.lane_mid_y[3];
  h.key(GLFW_KEY_EQUAL, true);
  CHECK(h.ui.look.scale == Approx(1.25));
  h.key(GLFW_KEY_EQUAL, true);  // 1.5, 1.75, 2
  h.key(GLFW_KEY_EQUAL, true);
  h.key(GLFW_KEY_EQUAL, true);
  CHECK(h.ui.look.scale == Approx(2));
  h.frame();
  CHECK(ImGui::GetIO().Fonts->Fonts[0]->FontSize == Approx(26));
  float pitch2 = h.ui.geometry.lane_mid_y[4] - h.ui.geometry.lane_mid_y[3];
  CHECK(pitch2 == Approx(2 * pitch1).margin(2));
  h.app.set_model(TraceModel::load_text(dtxview_test::small_trace(), "again"));
  reset_ui_for_model(h.app, h.ui);
  h.frame();
  CHECK(h.ui.look.scale == Approx(2));
  h.key(GLFW_KEY_MINUS, true);
  CHECK(h.ui.look.scale == Approx(1.75));
  h.key(GLFW_KEY_0, true);
  CHECK(h.ui.look.scale == Approx(1));
}

TEST_CASE("the toolbar wraps to the window's width when the UI is scaled up", "[viz][ui]") {
  Harness h;
  float width = ImGui::GetMainViewport()->WorkSize.x;
  h.frame();
  CHECK(h.ui.stats.toolbar_rows == 2);  // the controls, then search and gid
  CHECK(h.ui.stats.toolbar_right <= width);
  for (int i = 0; i < 4; ++i) h.key(GLFW_KEY_EQUAL, true);  // 2x, as on a projector
  REQUIRE(h.ui.look.scale == Approx(2));
  h.frame();
  h.frame();  // the widths the wrapping uses are last frame's
  INFO("toolbar right edge " << h.ui.stats.toolbar_right << " of " << width);
  CHECK(h.ui.stats.toolbar_rows > 2);
  CHECK(h.ui.stats.toolbar_right <= width);
  h.key(GLFW_KEY_0, true);
  h.frame();
  h.frame();
  CHECK(h.ui.stats.toolbar_rows == 2);
}
