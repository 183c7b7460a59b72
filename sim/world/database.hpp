// A simulated database: a real in-memory SQLite database driven in simulated time.
// Writers are serialized as in SQLite: the first write of a transaction takes the database's
// write lock and later writers queue (in simulated time, with a lock-wait timeout) until it
// commits or rolls back, which is what makes INSERT OR IGNORE wait for an in-flight
// transaction. Plain reads never wait: they see the last committed state.
//
// How reads see committed state with one connection (chosen for speed, measured in
// bench/database): the open writer's successful statements are logged; a read from anyone
// else while a writer is open rolls the writer back, reads, then replays the log. Such reads
// are rare (relay polls, check-backs), so writers run at raw in-memory SQLite speed.
#pragma once

#include <sqlite3.h>

#include <coroutine>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "sim/kernel/history.hpp"
#include "sim/kernel/json_writer.hpp"
#include "sim/kernel/lookup_map.hpp"
#include "sim/world/node.hpp"

namespace dtx {

class World;

using SqlValue = std::variant<std::nullptr_t, int64_t, double, std::string>;

// One bound statement parameter: NULL, integer, real, text, or a boolean (bound as 0/1 and
// traced as true/false).
struct SqlArg {
  enum Type : uint8_t { null, integer, real, text, boolean };
  Type type = null;
  union {
    int64_t i = 0;  // integer, boolean
    double d;       // real
  };
  std::string s;  // text

  SqlArg() = default;
  SqlArg(std::nullptr_t) {}
  SqlArg(int v) : type(integer), i(v) {}
  SqlArg(long v) : type(integer), i(v) {}
  SqlArg(long long v) : type(integer), i(v) {}
  SqlArg(unsigned v) : type(integer), i(v) {}
  SqlArg(unsigned long v) : type(integer), i(static_cast<int64_t>(v)) {}
  SqlArg(unsigned long long v) : type(integer), i(static_cast<int64_t>(v)) {}
  SqlArg(double v) : type(real), d(v) {}
  SqlArg(bool v) : type(boolean), i(v) {}
  SqlArg(const char* v) : type(text), s(v) {}
  SqlArg(std::string v) : type(text), s(std::move(v)) {}
  SqlArg(std::string_view v) : type(text), s(v) {}
  SqlArg(const Json& v);  // a JSON scalar (objects and arrays are bound as their JSON text)
};

// A statement's parameters. Up to four live inside the object, constructed only as they are
// added (a statement has two or three): building, moving and freeing one costs only the
// parameters in use, with no allocation.
class SqlArgs {
 public:
  SqlArgs() = default;
  SqlArgs(std::initializer_list<SqlArg> list) {
    for (const SqlArg& a : list) emplace_back(a);
  }
  SqlArgs(const SqlArgs& o) {
    for (const SqlArg& a : o) emplace_back(a);
  }
  SqlArgs(SqlArgs&& o) noexcept { take(o); }
  SqlArgs& operator=(const SqlArgs& o) {
    if (this != &o) {
      clear();
      for (const SqlArg& a : o) emplace_back(a);
    }
    return *this;
  }
  SqlArgs& operator=(SqlArgs&& o) noexcept {
    if (this != &o) {
      clear();
      take(o);
    }
    return *this;
  }
  ~SqlArgs() { clear(); }

  template <typename... A>
  SqlArg& emplace_back(A&&... a) {
    if (n_ < kInline) return *new (slot(n_++)) SqlArg(std::forward<A>(a)...);
    return spill(SqlArg(std::forward<A>(a)...));
  }
  void push_back(SqlArg a) { emplace_back(std::move(a)); }
  void clear();
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  const SqlArg* begin() const { return n_ <= kInline ? slot(0) : more_.data(); }
  const SqlArg* end() const { return begin() + n_; }
  const SqlArg& operator[](size_t i) const { return begin()[i]; }

