// How the viewer looks: the UI scale (projector mode) and the theme, kept for the whole session,
// and the palette the timeline draws with. Every size in pixels is written for scale 1 and goes
// through px(), so the layout holds at 1.5x or 2x; the frame sets the look before drawing.
#pragma once

#include <imgui.h>

#include <cstdint>

namespace dtxview {

enum class Theme : uint8_t { dark, high_contrast };

struct Look {
  float scale = 1;
  Theme theme = Theme::dark;
  bool operator==(const Look&) const = default;
};

inline constexpr float kMinScale = 0.75f, kMaxScale = 3.0f;
// The next step of the scale ladder up (+1) or down (-1) from `scale`.
float next_scale(float scale, int direction);

// The current frame's look (like ImGui's style, one per UI); set by draw_frame.
const Look& look();
void set_look(const Look& l);
inline float px(float v) {
  return v * look().scale;
}

// The large font for presentation text (GlWindow::set_font_scale adds it); the default font
// when it is missing.
inline ImFont* big_font() {
  const auto& fonts = ImGui::GetIO().Fonts->Fonts;
  return fonts.Size > 1 ? fonts[1] : nullptr;
}

// Colours that differ between the themes; the rest (kinds, spans, arrows) are shared.
struct Palette {
  ImU32 lane_stripe, header_bg, label_bg, label_text, role_text, ruler_bg, ruler_text, text;
  float faint_alpha;  // what is out of focus keeps this much of its alpha
  float line_w;       // arrow and outline width at scale 1
};
const Palette& palette();

// ImGui's style for a look: the theme's colours with every size scaled.
void apply_style(const Look& l);

}  // namespace dtxview
