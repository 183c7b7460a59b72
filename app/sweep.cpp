// The sweep engine: task list, worker threads, single-writer result storage, progress bar.
#include "app/sweep.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <deque>
#include <mutex>
#include <optional>
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
  return r;  // any size: a sweep walks its range lazily
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
bool within_limitations(const std::string& pattern, const std::string& variant,
                        const std::set<std::string>& violated) {
  const PatternInfo* p = find_pattern(pattern);
  if (!p || variant != "correct" || p->limitations.empty() || violated.empty()) return false;
  for (const auto& v : violated) {
    if (std::find(p->limitations.begin(), p->limitations.end(), v) == p->limitations.end())
      return false;
  }
  return true;
}

static bool known_limitation(const RunResult& r) {
  return within_limitations(r.pattern, r.variant, r.violated());
}

namespace {

// The tasks of a sweep, one pattern after another, each over its shard of the seed range,
// produced one at a time: nothing proportional to the range is ever held.
class TaskCursor {
 public:
  TaskCursor(std::vector<std::pair<std::string, std::string>> patterns, SeedRange seeds,
             Shard shard)
      : patterns_(std::move(patterns)), seeds_(seeds), step_(static_cast<uint64_t>(shard.n)) {
    first_ = seeds.first + static_cast<uint64_t>(shard.k - 1);
    // A shard whose first seed lies past the range (or wraps past 2^64-1) has no runs.
    empty_ = first_ < seeds.first || first_ > seeds.last;
    next_ = first_;
  }
  // Runs per pattern: the seeds of the range in this shard.
  uint64_t per_pattern() const { return empty_ ? 0 : (seeds_.last - first_) / step_ + 1; }
  bool next(size_t& pattern, uint64_t& seed) {
    if (empty_ || index_ >= patterns_.size()) return false;
    pattern = index_;
    seed = next_;
    if (seeds_.last - next_ < step_) {  // the last seed of this pattern: on to the next one
      ++index_;
      next_ = first_;
    } else {
      next_ += step_;
    }
    return true;
  }
  const std::pair<std::string, std::string>& pattern(size_t i) const { return patterns_[i]; }

 private:
  std::vector<std::pair<std::string, std::string>> patterns_;
  SeedRange seeds_;
  uint64_t step_, first_ = 0, next_ = 0;
  size_t index_ = 0;
  bool empty_ = false;
};

// Names this process among the sweeps sharing a database (leases record it).
std::string lease_owner() {
  static std::atomic<uint64_t> count{0};
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(getpid()) + ":" +
         std::to_string(static_cast<int64_t>(std::time(nullptr))) + ":" + std::to_string(count++);
}

struct Pool {
  std::mutex mu;  // guards the cursor, the database and everything below
  std::condition_variable cv;
  std::deque<RunResult> finished;
  std::string first_error;
  bool input_error = false;
  size_t active = 0;
};

// Hands out this sweep's runs: claims them from the range in blocks (one write transaction
// each, so a claim costs a fraction of a commit), passing over stored runs and runs another
// sweep holds a live lease on. Used with pool.mu held. Claims not run when the sweep stops go
// back in db.release(owner).
class Claimer {
 public:
  Claimer(TaskCursor& cursor, ResultsDb& db, std::string hash, std::string owner, int64_t lease_s,
          size_t block)
      : cursor_(cursor),
        db_(db),
        hash_(std::move(hash)),
        owner_(std::move(owner)),
        lease_s_(lease_s),
        block_(block) {}

  // The next task, or false when the range is walked (or the sweep interrupted). A claim
  // that has waited in the block for half its lease is renewed first (runs long enough for
  // that pay one commit each; short ones none), so no lease runs out before its run starts;
  // if it did run out and another sweep took the run or stored it, the run is passed over.
  bool next(SweepStats& stats, SweepTask& task) {
    for (;;) {
      while (ready_.empty()) {
        if (g_interrupted || !claim_block(stats)) return false;
      }
      Ready r = std::move(ready_.front());
      ready_.pop_front();
      if (g_interrupted) return false;
      if (wall_s() - r.claimed_at > lease_s_ / 2 &&
          !count(db_.claim(r.key, owner_, lease_s_), stats))
        continue;
      task = {r.key.pattern + ":" + r.key.variant, r.key.seed};
      return true;
    }
  }

 private:
  bool claim_block(SweepStats& stats) {
    std::vector<RunKey> keys;
    size_t p = 0;
    uint64_t seed = 0;
    while (keys.size() < block_ && cursor_.next(p, seed)) {
      const auto& [name, variant] = cursor_.pattern(p);
      keys.push_back({hash_, name, variant, seed});
    }
    if (keys.empty()) return false;
    int64_t now = wall_s();
    std::vector<Claim> claims = db_.claim(keys, owner_, lease_s_);
    for (size_t i = 0; i < keys.size(); ++i)
      if (count(claims[i], stats)) ready_.push_back({std::move(keys[i]), now});
    return true;
  }

  // True when the run is this sweep's to do; counts the others.
  static bool count(Claim c, SweepStats& stats) {
    if (c == Claim::done) ++stats.skipped;
    if (c == Claim::leased) ++stats.leased;
    return c == Claim::claimed;
  }
  static int64_t wall_s() { return static_cast<int64_t>(std::time(nullptr)); }  // as leases are