 private:
  static constexpr size_t kInline = 4;
  SqlArg* slot(size_t i) { return std::launder(reinterpret_cast<SqlArg*>(inline_)) + i; }
  const SqlArg* slot(size_t i) const {
    return std::launder(reinterpret_cast<const SqlArg*>(inline_)) + i;
  }
  void take(SqlArgs& o) noexcept;  // moves o's parameters here (this one is empty)
  SqlArg& spill(SqlArg a);         // the fifth and later parameters
  // The first kInline parameters; constructed while n_ <= kInline, all moved to more_ after.
  alignas(SqlArg) unsigned char inline_[kInline * sizeof(SqlArg)];
  std::vector<SqlArg> more_;  // all of them, once there are more than kInline
  size_t n_ = 0;
};

// The parameters as the trace shows them: a JSON array, written as nlohmann would, in at
// most sql_args_bound(args) characters.
size_t sql_args_bound(const SqlArgs& args);
void write_sql_args(SpanJsonWriter& w, const SqlArgs& args);

struct DbResult {
  bool ok = true;
  std::string error;
  int64_t changes = 0;
  // The rowid of the row an INSERT (or REPLACE) statement added; 0 when it added none (an
  // ignored INSERT OR IGNORE, or any other statement). Like lastrowid in a database driver.
  int64_t inserted_id = 0;
  std::vector<std::vector<SqlValue>> rows;

  bool empty() const { return rows.empty(); }
  int64_t integer(size_t row = 0, size_t col = 0) const;
  std::string text(size_t row = 0, size_t col = 0) const;
};

struct DbConfig {
  TimeUs stmt_latency_us_min = 50;
  double stmt_latency_us_jitter_mean = 50;
  TimeUs commit_latency_us_min = 200;
  double commit_latency_us_jitter_mean = 100;
  TimeUs lock_wait_timeout_us = 5 * kUsPerS;
  bool remote = false;  // true: every call crosses the network between owner and database node
  bool record_statements = true;  // db_exec events in the trace
};

enum class TxnState { open, prepared, committed, rolled_back };

class Database {
 public:
  // `host` is the database's own node (crash/pause it to fail/stall the database).
  Database(World& world, std::string name, Node& host, DbConfig config);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::string& name() const { return name_; }
  Node& host() { return host_; }
  const DbConfig& config() const { return config_; }

  // Outside simulated time: schema set-up and checker snapshots of the committed state.
  DbResult exec_now(const std::string& sql, const SqlArgs& params = {});
  DbResult snapshot(const std::string& sql, const SqlArgs& params = {});

  // A stall (disk jam): writes and commits wait until it ends; plain reads still answer.
  void stall(TimeUs duration_us);
  // A full disk: until it ends every write statement fails (SQLITE_FULL) and a commit of a
  // transaction that wrote rolls it back and fails; plain reads still answer.
  void disk_full(TimeUs duration_us);
  // Contention on a hot key: a long writer (a batch job) takes the write lock as soon as it
  // is free and holds it this long; other writers queue and time out after the lock wait.
  void hold_write_lock(TimeUs duration_us);

  struct Op;
  // A counted handle on an operation (shared by its awaiter and any pending callback or
  // queue). The count is not atomic: an operation belongs to one simulation, which runs on
  // one thread. Freed operations go back to a per-thread free list.
  class OpPtr {
   public:
    OpPtr() = default;
    static OpPtr make();  // a new operation
    OpPtr(const OpPtr& o) noexcept : p_(o.p_) { retain(); }
    OpPtr(OpPtr&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    OpPtr& operator=(OpPtr o) noexcept {
      std::swap(p_, o.p_);
      return *this;
    }
    ~OpPtr() { release(); }
    Op* operator->() const { return p_; }
    Op& operator*() const { return *p_; }
    bool operator==(const OpPtr& o) const { return p_ == o.p_; }

   private:
    explicit OpPtr(Op* p) : p_(p) {}
    inline void retain() noexcept;
    inline void release() noexcept;
    static void free(Op* p) noexcept;
    Op* p_ = nullptr;
  };

  // Transactions (used through Txn).
  uint64_t begin(Node& owner, const std::string& gid);
  void submit(const OpPtr& op);
  void abandon(uint64_t txn);  // roll back at once, no simulated time (frame destroyed)
  TxnState txn_state(uint64_t txn) const;
  // Records `kind` with `detail` in the history if and only if `txn` commits.
  void on_commit(uint64_t txn, Kind kind, Detail detail);

  // Two-phase commit participant: prepared transactions by xid (XA RECOVER).
  std::vector<std::pair<std::string, uint64_t>> prepared() const;
  // When `xid` was prepared; -1 when no prepared transaction has that xid.
  TimeUs prepared_at_us(const std::string& xid) const;

