// The sweep engine: task list, worker threads, single-writer result storage, progress bar.
#include "app/sweep.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>

#include "sim/plugin/pattern.hpp"

namespace dtx {

namespace {
std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) {
  g_interrupted = true;
}

const std::string kSeedRange = "[0, 18446744073709551615]";

// Plain decimal digits only: a sign, a space or a hex prefix would be read as some other
// number (CLI11 and stoull take "-1" as 2^64-1), and a seed must replay exactly as typed.
bool parse_u64(const std::string& t, uint64_t& out) {
  if (t.empty() || t.size() > 20 || t.find_first_not_of("0123456789") != std::string::npos)
    return false;
  try {
    out = std::stoull(t);
  } catch (const std::exception&) {
    return false;  // more than 2^64-1
  }
  return true;
}
}  // namespace

uint64_t parse_seed(const std::string& text, const std::string& option) {
  uint64_t seed = 0;
  if (!parse_u64(text, seed))
    throw InputError(option + ": expected an integer in " + kSeedRange + ", got '" + text + "'");
  return seed;
}

SeedRange parse_seeds(const std::string& text) {
  auto dots = text.find("..");
  SeedRange r;
  if (dots == std::string::npos || !parse_u64(text.substr(0, dots), r.first) ||
      !parse_u64(text.substr(dots + 2), r.last))
    throw InputError("--seeds: expected A..B (e.g. 1..100) with A and B integers in " + kSeedRange +
                     ", got '" + text + "'");
  if (r.first > r.last) throw InputError("--seeds: expected A <= B, got '" + text + "'");
  // Every seed of the range is planned up front: a larger range would exhaust memory.
  if (r.last - r.first >= kMaxSeedsPerRange)
    throw InputError("--seeds: expected at most " + std::to_string(kMaxSeedsPerRange) +
                     " seeds (split the range into successive runs), got '" + text + "'");
  return r;
}

Shard parse_shard(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos)
    throw InputError("--shard: expected K/N (e.g. 1/4), got '" + text + "'");
  uint64_t k = 0, n = 0;
  if (!parse_u64(text.substr(0, slash), k) || !parse_u64(text.substr(slash + 1), n) || n == 0 ||
      k == 0 || k > n || n > 100000)
    throw InputError("--shard: expected 1 <= K <= N, got '" + text + "'");
  return {static_cast<int>(k), static_cast<int>(n)};
}

Scenario with_infrastructure(const Scenario& s) {
  Scenario out = s;
  if (out.brokers.empty()) out.brokers.push_back({"mq", BrokerConfig{}});
  if (out.coordinator.empty()) out.coordinator = "dtm";
  return out;
}

// A run of a correct variant whose violations are all limitations its pattern declares.
static bool known_limitation(const RunResult& r) {
  const PatternInfo* p = find_pattern(r.pattern);
  if (!p || r.variant != "correct" || p->limitations.empty() || r.violations.empty()) return false;
  for (const auto& v : r.violated()) {
    if (std::find(p->limitations.begin(), p->limitations.end(), v) == p->limitations.end())
      return false;
  }
  return true;
}

SweepStats run_sweep(const Scenario& s, const std::vector<std::string>& patterns, SeedRange seeds,
                     Shard shard, int jobs, ResultsDb& db, bool progress) {
  SweepStats stats;
  std::string hash = scenario_hash(s);
  std::vector<SweepTask> tasks;
  for (const auto& p : patterns) {
    auto [name, variant] = resolve_pattern(p, "--pattern");
    std::set<uint64_t> done = db.finished_seeds(hash, name, variant);
    for (uint64_t seed = seeds.first;; ++seed) {
      if ((seed - seeds.first) % static_cast<uint64_t>(shard.n) ==
          static_cast<uint64_t>(shard.k - 1)) {
        ++stats.planned;
        if (done.count(seed)) {
          ++stats.skipped;
        } else {
          tasks.push_back({name + ":" + variant, seed});
        }
      }
      if (seed == seeds.last) break;
    }
  }
  g_interrupted = false;
  auto old = std::signal(SIGINT, on_sigint);
  std::mutex mu;
  std::condition_variable cv;
  std::deque<RunResult> finished;
  std::string first_error;
  bool input_error = false;
  std::atomic<size_t> next{0};
  size_t active = static_cast<size_t>(std::max(1, jobs));
  auto worker = [&] {
    for (;;) {
      size_t i = next++;
      if (i >= tasks.size() || g_interrupted) break;
      RunOptions o;
      o.seed = tasks[i].seed;
      o.pattern = tasks[i].pattern;
      o.keep_history = false;
      try {
        RunResult r = run_scenario(s, o);
        std::lock_guard<std::mutex> lock(mu);
        finished.push_back(std::move(r));
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mu);
        if (first_error.empty()) {
          first_error =
              tasks[i].pattern + " seed " + std::to_string(tasks[i].seed) + ": " + e.what();
          input_error = dynamic_cast<const InputError*>(&e) != nullptr;
        }
        g_interrupted = true;
      }
      cv.notify_one();
    }
    std::lock_guard<std::mutex> lock(mu);
    --active;
    cv.notify_one();
  };
  std::vector<std::thread> pool;
  for (int j = 0; j < std::max(1, jobs); ++j) pool.emplace_back(worker);
  bool tty = progress && isatty(STDERR_FILENO);
  for (;;) {
    std::unique_lock<std::mutex> lock(mu);
    // The only writer, in batches of one transaction each: every 100 ms or 256 runs, so a
    // run costs its row, not a journal sync of its own.
    cv.wait_for(lock, std::chrono::milliseconds(100),
                [&] { return finished.size() >= 256 || active == 0; });
    if (finished.empty() && active != 0) continue;
    std::deque<RunResult> batch = std::move(finished);
    finished.clear();
    bool done = active == 0;
    lock.unlock();
    ResultsDb::Batch tx(db);
    for (auto& r : batch) {
      db.insert(r, hash);
      ++stats.ran;
      if (known_limitation(r)) {
        ++stats.limited;
      } else if (!r.violations.empty()) {
        ++stats.violating;
      }
    }
    tx.commit();
    if (tty && (!batch.empty() || done)) {
      size_t total = tasks.size(), width = 30, filled = total ? stats.ran * width / total : width;
      std::fprintf(stderr, "\r[%s%s] %zu/%zu runs, %zu with violations",
                   std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                   stats.ran, total, stats.violating);
    }
    if (done) break;
  }
  for (auto& t : pool) t.join();
  if (tty) std::fprintf(stderr, "\n");
  std::signal(SIGINT, old);
  stats.interrupted = g_interrupted && first_error.empty();
  if (!first_error.empty()) {
    if (input_error) throw InputError(first_error);  // exit 2, like a single run
    throw std::runtime_error(first_error);
  }
  return stats;
}

}  // namespace dtx
