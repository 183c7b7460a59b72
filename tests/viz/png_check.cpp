// dtxview_png_check: assertions on screenshots for the headless tests.
//   size FILE W H              the PNG header (IHDR) says W x H
//   colours FILE MIN [X0 Y0 X1 Y1]  at least MIN distinct colours, optionally inside a region
//                              given as fractions of the picture (0..1)
//   differ A B MIN_FRACTION    same size, and at least that fraction of pixels differ
//   count FILE RRGGBB MIN_FRACTION [X0 Y0 X1 Y1]  at least that fraction of the pixels (of the
//                              region) has exactly the colour RRGGBB (hex)
// Exit 0 when the assertion holds, 1 when it does not, 2 on bad use or unreadable files.
#include <stb_image.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <unordered_set>

namespace {

struct Image {
  int w = 0, h = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> px{nullptr, stbi_image_free};
  uint32_t rgb(int x, int y) const {
    const unsigned char* p = px.get() + (static_cast<size_t>(y) * w + x) * 3;
    return (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
  }
};

bool load(const char* path, Image& img) {
  int channels = 0;
  img.px.reset(stbi_load(path, &img.w, &img.h, &channels, 3));
  if (!img.px)
    std::fprintf(stderr, "png_check: cannot decode %s: %s\n", path, stbi_failure_reason());
  return img.px != nullptr;
}

int check_size(const char* path, long w, long h) {
  std::ifstream in(path, std::ios::binary);
  unsigned char head[24] = {};
  if (!in.read(reinterpret_cast<char*>(head), sizeof head) ||
      std::string(reinterpret_cast<char*>(head + 1), 3) != "PNG" ||
      std::string(reinterpret_cast<char*>(head + 12), 4) != "IHDR") {
    std::fprintf(stderr, "png_check: %s is not a PNG\n", path);
    return 2;
  }
  auto be32 = [&](int at) {
    return (long{head[at]} << 24) | (long{head[at + 1]} << 16) | (long{head[at + 2]} << 8) |
           head[at + 3];
  };
  long pw = be32(16), ph = be32(20);
  std::printf("%s: %ldx%ld (want %ldx%ld)\n", path, pw, ph, w, h);
  return pw == w && ph == h ? 0 : 1;
}

int check_colours(const char* path, size_t min, double fx0, double fy0, double fx1, double fy1) {
  Image img;
  if (!load(path, img)) return 2;
  std::unordered_set<uint32_t> seen;
  for (int y = static_cast<int>(fy0 * img.h); y < static_cast<int>(fy1 * img.h); ++y)
    for (int x = static_cast<int>(fx0 * img.w); x < static_cast<int>(fx1 * img.w); ++x)
      seen.insert(img.rgb(x, y));
  std::printf("%s: %zu distinct colours in region (want >= %zu)\n", path, seen.size(), min);
  return seen.size() >= min ? 0 : 1;
}

int check_differ(const char* a_path, const char* b_path, double min_fraction) {
  Image a, b;
  if (!load(a_path, a) || !load(b_path, b)) return 2;
  if (a.w != b.w || a.h != b.h) {
    std::printf("sizes differ: %dx%d vs %dx%d\n", a.w, a.h, b.w, b.h);
    return 1;
  }
  size_t diff = 0;
  for (int y = 0; y < a.h; ++y)
    for (int x = 0; x < a.w; ++x) diff += a.rgb(x, y) != b.rgb(x, y);
  double fraction = static_cast<double>(diff) / (static_cast<double>(a.w) * a.h);
  std::printf("%s vs %s: %.2f%% of pixels differ (want >= %.2f%%)\n", a_path, b_path,
              100 * fraction, 100 * min_fraction);
  return fraction >= min_fraction ? 0 : 1;
}

int check_count(const char* path, const char* hex, double min_fraction, double fx0, double fy0,
                double fx1, double fy1) {
  Image img;
  if (!load(path, img)) return 2;
  uint32_t want = static_cast<uint32_t>(std::strtoul(hex, nullptr, 16));
  size_t hits = 0, all = 0;
  for (int y = static_cast<int>(fy0 * img.h); y < static_cast<int>(fy1 * img.h); ++y)
    for (int x = static_cast<int>(fx0 * img.w); x < static_cast<int>(fx1 * img.w); ++x)
      hits += img.rgb(x, y) == want, ++all;
  double fraction = all ? static_cast<double>(hits) / static_cast<double>(all) : 0;
  std::printf("%s: %zu pixels of #%s, %.4f%% of the region (want >= %.4f%%)\n", path, hits, hex,
              100 * fraction, 100 * min_fraction);
  return fraction >= min_fraction && hits > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "size" && argc == 5)
    return check_size(argv[2], std::atol(argv[3]), std::atol(argv[4]));
  if (cmd == "colours" && argc == 4)
    return check_colours(argv[2], std::strtoul(argv[3], nullptr, 10), 0, 0, 1, 1);
  if (cmd == "colours" && argc == 8)
    return check_colours(argv[2], std::strtoul(argv[3], nullptr, 10), std::atof(argv[4]),
                         std::atof(argv[5]), std::atof(argv[6]), std::atof(argv[7]));
  if (cmd == "differ" && argc == 5) return check_differ(argv[2], argv[3], std::atof(argv[4]));
  if (cmd == "count" && argc == 5)
    return check_count(argv[2], argv[3], std::atof(argv[4]), 0, 0, 1, 1);
  if (cmd == "count" && argc == 9)
    return check_count(argv[2], argv[3], std::atof(argv[4]), std::atof(argv[5]), std::atof(argv[6]),
                       std::atof(argv[7]), std::atof(argv[8]));
  std::fprintf(stderr,
               "usage: dtxview_png_check size FILE W H | colours FILE MIN [X0 Y0 X1 Y1] | differ A "
               "B MIN_FRACTION | count FILE RRGGBB MIN_FRACTION [X0 Y0 X1 Y1]\n");
  return 2;
}
