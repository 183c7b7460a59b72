// Plain or gzip trace files through zlib (gzread reads plain files unchanged).
#include "sim/kernel/trace_file.hpp"

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace dtx {

bool gzip_name(std::string_view path) {
  return path.size() >= 3 && path.substr(path.size() - 3) == ".gz";
}

TraceOut::~TraceOut() {
  close();
}

bool TraceOut::open(const std::string& path, std::string& error) {
  close();
  failed_ = false;
  if (gzip_name(path)) {
    // Level 1: most of the saving at a fraction of the default level's time.
    gz_ = gzopen(path.c_str(), "wb1");
    if (gz_) gzbuffer(static_cast<gzFile>(gz_), 1 << 17);
  } else {
    plain_ = std::fopen(path.c_str(), "wb");
  }
  if (is_open()) return true;
  error = "cannot open trace file '" + path + "' for writing";
  return false;
}

void TraceOut::write_line(std::string_view line) {
  if (plain_) {
    failed_ |= std::fwrite(line.data(), 1, line.size(), plain_) != line.size();
    failed_ |= std::fputc('\n', plain_) == EOF;
  } else if (gz_) {
    auto* f = static_cast<gzFile>(gz_);
    if (!line.empty()) failed_ |= gzwrite(f, line.data(), static_cast<unsigned>(line.size())) <= 0;
    failed_ |= gzputc(f, '\n') == -1;
  }
}

bool TraceOut::close() {
  bool ok = !failed_;
  if (plain_) {
    ok = std::fflush(plain_) == 0 && !std::ferror(plain_) && ok;
    ok = std::fclose(plain_) == 0 && ok;
    plain_ = nullptr;
  }
  if (gz_) {
    ok = gzclose(static_cast<gzFile>(gz_)) == Z_OK && ok;
    gz_ = nullptr;
  }
  failed_ = false;
  return ok;
}

bool read_trace_file(const std::string& path, std::string& out, std::string& error) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) {
    error = std::strerror(errno ? errno : ENOENT);
    return false;
  }
  gzbuffer(f, 1 << 17);
  out.clear();
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  int code = Z_OK;
  const char* msg = n < 0 ? gzerror(f, &code) : nullptr;
  gzclose(f);
  // A cut-off compressed file gives what it holds (its reader reports the missing end).
  if (n < 0 && code == Z_BUF_ERROR && !out.empty()) return true;
  if (n < 0) {
    error = std::string("read failed: ") + (msg ? msg : "unknown error");
    return false;
  }
  return true;
}

}  // namespace dtx