  uint64_t commits() const { return commits_; }
  uint64_t replays() const { return replays_; }

 private:
  // A prepared statement in the cache, with whether it writes (takes the write lock).
  struct Stmt {
    sqlite3_stmt* st = nullptr;
    bool writes = true;
    bool inserts = false;  // INSERT or REPLACE: reports the rowid it added
    std::string sql;       // its text
    std::string sql_json;  // the same as a JSON string, for the statement events
  };

  struct TxnInfo {
    Node* owner = nullptr;
    std::string gid;
    std::string xid;
    TimeUs prepared_at_us = 0;
    TxnState state = TxnState::open;
    bool holds_lock = false;
    std::vector<OpPtr> log;  // successful writes (statement and parameters), for replay
    std::vector<std::pair<Kind, Detail>> on_commit;  // recorded if the transaction commits
    // Back to a fresh transaction, keeping the buffers' capacity for the next one.
    void reset() {
      owner = nullptr;
      gid.clear();
      xid.clear();
      prepared_at_us = 0;
      state = TxnState::open;
      holds_lock = false;
      log.clear();
      on_commit.clear();
    }
  };

  void arrive(const OpPtr& op);
  void execute(const OpPtr& op);
  void execute_decision(const OpPtr& op);
  void execute_statement(const OpPtr& op, TxnInfo& t);
  bool take_write_lock(const OpPtr& op, TxnInfo& t);
  void trace_statement(const Op& op, const TxnInfo& t);
  void finish(const OpPtr& op, TimeUs latency_us);
  void track(const OpPtr& op);  // deferred: kept in inflight_ until it finishes
  bool needs_lock(Op& op);
  void grant_next();
  bool disk_is_full() const;
  bool lock_hogged() const;
  void release(uint64_t txn, TxnInfo& t);
  void end_txn(uint64_t txn, TxnInfo& t, bool commit, const std::string& reason);
  DbResult run_sql(std::string_view sql, const SqlArgs& params);
  DbResult run_sql(Stmt& st, const SqlArgs& params);
  // Runs `st` into `r`, a fresh result (an operation's own, filled in place).
  void run_into(Stmt& st, const SqlArgs& params, DbResult& r);
  // BEGIN, COMMIT or ROLLBACK: no parameters, no rows; the engine's state tells the outcome.
  void run_control(Stmt& st);
  // The cached statement for `sql`, prepared on first use; null (and `r` holds the error)
  // when SQLite refuses it.
  Stmt* statement(std::string_view sql, DbResult& r);
  Stmt* lookup(std::string_view sql, DbResult& r);  // by its text; prepares on a miss
  DbResult read_committed(std::string_view sql, const SqlArgs& params);
  // Whether a statement writes: anything but a SELECT takes the write lock.
  static bool writes(std::string_view sql);
  void on_owner_crash(Node& n);
  void on_host_crash();
  TimeUs net_delay_us(Node& owner);
  TimeUs commit_latency_us() {
    return config_.commit_latency_us_min + rng_.exponential(config_.commit_latency_us_jitter_mean);
  }
  TimeUs statement_latency_us() {
    return config_.stmt_latency_us_min + rng_.exponential(config_.stmt_latency_us_jitter_mean);
  }

