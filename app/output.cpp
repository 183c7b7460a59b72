// Checked output files: open, write, flush and close, each step's failure reported.
#include "app/output.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "sim/scenario/reader.hpp"

namespace dtx {

void write_file_checked(const std::string& path, const std::string& text,
                        const std::string& label) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f)
    throw InputError(label + " " + path + ": cannot open for writing: " + std::strerror(errno));
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = std::fflush(f) == 0 && ok;
  int err = errno;
  ok = std::fclose(f) == 0 && ok;
  if (!ok)
    throw OutputError(label + " " + path + ": write failed: " + std::strerror(err ? err : errno));
}

void check_stdout() {
  std::cout.flush();
  if (!std::cout || std::fflush(stdout) != 0 || std::ferror(stdout))
    throw OutputError("standard output: write failed: " + std::string(std::strerror(errno)));
}

}  // namespace dtx
