// dtxview_gentrace N OUT [SEED]: writes a synthetic trace of N events for tests and benchmarks.
// Exit 0 on success, 2 on bad arguments or an unwritable output file.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "synth_trace.hpp"

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: dtxview_gentrace N OUT [SEED]\n");
    return 2;
  }
  char* end = nullptr;
  unsigned long long n = std::strtoull(argv[1], &end, 10);
  if (*argv[1] == '\0' || *end != '\0' || n == 0) {
    std::fprintf(stderr, "dtxview_gentrace: N must be a positive integer, got '%s'\n", argv[1]);
    return 2;
  }
  unsigned long long seed = argc == 4 ? std::strtoull(argv[3], nullptr, 10) : 1;
  std::ofstream out(argv[2], std::ios::binary);
  if (!out) {
    std::fprintf(stderr, "dtxview_gentrace: cannot write '%s'\n", argv[2]);
    return 2;
  }
  auto st = dtxview::write_synthetic_trace(out, n, seed);
  out.close();
  if (!out) {
    std::fprintf(stderr, "dtxview_gentrace: write to '%s' failed\n", argv[2]);
    return 2;
  }
  std::printf("wrote %llu events, %llu violations, t_end %lld us to %s\n",
              static_cast<unsigned long long>(st.events),
              static_cast<unsigned long long>(st.violations), static_cast<long long>(st.t_end_us),
              argv[2]);
  return 0;
}
