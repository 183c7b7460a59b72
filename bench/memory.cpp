// Memory benchmark: peak resident memory and time of a fault-free transfer run (the
// bench/transfer-100k.json scenario, outbox unless a pattern is named) at 10k, 100k and 1M
// transfers, each in its own process (peak resident memory only grows), checked as `dtxsim
// run` checks a run nobody reads the events of. The reference is the 10k run of the same
// invocation: memory per transfer beyond it, and time per transfer relative to it (1.00 =
// linear). Target: the 1M run under 1 GB, its time within 10% of linear.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "app/runner.hpp"

using namespace dtx;

namespace {

struct Sample {
  int64_t transfers = 0;
  double seconds = 0;
  long max_rss_kb = 0;
  bool ok = false;
};

// Runs the scenario with `count` transfers in a child process; its wall time comes back
// through a pipe, its peak resident memory from wait4.
Sample measure(const Scenario& base, const std::string& pattern, int64_t count) {
  Sample out;
  out.transfers = count;
  int fds[2];
  if (pipe(fds) != 0) return out;
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    Scenario s = base;
    s.workload.count = count;
    RunOptions o;
    o.keep_history = false;
    if (!pattern.empty()) o.pattern = pattern;
    auto t0 = std::chrono::steady_clock::now();
    RunResult r = run_scenario(s, o);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    bool clean = r.violations.empty() && r.metrics.finished_txns == count;
    double msg[2] = {secs, clean ? 1.0 : 0.0};
    ssize_t n = write(fds[1], msg, sizeof msg);
    _exit(n == sizeof msg ? 0 : 1);
  }
  close(fds[1]);
  double msg[2] = {0, 0};
  ssize_t n = read(fds[0], msg, sizeof msg);
  close(fds[0]);
  int status = 0;
  rusage ru{};
  if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) return out;
  out.ok = n == sizeof msg && WIFEXITED(status) && WEXITSTATUS(status) == 0 && msg[1] == 1.0;
  out.seconds = msg[0];
  out.max_rss_kb = ru.ru_maxrss;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string pattern = argc > 1 ? argv[1] : "";
  int64_t largest = argc > 2 ? std::stoll(argv[2]) : 1000000;
  Scenario s = load_scenario(std::string(DTXSIM_SOURCE_DIR) + "/bench/transfer-100k.json");
  std::vector<int64_t> sizes;
  for (int64_t n = 10000; n <= largest; n *= 10) sizes.push_back(n);
  std::printf("memory benchmark: %s, fault-free transfers at %g/s, checked as they end\n",
              pattern.empty() ? s.pattern.name.c_str() : pattern.c_str(),
              static_cast<double>(s.workload.arrival_per_s));
  std::printf("  %10s %10s %12s %14s %12s\n", "transfers", "seconds", "peak RSS MB",
              "bytes/transfer", "time/linear");
  Sample ref, last;
  double last_linear = 0;
  bool all_ok = true;
  for (int64_t n : sizes) {
    Sample m = measure(s, pattern, n);
    all_ok = all_ok && m.ok;
    if (n == sizes.front()) ref = m;
    double per = n > ref.transfers ? (m.max_rss_kb - ref.max_rss_kb) * 1024.0 /
                                         static_cast<double>(n - ref.transfers)
                                   : m.max_rss_kb * 1024.0 / static_cast<double>(n);
    double linear = ref.seconds > 0 ? (m.seconds / n) / (ref.seconds / ref.transfers) : 0;
    std::printf("  %10lld %10.2f %12.1f %14.0f %12.2f%s\n", static_cast<long long>(n), m.seconds,
                m.max_rss_kb / 1024.0, per, linear, m.ok ? "" : "  (run failed or violated)");
    last = m;
    last_linear = linear;
  }
  std::printf(
      "  %lld transfers: %.0f MB resident (target < 1024), time %.2fx linear (target "
      "<= 1.10)\n",
      static_cast<long long>(last.transfers), last.max_rss_kb / 1024.0, last_linear);
  return all_ok ? 0 : 1;
}
