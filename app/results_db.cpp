// Results database: schema, idempotent inserts, queries.
#include "app/results_db.hpp"

#include <sys/stat.h>
#include <cinttypes>
#include <cstdio>

#include "sim/kernel/random.hpp"

namespace dtx {

std::set<std::string> StoredRun::violated() const {
  std::set<std::string> out;
  for (const auto& v : violations) out.insert(v.value("invariant", ""));
  return out;
}

std::string scenario_hash(const Scenario& s) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, fnv1a64(s.raw.dump()));
  return buf;
}

ResultsDb::ResultsDb(const std::string& path, bool must_exist) : path_(path) {
  struct stat st;
  if (must_exist && stat(path.c_str(), &st) != 0)
    throw InputError(path + ": results database does not exist");
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw InputError(path + ": cannot open results database: " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  char* err = nullptr;
  int rc = sqlite3_exec(
      db_,
      "CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, scenario TEXT NOT NULL, "
      "scenario_hash TEXT NOT NULL, file TEXT NOT NULL DEFAULT '', pattern TEXT NOT NULL, "
      "variant TEXT NOT NULL, seed INTEGER NOT NULL, build TEXT NOT NULL, trace_hash TEXT NOT "
      "NULL, "
      "metrics TEXT NOT NULL, violations TEXT NOT NULL, faults TEXT NOT NULL DEFAULT '[]', "
      "UNIQUE(scenario_hash, pattern, variant, seed, build))",
      nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    sqlite3_close(db_);
    db_ = nullptr;
    throw InputError(path + ": not a dtxsim results database: " + msg);
  }
}

ResultsDb::~ResultsDb() {
  sqlite3_finalize(insert_);
  sqlite3_close(db_);
}

void ResultsDb::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw std::runtime_error(path_ + ": " + sql + " failed: " + msg);
  }
}

ResultsDb::Batch::Batch(ResultsDb& db) : db_(db) {
  db_.exec("BEGIN IMMEDIATE");
}

ResultsDb::Batch::~Batch() {
  if (open_) sqlite3_exec(db_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void ResultsDb::Batch::commit() {
  db_.exec("COMMIT");
  open_ = false;
}

std::set<uint64_t> ResultsDb::finished_seeds(const std::string& hash, const std::string& pattern,
                                             const std::string& variant) {
  std::set<uint64_t> out;
  sqlite3_stmt* st;
  sqlite3_prepare_v2(
      db_,
      "SELECT seed FROM runs WHERE scenario_hash = ? AND pattern = ? AND variant = ? AND build = ?",
      -1, &st, nullptr);
  std::string b = build_id();
  sqlite3_bind_text(st, 1, hash.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, pattern.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, variant.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, b.c_str(), -1, SQLITE_TRANSIENT);
  while (sqlite3_step(st) == SQLITE_ROW)
    out.insert(static_cast<uint64_t>(sqlite3_column_int64(st, 0)));
  sqlite3_finalize(st);
  return out;
}

void ResultsDb::insert(const RunResult& r, const std::string& hash) {
  StoredRun s;
  s.scenario = r.scenario;
  s.scenario_hash = hash;
  s.file = r.file;
  s.pattern = r.pattern;
  s.variant = r.variant;
  s.seed = r.seed;
  s.build = build_id();
  s.trace_hash = r.trace_hash;
  s.metrics = r.metrics.to_json();
  s.violations = Json::array();
  for (const auto& v : r.violations) s.violations.push_back(v.to_json());
  s.faults = Json::array();
  for (const auto& f : r.faults) s.faults.push_back(fault_to_json(f));
  insert(s);
}

void ResultsDb::insert(const StoredRun& r) {
  if (!insert_)
    sqlite3_prepare_v2(
        db_,
        "INSERT OR IGNORE INTO runs(scenario, scenario_hash, file, pattern, variant, "
        "seed, build, trace_hash, "
        "metrics, violations, faults) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        -1, &insert_, nullptr);
  sqlite3_stmt* st = insert_;
  std::string texts[] = {r.scenario, r.scenario_hash, r.file, r.pattern, r.variant};
  for (int i = 0; i < 5; ++i) sqlite3_bind_text(st, i + 1, texts[i].c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 6, static_cast<int64_t>(r.seed));
  std::string rest[] = {r.build, r.trace_hash, r.metrics.dump(), r.violations.dump(),
                        r.faults.dump()};
  for (int i = 0; i < 5; ++i) sqlite3_bind_text(st, i + 7, rest[i].c_str(), -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  if (rc != SQLITE_DONE)
    throw std::runtime_error(path_ + ": insert failed: " + sqlite3_errmsg(db_));
}

std::vector<StoredRun> ResultsDb::runs(const std::string& where_scenario,
                                       const std::string& where_build) {
  std::vector<StoredRun> out;
  sqlite3_stmt* st;
  sqlite3_prepare_v2(
      db_,
      "SELECT id, scenario, scenario_hash, file, pattern, variant, seed, build, "
      "trace_hash, metrics, "
      "violations, faults FROM runs WHERE (?1 = '' OR scenario = ?1) AND (?2 = '' OR build = ?2) "
      "ORDER BY "
      "scenario, pattern, variant, seed, id",
      -1, &st, nullptr);
  sqlite3_bind_text(st, 1, where_scenario.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, where_build.c_str(), -1, SQLITE_TRANSIENT);
  auto text = [&](int c) {
    return std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, c)));
  };
  while (sqlite3_step(st) == SQLITE_ROW) {
    StoredRun r;
    r.id = sqlite3_column_int64(st, 0);
    r.scenario = text(1);
    r.scenario_hash = text(2);
    r.file = text(3);
    r.pattern = text(4);
    r.variant = text(5);
    r.seed = static_cast<uint64_t>(sqlite3_column_int64(st, 6));
    r.build = text(7);
    r.trace_hash = text(8);
    r.metrics = Json::parse(text(9), nullptr, false);
    r.violations = Json::parse(text(10), nullptr, false);
    r.faults = Json::parse(text(11), nullptr, false);
    out.push_back(std::move(r));
  }
  sqlite3_finalize(st);
  return out;
}

}  // namespace dtx
