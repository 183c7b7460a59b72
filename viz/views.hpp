// The viewer's views, one file each, and the UI-only state they keep between frames.
// Guarantees: views share selection only through AppState; UiState holds widget details.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app_state.hpp"

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

struct UiState {
  ViewCaches caches;
  std::string trace_path;
  std::vector<bool> collapsed;  // per group
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
void handle_shortcuts(AppState& app);
void draw_toolbar(AppState& app, UiState& ui);
void draw_timeline(AppState& app, UiState& ui);
void draw_log(AppState& app, UiState& ui);
void draw_detail(AppState& app, UiState& ui);
void draw_violations(AppState& app, UiState& ui);
void draw_legend(UiState& ui);
void draw_open_dialog(AppState& app, UiState& ui);

}  // namespace dtxview
