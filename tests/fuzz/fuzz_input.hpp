// Shared by the fuzz targets: the input as a temporary file (for readers that take a path),
// and the contract every reader keeps: bad input is an InputError, anything else escaping is a
// finding (the command line would exit 3, "internal error").
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>

#include "sim/scenario/reader.hpp"

namespace dtx::fuzz {

// One file per process and target, rewritten for every input; removed at exit.
inline std::string temp_path(const char* suffix) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir && *dir ? dir : "/tmp") + "/dtxsim-fuzz-" + std::to_string(getpid()) +
         suffix;
}

inline void write_file(const std::string& path, const uint8_t* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) std::abort();
}

// Runs `f`; an InputError is the expected answer to bad input, any other exception aborts so
// libFuzzer keeps the input.
template <class F>
void expect_input_errors_only(F&& f) {
  try {
    f();
  } catch (const InputError&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: not an InputError: %s\n", e.what());
    std::abort();
  }
}

}  // namespace dtx::fuzz
