// The look: scale ladder, the two palettes and ImGui's style per theme (look.hpp).
#include "look.hpp"

#include <array>

namespace dtxview {

namespace {

Look g_look;  // one UI per process, as ImGui has one context

constexpr std::array kScales = {0.75f, 1.0f, 1.25f, 1.5f, 1.75f, 2.0f, 2.5f, 3.0f};

constexpr Palette kDark = {IM_COL32(255, 255, 255, 8),
                           IM_COL32(45, 48, 58, 160),
                           IM_COL32(34, 36, 44, 255),
                           IM_COL32(230, 230, 230, 255),
                           IM_COL32(120, 120, 130, 255),
                           IM_COL32(30, 32, 38, 255),
                           IM_COL32(220, 220, 230, 255),
                           IM_COL32(235, 235, 235, 255),
                           0.22f,
                           1.0f};
// Black ground, white text, stronger stripes; what is dimmed stays readable from the back row.
constexpr Palette kHighContrast = {IM_COL32(255, 255, 255, 30),
                                   IM_COL32(70, 70, 90, 255),
                                   IM_COL32(0, 0, 0, 255),
                                   IM_COL32(255, 255, 255, 255),
                                   IM_COL32(210, 210, 210, 255),
                                   IM_COL32(0, 0, 0, 255),
                                   IM_COL32(255, 255, 255, 255),
                                   IM_COL32(255, 255, 255, 255),
                                   0.4f,
                                   1.6f};

void high_contrast_colors(ImGuiStyle& s) {
  ImGui::StyleColorsDark(&s);
  ImVec4* c = s.Colors;
  ImVec4 black(0, 0, 0, 1), white(1, 1, 1, 1), yellow(1, 0.9f, 0.2f, 1);
  c[ImGuiCol_Text] = white;
  c[ImGuiCol_TextDisabled] = ImVec4(0.82f, 0.82f, 0.82f, 1);
  c[ImGuiCol_WindowBg] = c[ImGuiCol_ChildBg] = black;
  c[ImGuiCol_PopupBg] = ImVec4(0.05f, 0.05f, 0.05f, 1);
  c[ImGuiCol_Border] = ImVec4(0.85f, 0.85f, 0.85f, 1);
  c[ImGuiCol_FrameBg] = ImVec4(0.18f, 0.18f, 0.22f, 1);
  c[ImGuiCol_Button] = ImVec4(0.15f, 0.3f, 0.7f, 1);
  c[ImGuiCol_ButtonHovered] = ImVec4(0.25f, 0.45f, 0.95f, 1);
  c[ImGuiCol_Header] = ImVec4(0.2f, 0.4f, 0.9f, 1);
  c[ImGuiCol_HeaderHovered] = ImVec4(0.3f, 0.5f, 1, 1);
  c[ImGuiCol_CheckMark] = yellow;
  c[ImGuiCol_Separator] = ImVec4(0.7f, 0.7f, 0.7f, 1);
  c[ImGuiCol_TableRowBgAlt] = ImVec4(1, 1, 1, 0.08f);
}

}  // namespace

float next_scale(float scale, int direction) {
  if (direction > 0) {
    for (float s : kScales)
      if (s > scale + 1e-3f) return s;
    return kMaxScale;
  }
  for (auto it = kScales.rbegin(); it != kScales.rend(); ++it)
    if (*it < scale - 1e-3f) return *it;
  return kMinScale;
}

const Look& look() {
  return g_look;
}

void set_look(const Look& l) {
  g_look = l;
}

const Palette& palette() {
  return g_look.theme == Theme::high_contrast ? kHighContrast : kDark;
}

void apply_style(const Look& l) {
  ImGuiStyle s;
  if (l.theme == Theme::high_contrast) {
    high_contrast_colors(s);
    s.FrameBorderSize = 1;
  } else {
    ImGui::StyleColorsDark(&s);
  }
  s.WindowRounding = 0;
  s.ScaleAllSizes(l.scale);
  ImGui::GetStyle() = s;
}

}  // namespace dtxview
