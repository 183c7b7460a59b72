// The results store: a SQLite database with one row per run in table `runs`, keyed by
// (scenario_hash, pattern, variant, seed, build) so re-running a sweep skips finished runs
// and merging shard databases cannot duplicate one. Sweeps sharing a database claim each run
// first with a lease (table `leases`, expiring so a killed worker's runs are taken again), so
// concurrent sweeps split the work. WAL journal: readers never block the writer; it needs a
// local filesystem (on NFS use a database per shard and `merge`).
#pragma once

#include <sqlite3.h>

#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "app/runner.hpp"

namespace dtx {

struct StoredRun {
  int64_t id = 0;
  std::string scenario, scenario_hash, pattern, variant, build, trace_hash, file;
  uint64_t seed = 0;
  Json metrics, violations, faults;
  std::set<std::string> violated() const;
};

// What a claim found: the run is this worker's to do, already stored, or leased by another.
enum class Claim { claimed, done, leased };

struct RunKey {
  std::string scenario_hash, pattern, variant;
  uint64_t seed = 0;
};

class ResultsDb {
 public:
  // Opens or creates; throws InputError naming the file when it cannot.
  explicit ResultsDb(const std::string& path, bool must_exist = false);
  ~ResultsDb();
  ResultsDb(const ResultsDb&) = delete;
  ResultsDb& operator=(const ResultsDb&) = delete;

  std::set<uint64_t> finished_seeds(const std::string& scenario_hash, const std::string& pattern,
                                    const std::string& variant);
  // Claims each key for `owner` until now + lease_s unless it is stored or another owner's
  // lease has not expired; out[i] is what key i found. One write transaction for the block,
  // so two sweeps never both claim a run, and a block costs one commit, not one per run.
  std::vector<Claim> claim(const std::vector<RunKey>& keys, const std::string& owner,
                           int64_t lease_s);
  Claim claim(const RunKey& key, const std::string& owner, int64_t lease_s) {
    return claim(std::vector<RunKey>{key}, owner, lease_s).front();
  }
  // Drops every lease `owner` still holds (a sweep that stops early hands its runs back).
  void release(const std::string& owner);
  // Stores a run and drops its lease.
  void insert(const RunResult& r, const std::string& scenario_hash);
  void insert(const StoredRun& r);
  // Stored runs, of one scenario and of one build when given (empty: all).
  std::vector<StoredRun> runs(const std::string& where_scenario = "",
                              const std::string& where_build = "");
  const std::string& path() const { return path_; }

  // Inserts made while a Batch lives share one transaction: one journal write and sync for
  // the batch, not one per run (per-run commits made the single writer the bottleneck of a
  // parallel sweep). Destroyed without commit(), it rolls the batch back.
  class Batch {
   public:
    explicit Batch(ResultsDb& db);
    ~Batch();
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    void commit();

   private:
    ResultsDb& db_;
    bool open_ = true;
  };

 private:
  void exec(const char* sql);
  // Prepared statement; a failure names the database (the schema was checked at open, so it
  // is an internal error, never a crash).
  sqlite3_stmt* prepare(const char* sql);
  void check_runs_schema();
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;  // prepared once, reset per row
  std::string path_;
};

// Stable hash of a scenario's content (its JSON, keys sorted), as 16 hex digits.
std::string scenario_hash(const Scenario& s);

}  // namespace dtx
