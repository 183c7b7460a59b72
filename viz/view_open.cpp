// Opening traces: load_trace (shared with the command line) and a small file dialog, a path
// field over a directory listing. An unreadable file keeps the current trace and says why.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <filesystem>

#include "views.hpp"

namespace dtxview {

namespace fs = std::filesystem;

void reset_ui_for_model(const AppState& app, UiState& ui) {
  ui.collapsed.assign(app.model().groups().size(), false);
  ui.drag_button = -1;
  ui.gid_input.clear();
}

bool load_trace(AppState& app, UiState& ui, const std::string& path, std::string& error) {
  TraceModel m = TraceModel::load_file(path);
  if (!m.readable()) {
    error = m.issues().empty() ? "nothing readable in '" + path + "'" : m.issues().front().what;
    return false;
  }
  app.set_model(std::move(m));
  ui.trace_path = path;
  reset_ui_for_model(app, ui);
  return true;
}

namespace {

using Entry = ViewCaches::DirListing::Entry;

std::vector<Entry> list_dir(const std::string& dir) {
  std::vector<Entry> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code ec2;
    out.push_back({it->path().filename().string(), it->is_directory(ec2)});
  }
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) {
    return a.dir != b.dir ? a.dir : a.name < b.name;
  });
  return out;
}

}  // namespace

void draw_open_dialog(AppState& app, UiState& ui) {
  auto& listing = ui.caches.open;
  if (!ui.open_dialog) return;
  if (ui.dialog_dir.empty()) {
    std::error_code ec;
    ui.dialog_dir = ui.trace_path.empty() ? fs::current_path(ec).string()
                                          : fs::path(ui.trace_path).parent_path().string();
    if (ui.dialog_dir.empty())
      ui.dialog_dir.assign(1, '.');  // not = ".": GCC 12 -Wrestrict false positive
  }
  if (listing.dir != ui.dialog_dir)
    listing.dir = ui.dialog_dir, listing.entries = list_dir(listing.dir);
  ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(
      ImVec2(vp->WorkPos.x + vp->WorkSize.x / 2, vp->WorkPos.y + vp->WorkSize.y / 2),
      ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(px(640), px(460)), ImGuiCond_Appearing);
  if (!ImGui::Begin("Open trace", &ui.open_dialog, ImGuiWindowFlags_NoCollapse)) {
    ImGui::End();
    return;
  }
  ImGui::TextDisabled("%s", ui.dialog_dir.c_str());
  if (ImGui::Button("Up")) ui.dialog_dir = fs::path(ui.dialog_dir).parent_path().string();
  ImGui::SameLine();
  ImGui::SetNextItemWidth(-80);
  bool enter = ImGui::InputTextWithHint("##path", "path to a .jsonl trace", &ui.dialog_path,
                                        ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  if ((ImGui::Button("Open", ImVec2(-1, 0)) || enter) && !ui.dialog_path.empty()) {
    std::error_code ec;
    if (fs::is_directory(ui.dialog_path, ec)) {
      ui.dialog_dir = ui.dialog_path;
    } else if (load_trace(app, ui, ui.dialog_path, ui.dialog_error)) {
      ui.open_dialog = false;
      ui.dialog_error.clear();
    }
  }
  if (!ui.dialog_error.empty())
    ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", ui.dialog_error.c_str());
  ImGui::BeginChild("entries", ImVec2(0, 0), true);
  for (const Entry& e : listing.entries) {
    bool trace = !e.dir && e.name.ends_with(".jsonl");
    if (!e.dir && !trace)
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    std::string label = e.dir ? e.name + "/" : e.name;
    if (ImGui::Selectable(label.c_str(), false, ImGuiSelectableFlags_AllowDoubleClick)) {
      std::string full = (fs::path(ui.dialog_dir) / e.name).string();
      if (e.dir)
        ui.dialog_dir = full;
      else
        ui.dialog_path = full;
      if (!e.dir && ImGui::IsMouseDoubleClicked(0) && load_trace(app, ui, full, ui.dialog_error))
        ui.open_dialog = false;
    }
    if (!e.dir && !trace) ImGui::PopStyleColor();
  }
  ImGui::EndChild();
  ImGui::End();
}

}  // namespace dtxview