  struct Ready {
    RunKey key;
    int64_t claimed_at = 0;  // wall seconds
  };

  TaskCursor& cursor_;
  ResultsDb& db_;
  std::string hash_, owner_;
  int64_t lease_s_;
  size_t block_;
  std::deque<Ready> ready_;
};

// Runs claimed per write transaction: enough that claims cost little beside the runs, few
// enough that a killed sweep's leases hold back only a handful of runs until they expire.
constexpr size_t kClaimBlock = 16;

}  // namespace

SweepStats run_sweep(const Scenario& s, const std::vector<std::string>& patterns, SeedRange seeds,
                     Shard shard, int jobs, ResultsDb& db, bool progress, int64_t lease_s) {
  SweepStats stats;
  std::string hash = scenario_hash(s), owner = lease_owner();
  std::vector<std::pair<std::string, std::string>> resolved;
  for (const auto& p : patterns) resolved.push_back(resolve_pattern(p, "--pattern"));
  TaskCursor cursor(resolved, seeds, shard);
  Claimer claimer(cursor, db, hash, owner, lease_s, kClaimBlock);
  stats.planned = cursor.per_pattern() * resolved.size();
  g_interrupted = false;
  auto old = std::signal(SIGINT, on_sigint);
  Pool pool;
  pool.active = static_cast<size_t>(std::max(1, jobs));
  auto worker = [&] {
    for (;;) {
      SweepTask task;
      try {
        std::lock_guard<std::mutex> lock(pool.mu);
        if (!claimer.next(stats, task)) break;
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(pool.mu);
        if (pool.first_error.empty()) pool.first_error = e.what();
        g_interrupted = true;
        break;
      }
      RunOptions o;
      o.seed = task.seed;
      o.pattern = task.pattern;
      o.keep_history = false;
      try {
        RunResult r = run_scenario(s, o);
        std::lock_guard<std::mutex> lock(pool.mu);
        pool.finished.push_back(std::move(r));
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(pool.mu);
        if (pool.first_error.empty()) {
          pool.first_error = task.pattern + " seed " + std::to_string(task.seed) + ": " + e.what();
          pool.input_error = dynamic_cast<const InputError*>(&e) != nullptr;
        }
        g_interrupted = true;
      }
      pool.cv.notify_one();
    }
    std::lock_guard<std::mutex> lock(pool.mu);
    --pool.active;
    pool.cv.notify_one();
  };
  std::vector<std::thread> threads;
  for (int j = 0; j < std::max(1, jobs); ++j) threads.emplace_back(worker);
  bool tty = progress && isatty(STDERR_FILENO);
  for (;;) {
    std::unique_lock<std::mutex> lock(pool.mu);
    // The only writer of runs, in batches of one transaction each: every 100 ms or 256 runs,
    // so a run costs its row, not a commit of its own (workers claim under the same lock,
    // never inside a batch).
    pool.cv.wait_for(lock, std::chrono::milliseconds(100),
                     [&] { return pool.finished.size() >= 256 || pool.active == 0; });
    if (pool.finished.empty() && pool.active != 0) continue;
    std::deque<RunResult> batch = std::move(pool.finished);
    pool.finished.clear();
    bool done = pool.active == 0;
    std::optional<ResultsDb::Batch> tx;
    try {
      tx.emplace(db);
    } catch (const std::exception& e) {
      if (pool.first_error.empty()) pool.first_error = e.what();
      g_interrupted = true;
      batch.clear();
    }
    for (auto& r : batch) {
      try {
        db.insert(r, hash);
      } catch (const std::exception& e) {
        if (pool.first_error.empty()) pool.first_error = e.what();
        g_interrupted = true;
        continue;
      }
      ++stats.ran;
      if (known_limitation(r)) {
        ++stats.limited;
      } else if (!r.violations.empty()) {
        ++stats.violating;
      }
    }
    if (tx) {
      try {
        tx->commit();
      } catch (const std::exception& e) {
        if (pool.first_error.empty()) pool.first_error = e.what();
        g_interrupted = true;
      }
    }
    if (tty && (!batch.empty() || done)) {
      uint64_t total = stats.planned, width = 30;
      uint64_t finished = stats.ran + stats.skipped + stats.leased;
      uint64_t filled = total ? std::min<uint64_t>(width, finished * width / total) : width;
      std::fprintf(stderr, "\r[%s%s] %zu/%llu runs, %zu with violations",
                   std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                   stats.ran, static_cast<unsigned long long>(total), stats.violating);
    }
    if (done) break;
  }
  for (auto& t : threads) t.join();
  if (tty) std::fprintf(stderr, "\n");
  std::signal(SIGINT, old);
  try {
    db.release(owner);  // claims not run (an interrupt, an error) go back at once
  } catch (const std::exception&) {
    // they expire on their own
  }
  stats.interrupted = g_interrupted && pool.first_error.empty();
  if (!pool.first_error.empty()) {
    if (pool.input_error) throw InputError(pool.first_error);  // exit 2, like a single run
    throw std::runtime_error(pool.first_error);
  }
  return stats;
}

}  // namespace dtx
