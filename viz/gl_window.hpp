// GlWindow: a GLFW window with an OpenGL 3 context and ImGui on top, visible for interactive use
// or hidden for screenshots and benchmarks; save_png reads back the last rendered frame.
// Guarantees: open() reports why it failed (e.g. no display) instead of aborting.
#pragma once

#include <functional>
#include <string>

struct GLFWwindow;

namespace dtxview {

class GlWindow {
 public:
  GlWindow() = default;
  GlWindow(const GlWindow&) = delete;
  GlWindow& operator=(const GlWindow&) = delete;
  ~GlWindow();

  bool open(int width, int height, bool visible, std::string& error);
  bool should_close() const;
  // Idle viewers wait for input instead of spinning; busy ones (playing) poll.
  void wait_events(bool busy);
  // before_new_frame runs after the backends read the devices: tests use it to inject input.
  void begin_frame(const std::function<void()>& before_new_frame = nullptr);
  // Renders ImGui's draw data; present swaps buffers (interactive), else the frame stays in the
  // back buffer for save_png.
  void end_frame(bool present);
  void finish_gpu();  // glFinish, so benchmarks time the rendering too
  bool save_png(const std::string& path, std::string& error);
  // Rebuilds the fonts for a UI scale when it changed (call between frames): the regular font
  // at 13 px x scale and a large one (2x) for presentation text. A TrueType sans font is used
  // where one is installed, except for the regular font at scale 1 (ImGui's crisp pixel font).
  void set_font_scale(float scale);

 private:
  GLFWwindow* win_ = nullptr;
  bool imgui_ = false;
  float font_scale_ = 0;
  bool started_ = false;
};

}  // namespace dtxview
