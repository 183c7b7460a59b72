// Results database: schema, idempotent inserts, queries.
#include "app/results_db.hpp"

#include <sys/stat.h>
#include <cinttypes>
#include <cstdio>
#include <ctime>

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

namespace {
const char* const kRunColumns[] = {"id",         "scenario", "scenario_hash", "file",
                                   "pattern",    "variant",  "seed",          "build",
                                   "trace_hash", "metrics",  "violations",    "faults"};
}  // namespace

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
  // Concurrent sweeps wait for each other's short write transactions instead of failing.
  sqlite3_busy_timeout(db_, 60000);
  try {
    // Someone else's table `runs` is refused before anything is written to their file.
    check_runs_schema();
    // WAL lets readers and one writer proceed together; it needs shared memory between the
    // processes, so a local filesystem (docs/input-and-limits.md).
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");  // in WAL: a power cut may lose the last runs, not the file
    exec(
        "CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, scenario TEXT NOT NULL, "
        "scenario_hash TEXT NOT NULL, file TEXT NOT NULL DEFAULT '', pattern TEXT NOT NULL, "
        "variant TEXT NOT NULL, seed INTEGER NOT NULL, build TEXT NOT NULL, trace_hash TEXT NOT "
        "NULL, metrics TEXT NOT NULL, violations TEXT NOT NULL, faults TEXT NOT NULL DEFAULT "
        "'[]', UNIQUE(scenario_hash, pattern, variant, seed, build))");
    check_runs_schema();
    exec(
        "CREATE TABLE IF NOT EXISTS leases(scenario_hash TEXT NOT NULL, pattern TEXT NOT NULL, "
        "variant TEXT NOT NULL, seed INTEGER NOT NULL, build TEXT NOT NULL, owner TEXT NOT NULL, "
        "expires_at INTEGER NOT NULL, PRIMARY KEY(scenario_hash, pattern, variant, seed, build))");
  } catch (const std::exception& e) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw InputError(path + ": not a dtxsim results database: " + e.what());
  }
}

ResultsDb::~ResultsDb() {
  sqlite3_finalize(insert_);
  sqlite3_close(db_);
}

void ResultsDb::exec(const char* sql) {
  char* err = nullptr;
  // Switching to WAL or creating a table while another sweep opens the same new file can
  // return BUSY without the busy handler: wait and retry (up to a minute).
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  for (int tries = 0; (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && tries < 600; ++tries) {
    sqlite3_free(err);
    err = nullptr;
    sqlite3_sleep(100);
    rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  }
  if (rc == SQLITE_OK) return;
  std::string msg = err ? err : sqlite3_errmsg(db_);
  sqlite3_free(err);
  throw std::runtime_error(msg);
}

sqlite3_stmt* ResultsDb::prepare(const char* sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK)
    throw std::runtime_error(path_ + ": " + sqlite3_errmsg(db_));
  return st;
}

// A table `runs` made by something else passes CREATE TABLE IF NOT EXISTS: name what it lacks
// rather than fail later (a sweep's first insert, a report's empty query).
void ResultsDb::check_runs_schema() {
  sqlite3_stmt* st = prepare("SELECT name FROM pragma_table_info('runs')");
  std::set<std::string> have;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    have.insert(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db_));
  if (have.empty()) return;  // no table yet: a new database
  std::string missing;
  for (const char* c : kRunColumns)
    if (!have.count(c)) missing += (missing.empty() ? "" : ", ") + std::string(c);
  if (!missing.empty())
    throw std::runtime_error("expected a table 'runs' with dtxsim's columns, got one lacking " +
                             missing);
}

namespace {

// Binds a run's key as ?1..?5 (scenario hash, pattern, variant, seed, build).
void bind_key(sqlite3_stmt* st, const RunKey& key, const std::string& build) {
  sqlite3_bind_text(st, 1, key.scenario_hash.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, key.pattern.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, key.variant.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 4, static_cast<int64_t>(key.seed));
  sqlite3_bind_text(st, 5, build.c_str(), -1, SQLITE_TRANSIENT);
}

struct Statement {
  sqlite3_stmt* st = nullptr;
  ~Statement() { sqlite3_finalize(st); }
};

}  // namespace

