// Sweep benchmark: wall seconds for a sweep of the swarm transfer scenario over N seeds for
// every correct pattern, with 1 and with 2 worker threads, and the speed-up.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "app/sweep.hpp"
#include "sim/plugin/pattern.hpp"

using namespace dtx;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  uint64_t seeds = argc > 1 ? std::stoull(argv[1]) : 1000;
  Scenario s =
      load_scenario(std::string(DTXSIM_SOURCE_DIR) + "/scenarios/compare/compare-transfer.json");
  std::vector<std::string> patterns;
  for (const auto& p : pattern_registry()) patterns.push_back(p.name + ":correct");
  double secs[2];
  size_t violating = 0, runs = 0;
  for (int jobs = 1; jobs <= 2; ++jobs) {
    // A fresh results store per job count, in the temporary directory, removed afterwards.
    std::string path = (std::filesystem::temp_directory_path() /
                        ("dtxsim_bench_sweep_" + std::to_string(jobs) + ".db"))
                           .string();
    std::remove(path.c_str());
    SweepStats st;
    {
      ResultsDb db(path);
      auto t0 = Clock::now();
      st = run_sweep(s, patterns, {1, seeds}, {}, jobs, db, false);
      secs[jobs - 1] = std::chrono::duration<double>(Clock::now() - t0).count();
    }
    std::remove(path.c_str());
    violating = st.violating;
    runs = st.ran;
  }
  std::printf("sweep benchmark: %llu seeds x %zu correct patterns = %zu runs of %s\n",
              static_cast<unsigned long long>(seeds), patterns.size(), runs, s.name.c_str());
  std::printf("  --jobs 1  %8.1f s  (%.1f runs/s)\n", secs[0], runs / secs[0]);
  std::printf("  --jobs 2  %8.1f s  (%.1f runs/s)\n", secs[1], runs / secs[1]);
  std::printf("  speed-up  %8.2fx   runs with violations: %zu\n", secs[0] / secs[1], violating);
  return 0;
}
