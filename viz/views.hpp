// The viewer's views, one file each, and the UI-only state they keep between frames.
// Guarantees: views share selection only through AppState; UiState holds widget details.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app_state.hpp"
#include "look.hpp"

namespace dtxview {

// Where the timeline drew things last frame, in screen pixels (tests aim the mouse with it).
struct TimelineGeometry {
  float x0 = 0, x1 = 0;
  std::vector<float> lane_mid_y;  // per lane; a folded lane gives its group's row
  std::vector<float> header_y;    // per group, the middle of its header row
};

// What views keep between frames to avoid recomputing it, each tagged with the model
// generation it was built for (AppState::model_generation) and rebuilt when that changes.
struct ViewCaches {
  struct Detail {  // the selected event's line, parsed once per selection
    uint64_t generation = 0;
    uint32_t ev = kNone;
    std::string raw;
    nlohmann::ordered_json parsed;
  } detail;
  struct LogWidths {  // the log's column widths from the longest names
    uint64_t generation = 0;
    float font_px = 0;
    float widths[7] = {};
  } log;
  struct Arrows {  // folded arrows of a still view
    uint64_t generation = 0;
    double t0_us = 0, us_per_px = 0;
    std::vector<ArrowFold> folds;
  } arrows;
  struct DirListing {  // the open dialog's directory
    std::string dir;
    struct Entry {
      std::string name;
      bool dir = false;
    };
    std::vector<Entry> entries;
  } open;
};

// What the last frame drew, counted while drawing: tests assert on these, not on pixels.
struct FrameStats {
  uint32_t step_marks = 0;      // numbered finding steps drawn on the timeline
  uint32_t decisive_marks = 0;  // of those, the decisive step
  uint32_t current_step_marks = 0;
  uint32_t arrow_labels = 0;          // message types written on arrows
  uint32_t arrow_labels_skipped = 0;  // left out because they would cover another label
  uint32_t lost_marks = 0;            // lost messages drawn at their sender's end
  uint32_t partition_labels = 0;
  uint32_t hovered_step = kNone;    // the finding step whose badge the mouse is on
  std::vector<ImVec2> step_badges;  // each drawn step badge's centre, by step (x < 0: not drawn)
  uint32_t toolbar_rows = 0;        // lines the toolbar took (it wraps to the window's width)
  float toolbar_right = 0;          // the right edge of its widest line, in window coordinates
};

struct UiState {
  ViewCaches caches;
  // The look for the whole session (opening another trace keeps it); `styled` is the look
  // ImGui's style was last built for.
  Look look;
  Look styled{0, Theme::dark};
  FrameStats stats;
  std::string trace_path;
  std::vector<bool> collapsed;        // per group
  std::vector<float> toolbar_widths;  // each toolbar group's width last frame (for wrapping)
  // Timeline mouse gesture in progress.
  int drag_button = -1;
  bool drag_range = false;  // shift-drag: select a range to zoom to
  bool drag_moved = false;
  double drag_from_us = 0;
  // Widgets' text.
  std::string search_input;
  std::string gid_input;
  float log_row_h = 0;
  TimelineGeometry geometry;
  bool show_legend = false;
  // Open dialog.
  bool open_dialog = false;
  std::string dialog_dir;
  std::string dialog_path;
  std::string dialog_error;
};

// Loads `path` into app; on an unreadable file keeps the current trace and returns false.
bool load_trace(AppState& app, UiState& ui, const std::string& path, std::string& error);
void reset_ui_for_model(const AppState& app, UiState& ui);

void draw_frame(AppState& app, UiState& ui);
void handle_shortcuts(AppState& app, UiState& ui);
void draw_toolbar(AppState& app, UiState& ui);
void draw_timeline(AppState& app, UiState& ui);
void draw_log(AppState& app, UiState& ui);
void draw_detail(AppState& app, UiState& ui);
void draw_violations(AppState& app, UiState& ui);
// The findings panel: each finding's cause, count and invariants; the selected one's story.
void draw_findings(AppState& app, UiState& ui);
// The selected finding's cause, or the current step's text, in large type above the timeline.
void draw_story_banner(AppState& app);
float story_banner_height(const AppState& app, float width);
void draw_legend(UiState& ui);
void draw_open_dialog(AppState& app, UiState& ui);

}  // namespace dtxview