  World& world_;
  std::string name_;
  Node& host_;
  DbConfig config_;
  sqlite3* db_ = nullptr;
  // Prepared statements in the order they were first used (never removed: operations and logs
  // hold Stmt*), and the same by their text.
  std::vector<std::unique_ptr<Stmt>> stmts_;
  LookupMap<std::string, Stmt*, TextHash> stmt_by_sql_;
  // Statements looked up by where their text lives (SQL written in the code keeps one
  // address), checked against the text before use: most lookups skip hashing the text.
  struct Recent {
    const char* data = nullptr;
    Stmt* stmt = nullptr;
  };
  Recent recent_[32];
  Stmt* begin_ = nullptr;
  Stmt* commit_ = nullptr;
  Stmt* rollback_ = nullptr;
  Random rng_;
  std::map<uint64_t, TxnInfo> txns_;
  std::vector<std::map<uint64_t, TxnInfo>::node_type> spare_txns_;
  uint64_t next_txn_ = 1;
  uint64_t lock_owner_ = 0;
  std::deque<OpPtr> lock_queue_;
  std::map<uint64_t, OpPtr> inflight_;
  uint64_t next_op_ = 1;
  TimeUs stalled_until_us_ = 0;
  TimeUs full_until_us_ = 0;
  TimeUs hog_until_us_ = 0;  // the batch writer of hold_write_lock holds the lock until then
  uint64_t commits_ = 0;
  // The coroutine being resumed by this database's completion callback, if any.
  std::coroutine_handle<> resuming_;
  int64_t* local_txns_counter_ = nullptr;
  uint64_t replays_ = 0;
};

enum class OpKind { exec, commit, rollback, prepare, commit_prepared, rollback_prepared };

struct Database::Op {
  uint64_t id = 0;
  OpKind kind = OpKind::exec;
  uint64_t txn = 0;
  Node* caller = nullptr;
  // The statement text, valid while the caller awaits the operation (temporaries of a
  // co_await expression live until it resumes); the cached statement keeps its own copy.
  std::string_view sql;
  Stmt* stmt = nullptr;  // resolved on first use
  SqlArgs params;
  std::string xid;
  std::coroutine_handle<> handle;
  DbResult result;
  bool done = false;
  TimerId lock_timer;
  bool completed_inline = false;
  bool in_flight = false;  // deferred, so listed in the database's inflight_
  uint32_t refs = 1;       // OpPtr handles on it
};

inline void Database::OpPtr::retain() noexcept {
  if (p_) ++p_->refs;
}

inline void Database::OpPtr::release() noexcept {
  if (p_ && --p_->refs == 0) free(p_);
}

// Builds a statement's parameter array. Use this instead of a braced list inside co_await
// expressions: GCC 12 rejects initializer lists there ("array used as initializer").
template <typename... A>
SqlArgs args(A&&... a) {
  SqlArgs out;
  (out.emplace_back(std::forward<A>(a)), ...);
  return out;
}

// A handle on one local transaction; a destroyed open handle rolls back its transaction.
class Txn {
 public:
  Txn() = default;
  Txn(Database& db, Node& owner, uint64_t id) : db_(&db), owner_(&owner), id_(id) {}
  Txn(Txn&& o) noexcept { *this = std::move(o); }
  Txn& operator=(Txn&& o) noexcept;
  ~Txn();

  uint64_t id() const { return id_; }
  bool open() const;

  struct Awaiter {
    Database::OpPtr op;
    Database* db;
    bool await_ready() const noexcept { return false; }
    // False (carry on without suspending) when the database fast-forwarded the clock to the
    // operation's completion instead of scheduling the resumption (Database::finish).
    bool await_suspend(std::coroutine_handle<> h) {
      op->handle = h;
      db->submit(op);
      return !op->completed_inline;
    }
    DbResult await_resume() { return std::move(op->result); }
  };
  // `sql` must stay valid until the operation completes: co_await it in the same expression.
  Awaiter exec(std::string_view sql, SqlArgs&& params = SqlArgs());
  // The same with the parameters listed in place, each bound as SqlArg binds it and built
  // straight into the operation: co_await tx.exec("... WHERE key = ?", key).
  template <typename A, typename... More>
  requires(!std::is_same_v<std::remove_cvref_t<A>, SqlArgs>) Awaiter
      exec(std::string_view sql, A&& first, More&&... more) {
    Awaiter a = exec(sql);
    a.op->params.emplace_back(std::forward<A>(first));
    (a.op->params.emplace_back(std::forward<More>(more)), ...);
    return a;
  }
  Awaiter commit();
  Awaiter rollback();
  Awaiter prepare(const std::string& xid);
  // Records a business effect that becomes an `effect` event only if this transaction commits.
  // Records that exist only if this transaction commits (recorded right after its commit).
  void effect(const EffectRecord& r) { db_->on_commit(id_, Kind::effect, Detail::of(r)); }
  // Records a gtx state change atomically with this transaction's commit.
  void gtx(const GtxRecord& r) { db_->on_commit(id_, Kind::gtx, Detail::of(r)); }

 private:
  Awaiter make(OpKind kind);
  Database* db_ = nullptr;
  Node* owner_ = nullptr;
  uint64_t id_ = 0;
};

// Decides a prepared transaction by xid from any node (coordinator or recovery).
Txn::Awaiter decide_prepared(Database& db, Node& caller, const std::string& xid, bool commit);

}  // namespace dtx
