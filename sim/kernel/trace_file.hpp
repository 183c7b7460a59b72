// Trace files on disk: written plain, or gzip-compressed when the name ends in ".gz" (a
// 100k-transfer trace shrinks about tenfold); read back either way, the reader telling them
// apart by their bytes, not their names.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace dtx {

class TraceOut {
 public:
  TraceOut() = default;
  TraceOut(const TraceOut&) = delete;
  TraceOut& operator=(const TraceOut&) = delete;
  ~TraceOut();
  // Opens `path` for writing (gzip when it ends in ".gz"); false, with `error` set, if not.
  bool open(const std::string& path, std::string& error);
  bool is_open() const { return plain_ || gz_; }
  // Appends `line` and a newline.
  void write_line(std::string_view line);
  // Flushes and closes; false when any write failed.
  bool close();

 private:
  std::FILE* plain_ = nullptr;
  void* gz_ = nullptr;  // gzFile
  bool failed_ = false;
};

// True when `path` ends in ".gz".
bool gzip_name(std::string_view path);

// Reads a whole trace file, plain or gzip-compressed; false, with `error` set, if it cannot.
bool read_trace_file(const std::string& path, std::string& out, std::string& error);

}  // namespace dtx