std::vector<Claim> ResultsDb::claim(const std::vector<RunKey>& keys, const std::string& owner,
                                    int64_t lease_s) {
  int64_t now = static_cast<int64_t>(std::time(nullptr));  // app/ only: leases are wall time
  std::vector<Claim> out;
  exec("BEGIN IMMEDIATE");  // the write lock first: check and claim cannot interleave
  try {
    std::string b = build_id();
    Statement check{prepare(
        "SELECT (SELECT count(*) FROM runs WHERE scenario_hash = ?1 AND pattern = ?2 AND "
        "variant = ?3 AND seed = ?4 AND build = ?5), (SELECT count(*) FROM leases WHERE "
        "scenario_hash = ?1 AND pattern = ?2 AND variant = ?3 AND seed = ?4 AND build = ?5 AND "
        "owner != ?6 AND expires_at > ?7)")};
    Statement lease{prepare(
        "INSERT OR REPLACE INTO leases(scenario_hash, pattern, variant, seed, build, owner, "
        "expires_at) VALUES(?, ?, ?, ?, ?, ?, ?)")};
    for (const RunKey& key : keys) {
      sqlite3_reset(check.st);
      bind_key(check.st, key, b);
      sqlite3_bind_text(check.st, 6, owner.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(check.st, 7, now);
      Claim c = Claim::claimed;
      if (sqlite3_step(check.st) == SQLITE_ROW)
        c = sqlite3_column_int64(check.st, 0)   ? Claim::done
            : sqlite3_column_int64(check.st, 1) ? Claim::leased
                                                : Claim::claimed;
      out.push_back(c);
      if (c != Claim::claimed) continue;
      sqlite3_reset(lease.st);
      bind_key(lease.st, key, b);
      sqlite3_bind_text(lease.st, 6, owner.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(lease.st, 7, now + lease_s);
      if (sqlite3_step(lease.st) != SQLITE_DONE)
        throw std::runtime_error(path_ + ": lease failed: " + sqlite3_errmsg(db_));
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  return out;
}

void ResultsDb::release(const std::string& owner) {
  sqlite3_stmt* st = prepare("DELETE FROM leases WHERE owner = ?");
  sqlite3_bind_text(st, 1, owner.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_step(st);
  sqlite3_finalize(st);
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
  sqlite3_stmt* st = prepare(
      "SELECT seed FROM runs WHERE scenario_hash = ? AND pattern = ? AND variant = ? AND build = "
      "?");
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
    insert_ = prepare(
        "INSERT OR IGNORE INTO runs(scenario, scenario_hash, file, pattern, variant, seed, build, "
        "trace_hash, metrics, violations, faults) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
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
  // Stored: its lease, if any, has done its job.
  st = prepare(
      "DELETE FROM leases WHERE scenario_hash = ? AND pattern = ? AND variant = ? AND seed = ? "
      "AND build = ?");
  sqlite3_bind_text(st, 1, r.scenario_hash.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, r.pattern.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, r.variant.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 4, static_cast<int64_t>(r.seed));
  sqlite3_bind_text(st, 5, r.build.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_step(st);
  sqlite3_finalize(st);
}

// A stored run's JSON column, checked for the shape its readers take for granted.
Json stored_json(sqlite3_stmt* st, int c, const std::string& path, int64_t id, bool object) {
  const char* name = sqlite3_column_name(st, c);
  const unsigned char* text = sqlite3_column_text(st, c);
  Json j = text ? Json::parse(reinterpret_cast<const char*>(text), nullptr, false) : Json();
  bool ok = object ? j.is_object() : j.is_array();
  for (const auto& v : j) {
    if (!ok) break;
    ok = object ? v.is_number() : v.is_object();
    for (const char* key : {"invariant", "gid", "message", "kind", "node"})  // read as text
      ok = ok && (object || !v.contains(key) || v[key].is_string());
  }
  if (!ok)
    throw InputError(path + ": runs row " + std::to_string(id) + ": column " + name +
                     ": expected " +
                     (object ? "a JSON object of numbers" : "a JSON array of objects"));
  return j;
}

std::vector<StoredRun> ResultsDb::runs(const std::string& where_scenario,
                                       const std::string& where_build) {
  std::vector<StoredRun> out;
  sqlite3_stmt* st = prepare(
      "SELECT id, scenario, scenario_hash, file, pattern, variant, seed, build, trace_hash, "
      "metrics, violations, faults FROM runs WHERE (?1 = '' OR scenario = ?1) AND (?2 = '' OR "
      "build = ?2) ORDER BY scenario, pattern, variant, seed, id");
  sqlite3_bind_text(st, 1, where_scenario.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, where_build.c_str(), -1, SQLITE_TRANSIENT);
  int64_t id = 0;
  auto text = [&](int c) {
    const unsigned char* t = sqlite3_column_text(st, c);
    if (!t) {
      std::string msg = path_ + ": runs row " + std::to_string(id) + ": column " +
                        sqlite3_column_name(st, c) + ": expected text, got NULL";
      sqlite3_finalize(st);
      throw InputError(msg);
    }
    return std::string(reinterpret_cast<const char*>(t));
  };
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    StoredRun r;
    r.id = id = sqlite3_column_int64(st, 0);
    r.scenario = text(1);
    r.scenario_hash = text(2);
    r.file = text(3);
    r.pattern = text(4);
    r.variant = text(5);
    r.seed = static_cast<uint64_t>(sqlite3_column_int64(st, 6));
    r.build = text(7);
    r.trace_hash = text(8);
    try {
      r.metrics = stored_json(st, 9, path_, id, true);
      r.violations = stored_json(st, 10, path_, id, false);
      r.faults = stored_json(st, 11, path_, id, false);
    } catch (...) {
      sqlite3_finalize(st);
      throw;
    }
    out.push_back(std::move(r));
  }
  std::string msg = sqlite3_errmsg(db_);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) throw InputError(path_ + ": cannot read table runs: " + msg);
  return out;
}

}  // namespace dtx
