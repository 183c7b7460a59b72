// GlWindow: GLFW + OpenGL 3 + ImGui (Debian's libimgui ships the GLFW/OpenGL3 backends) and PNG
// read-back through stb_image_write (libstb provides the implementation, so no define here).
#include "gl_window.hpp"

#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <stb_image_write.h>

#include <cmath>
#include <filesystem>
#include <vector>

namespace dtxview {

namespace {
std::string g_glfw_error;
void on_glfw_error(int code, const char* what) {
  g_glfw_error = "GLFW error " + std::to_string(code) + ": " + what;
}

// A sans font for large text, if the system has one (Debian: fonts-dejavu-core).
std::string sans_font_path() {
  for (const char* p :
       {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf"}) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec)) return p;
  }
  return {};
}

void add_font(ImFontAtlas* atlas, const std::string& ttf, float size_px, bool prefer_ttf) {
  if (prefer_ttf && !ttf.empty() && atlas->AddFontFromFileTTF(ttf.c_str(), size_px)) return;
  ImFontConfig cfg;
  cfg.SizePixels = size_px;
  atlas->AddFontDefault(&cfg);
}
}  // namespace

GlWindow::~GlWindow() {
  if (imgui_) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
  }
  if (win_) glfwDestroyWindow(win_);
  glfwTerminate();
}

bool GlWindow::open(int width, int height, bool visible, std::string& error) {
  glfwSetErrorCallback(on_glfw_error);
  if (!glfwInit()) {
    error = "cannot start GLFW (no display? run under xvfb-run): " + g_glfw_error;
    return false;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  glfwWindowHint(GLFW_VISIBLE, visible ? GLFW_TRUE : GLFW_FALSE);
  win_ = glfwCreateWindow(width, height, "dtxview", nullptr, nullptr);
  if (!win_) {
    error = "cannot create an OpenGL 3 window: " + g_glfw_error;
    return false;
  }
  glfwMakeContextCurrent(win_);
  glfwSwapInterval(visible ? 1 : 0);
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // the layout is fixed; never litter the working directory
  ImGui::StyleColorsDark();
  ImGui::GetStyle().WindowRounding = 0;
  ImGui_ImplGlfw_InitForOpenGL(win_, true);
  ImGui_ImplOpenGL3_Init("#version 130");
  imgui_ = true;
  set_font_scale(1);
  return true;
}

void GlWindow::set_font_scale(float scale) {
  if (!imgui_ || scale == font_scale_) return;
  ImFontAtlas* atlas = ImGui::GetIO().Fonts;
  atlas->Clear();
  std::string ttf = sans_font_path();
  add_font(atlas, ttf, std::round(13 * scale), scale != 1);
  add_font(atlas, ttf, std::round(26 * scale), true);
  atlas->Build();
  if (started_) {  // before the first frame the backend's NewFrame makes the texture
    ImGui_ImplOpenGL3_DestroyFontsTexture();
    ImGui_ImplOpenGL3_CreateFontsTexture();
  }
  font_scale_ = scale;
}

bool GlWindow::should_close() const {
  return glfwWindowShouldClose(win_);
}

void GlWindow::wait_events(bool busy) {
  if (busy)
    glfwPollEvents();
  else
    glfwWaitEventsTimeout(0.25);
}

void GlWindow::begin_frame(const std::function<void()>& before_new_frame) {
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  started_ = true;
  if (before_new_frame) before_new_frame();
  ImGui::NewFrame();
}

void GlWindow::end_frame(bool present) {
  ImGui::Render();
  int w = 0, h = 0;
  glfwGetFramebufferSize(win_, &w, &h);
  glViewport(0, 0, w, h);
  glClearColor(0.09f, 0.09f, 0.11f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  if (present) glfwSwapBuffers(win_);
}

void GlWindow::finish_gpu() {
  glFinish();
}

bool GlWindow::save_png(const std::string& path, std::string& error) {
  int w = 0, h = 0;
  glfwGetFramebufferSize(win_, &w, &h);
  std::vector<unsigned char> pixels(static_cast<size_t>(w) * h * 4);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
  for (size_t i = 3; i < pixels.size(); i += 4) pixels[i] = 255;  // an opaque picture
  stbi_flip_vertically_on_write(1);                               // GL rows start at the bottom
  if (!stbi_write_png(path.c_str(), w, h, 4, pixels.data(), w * 4)) {
    error = "cannot write '" + path + "'";
    return false;
  }
  return true;
}

}  // namespace dtxview
