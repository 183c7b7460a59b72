// Database operations in simulated time: arrival (network + stall), write lock and its queue,
// execution on the real SQLite connection, completion back on the caller's node.
#include "sim/world/database.hpp"

#include <cctype>
#include <cstring>
#include <stdexcept>

#include "sim/world/world.hpp"

namespace dtx {

using namespace std::string_view_literals;

namespace {
// Operations are created and freed at a high rate: their memory is recycled, per thread,
// instead of going back to malloc.
struct OpFreeList {
  std::vector<void*> blocks;
  ~OpFreeList() {
    for (void* p : blocks) ::operator delete(p);
  }
};
thread_local OpFreeList op_free_list;
}  // namespace

// Closures holding an operation are moved without throwing, so a Callback keeps them inline
// (no allocation per scheduled completion).
static_assert(std::is_nothrow_move_constructible_v<Database::OpPtr> &&
              std::is_nothrow_copy_constructible_v<Database::OpPtr>);

Database::OpPtr Database::OpPtr::make() {
  auto& blocks = op_free_list.blocks;
  void* mem;
  if (!blocks.empty()) {
    mem = blocks.back();
    blocks.pop_back();
  } else {
    mem = ::operator new(sizeof(Op));
  }
  return OpPtr(new (mem) Op);  // every member has its initializer: no zero-fill first
}

void Database::OpPtr::free(Op* p) noexcept {
  p->~Op();
  auto& blocks = op_free_list.blocks;
  if (blocks.size() < 4096) {
    blocks.push_back(p);
  } else {
    ::operator delete(p);
  }
}

namespace {
// SQLite's memory statistics take a process-wide mutex on every allocation; we never read
// them. sqlite3_config must run before SQLite initialises, so this runs at program start.
const int kSqliteSetup = [] { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }();
}  // namespace

Database::Database(World& world, std::string name, Node& host, DbConfig config)
    : world_(world),
      name_(std::move(name)),
      host_(host),
      config_(config),
      rng_(world.seed(), "db:" + name_) {
  // One connection per database, used by one thread only: no SQLite mutexes needed.
  if (sqlite3_open_v2(":memory:", &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK)
    throw std::runtime_error("sqlite3_open failed");
  DbResult r;
  begin_ = statement("BEGIN", r);
  commit_ = statement("COMMIT", r);
  rollback_ = statement("ROLLBACK", r);
  world_.databases()[name_] = this;
  world_.on_node_crash([this](Node& n) {
    if (&n == &host_) {
      on_host_crash();
    } else {
      on_owner_crash(n);
    }
  });
}

Database::~Database() {
  world_.databases().erase(name_);
  for (auto& st : stmts_) sqlite3_finalize(st->st);
  sqlite3_close(db_);
}

void Database::stall(TimeUs duration_us) {
  TimeUs until = world_.now_us() + duration_us;
  if (until > stalled_until_us_) stalled_until_us_ = until;
  world_.record_fields(name_, Kind::fault, {},
                       {{"fault", "db_stall"}, {"until", stalled_until_us_}});
}

void Database::disk_full(TimeUs duration_us) {
  full_until_us_ = std::max(full_until_us_, world_.now_us() + duration_us);
  world_.record_fields(name_, Kind::fault, {},
                       {{"fault", "db_disk_full"}, {"until", full_until_us_}});
}

void Database::hold_write_lock(TimeUs duration_us) {
  hog_until_us_ = std::max(hog_until_us_, world_.now_us() + duration_us);
  world_.record_fields(name_, Kind::fault, {},
                       {{"fault", "db_lock_contention"}, {"until", hog_until_us_}});
  host_.at(hog_until_us_, [this] { grant_next(); });
}

bool Database::disk_is_full() const {
  return world_.now_us() < full_until_us_;
}

bool Database::lock_hogged() const {
  return world_.now_us() < hog_until_us_;
}

uint64_t Database::begin(Node& owner, const std::string& gid) {
  uint64_t id = next_txn_++;
  // Ids only grow, so the new entry goes last; a recycled map node saves the allocations.
  TxnInfo* info;
  if (!spare_txns_.empty()) {
    auto node = std::move(spare_txns_.back());
    spare_txns_.pop_back();
    node.key() = id;
    info = &txns_.insert(txns_.end(), std::move(node))->second;
  } else {
    info = &txns_.emplace_hint(txns_.end(), id, TxnInfo{})->second;
  }
  TxnInfo& t = *info;
  t.owner = &owner;
  t.gid = gid;
  if (world_.recording())
    world_.record_txn(name_, Kind::db_begin, gid, LocalTxn::of(id), {{"owner", owner.name()}});
  return id;
}

TxnState Database::txn_state(uint64_t txn) const {
  auto it = txns_.find(txn);
  return it == txns_.end() ? TxnState::rolled_back : it->second.state;
}

void Database::on_commit(uint64_t txn, Kind kind, Detail detail) {
  auto it = txns_.find(txn);
  if (it != txns_.end() && it->second.state == TxnState::open)
    it->second.on_commit.emplace_back(kind, std::move(detail));
}

std::vector<std::pair<std::string, uint64_t>> Database::prepared() const {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const auto& [id, t] : txns_) {
    if (t.state == TxnState::prepared) out.push_back({t.xid, id});
  }
  return out;
}

TimeUs Database::prepared_at_us(const std::string& xid) const {
  for (const auto& [id, t] : txns_) {
    if (t.state == TxnState::prepared && t.xid == xid) return t.prepared_at_us;
  }
  return -1;
}

TimeUs Database::net_delay_us(Node& owner) {
  if (!config_.remote || &owner == &host_) return 0;
  LinkState* l = world_.net().link(owner.index(), host_.index());
  if (!l) return 0;
  return l->model.latency_us_min + rng_.exponential(l->model.latency_us_jitter_mean);
}

void Database::finish(const OpPtr& op, TimeUs latency_us) {
  if (op->done) return;
  op->done = true;
  if (op->in_flight) inflight_.erase(op->id);
  TimeUs t = world_.now_us() + latency_us + net_delay_us(*op->caller);
  // A coroutine running a chain of operations (resumed by the previous one's completion, so
  // nothing else runs after it in this event) carries on inline when nothing else is due
  // before its completion: same order, same clock, one scheduled event fewer.
  if (op->handle == resuming_ && op->caller->up() && world_.sim().advance_if_next(t)) {
    op->completed_inline = true;
    return;
  }
  op->caller->at(t, [this, op] {
    std::coroutine_handle<> outer = std::exchange(resuming_, op->handle);
    op->handle.resume();
    resuming_ = outer;
  });
}

static DbResult failure(const std::string& msg) {
  DbResult r;
  r.ok = false;
  r.error = msg;
  return r;
}

void Database::track(const OpPtr& op) {
  op->in_flight = true;
  inflight_[op->id] = op;
}

void Database::submit(const OpPtr& op) {
  op->id = next_op_++;
  bool by_xid = op->kind == OpKind::commit_prepared || op->kind == OpKind::rollback_prepared;
  if (!host_.alive()) {
    op->result = failure("database " + name_ + " is down");
    finish(op, config_.stmt_latency_us_min);
    return;
  }
  if (config_.remote && !world_.net().reachable(op->caller->index(), host_.index())) {
    op->result = failure("database " + name_ + " unreachable");
    finish(op, config_.lock_wait_timeout_us);
    return;
  }
  if (!by_xid && txn_state(op->txn) != TxnState::open &&
      !(op->kind == OpKind::rollback && txn_state(op->txn) == TxnState::rolled_back)) {
    op->result = failure("transaction is not open");
    finish(op, 0);
    return;
  }
  TimeUs delay = net_delay_us(*op->caller);
  if (delay == 0 && host_.up() && world_.now_us() >= stalled_until_us_) {
    arrive(op);  // a local database answers within the caller's event; no extra hop
    return;
  }
  track(op);  // only deferred work can be caught by a database crash
  host_.at(world_.now_us() + delay, [this, op] { arrive(op); });
}

bool Database::needs_lock(Op& op) {
  if (op.kind != OpKind::exec) return false;
  if (!op.stmt) {
    DbResult ignored;
    op.stmt = statement(op.sql, ignored);
  }
  return op.stmt ? op.stmt->writes : writes(op.sql);
}

void Database::arrive(const OpPtr& op) {
  if (op->done) return;
  // Only work that writes waits out a stall: reads, and ending a read-only transaction, do not.
  auto it = txns_.find(op->txn);
  bool read_only_end = (op->kind == OpKind::commit || op->kind == OpKind::rollback) &&
                       it != txns_.end() && !it->second.holds_lock;
  bool plain_read = (op->kind == OpKind::exec && !needs_lock(*op)) || read_only_end;
  if (!plain_read && world_.now_us() < stalled_until_us_) {
    track(op);
    host_.at(stalled_until_us_, [this, op] { arrive(op); });
    return;
  }
  execute(op);
}

void Database::execute(const OpPtr& op) {
  if (op->done) return;
  if (op->kind == OpKind::commit_prepared || op->kind == OpKind::rollback_prepared) {
    execute_decision(op);
    return;
  }
  auto it = txns_.find(op->txn);
  bool open = it != txns_.end() && it->second.state == TxnState::open;
  if (!open) {
    op->result = op->kind == OpKind::rollback ? DbResult{} : failure("transaction is not open");
    finish(op, 0);
    return;
  }
  TxnInfo& t = it->second;
  switch (op->kind) {
    case OpKind::exec:
      execute_statement(op, t);
      return;
    case OpKind::commit:
      if (t.holds_lock && disk_is_full()) {  // the journal cannot be written
        end_txn(op->txn, t, false, "database or disk is full");
        op->result = failure("database or disk is full");
        finish(op, commit_latency_us());
        return;
      }
      [[fallthrough]];
    case OpKind::rollback:
      end_txn(op->txn, t, op->kind == OpKind::commit, "requested");
      finish(op, commit_latency_us());
      return;
    case OpKind::prepare:
      t.state = TxnState::prepared;
      t.xid = op->xid;
      t.prepared_at_us = world_.now_us();
      world_.record_txn(name_, Kind::db_prepare, t.gid, LocalTxn::of(op->txn), {{"xid", op->xid}});
      finish(op, commit_latency_us());
      return;
    default:
      return;
  }
}

// COMMIT PREPARED / ROLLBACK PREPARED by xid, from whichever node decides.
void Database::execute_decision(const OpPtr& op) {
  bool commit = op->kind == OpKind::commit_prepared;
  for (auto& [id, t] : txns_) {
    if (t.state == TxnState::prepared && t.xid == op->xid) {
      end_txn(id, t, commit, "decided");
      op->result.changes = 1;
      break;
    }
  }
  finish(op, commit_latency_us());
}

// Takes the write lock for a writing statement. False when the statement cannot run now: it
// failed (a full disk) or it waits in the lock queue (until the holder ends or its time-out).
bool Database::take_write_lock(const OpPtr& op, TxnInfo& t) {
  if (disk_is_full()) {
    op->result = failure("database or disk is full");
    finish(op, statement_latency_us());
    return false;
  }
  if (lock_owner_ == 0 && !lock_hogged()) {
    run_control(*begin_);
    lock_owner_ = op->txn;
    t.holds_lock = true;
    return true;
  }
  if (lock_owner_ == op->txn) return true;
  lock_queue_.push_back(op);
  track(op);
  world_.record_txn(name_, Kind::db_lock_wait, t.gid,
                    LocalTxn::waiting(op->txn, lock_owner_));  // 0: batch writer
  op->lock_timer = host_.after(config_.lock_wait_timeout_us, [this, op] {
    if (op->done) return;
    std::erase(lock_queue_, op);
    op->result = failure("lock wait timeout");
    finish(op, 0);
  });
  return false;
}

void Database::execute_statement(const OpPtr& op, TxnInfo& t) {
  Stmt* logged = nullptr;  // a successful write, kept for replays
  if (needs_lock(*op)) {
    if (!take_write_lock(op, t)) return;
    if (op->stmt) {
      run_into(*op->stmt, op->params, op->result);
    } else {
      op->result = run_sql(op->sql, op->params);
    }
    if (op->result.ok) logged = op->stmt;
  } else {
    op->result = (lock_owner_ == 0 || lock_owner_ == op->txn) ? run_sql(op->sql, op->params)
                                                              : read_committed(op->sql, op->params);
  }
  if (config_.record_statements && world_.recording()) trace_statement(*op, t);
  if (logged) t.log.push_back(op);
  // Some SQLite errors roll the whole transaction back; follow the engine.
  if (t.holds_lock && sqlite3_get_autocommit(db_)) {
    end_txn(op->txn, t, false, "engine rolled back: " + op->result.error);
  }
  finish(op, statement_latency_us());
}

// The db_exec event, written straight into the trace line in one reservation; the
// statement's text is escaped once, when it is prepared.
void Database::trace_statement(const Op& op, const TxnInfo& t) {
  LineBuffer& d = world_.history().begin_traced(world_.now_us(), name_, Kind::db_exec, t.gid);
  std::string escaped;
  if (!op.stmt) append_json_string(escaped, op.sql);
  std::string_view sql_json = op.stmt ? std::string_view(op.stmt->sql_json) : escaped;
  const std::string& error = op.result.error;
  // Fixed text and two numbers of at most 20 characters within 80.
  char* p = d.room(80 + sql_args_bound(op.params) + sql_json.size() +
                   (op.result.ok ? 0 : json_string_bound(error)));
  SpanJsonWriter w(p);
  w.begin_object();
  if (!op.result.ok) w.field("error", error);
  w.key("params");
  write_sql_args(w, op.params);
  w.field("rows", op.result.changes).key("sql").raw(sql_json).field("txn", int64_t(op.txn));
  w.end_object();
  d.set_end(w.end());
  world_.history().end_traced();
}

void Database::end_txn(uint64_t txn, TxnInfo& t, bool commit, const std::string& reason) {
  if (t.holds_lock && !sqlite3_get_autocommit(db_)) run_control(commit ? *commit_ : *rollback_);
  t.state = commit ? TxnState::committed : TxnState::rolled_back;
  if (commit) {
    ++commits_;
    // The counter's map node is stable: look it up once, not on every commit.
    if (!local_txns_counter_) local_txns_counter_ = &world_.counters()["local_txns"];
    ++*local_txns_counter_;
    world_.record_txn(name_, Kind::db_commit, t.gid, LocalTxn::of(txn));
    for (auto& [kind, detail] : t.on_commit) world_.record(name_, kind, t.gid, std::move(detail));
  } else {
    world_.record_txn(name_, Kind::db_rollback, t.gid, LocalTxn::of(txn), {{"reason", reason}});
  }
  bool had_lock = t.holds_lock;
  auto node = txns_.extract(txn);
  if (spare_txns_.size() < 64) {
    node.mapped().reset();
    spare_txns_.push_back(std::move(node));
  }
  if (had_lock) {
    lock_owner_ = 0;
    grant_next();
  }
}

void Database::grant_next() {
  while (lock_owner_ == 0 && !lock_hogged() && !lock_queue_.empty()) {
    OpPtr op = lock_queue_.front();
    lock_queue_.pop_front();
    host_.cancel(op->lock_timer);
    execute(op);
  }
}

void Database::abandon(uint64_t txn) {
  auto it = txns_.find(txn);
  if (it == txns_.end() || it->second.state != TxnState::open) return;
  for (auto& op : lock_queue_) {
    if (op->txn == txn) op->done = true;
  }
  std::erase_if(lock_queue_, [](const OpPtr& op) { return op->done; });
  end_txn(txn, it->second, false, "abandoned");
}

void Database::on_owner_crash(Node& n) {
  std::vector<uint64_t> doomed;
  for (auto& [id, t] : txns_) {
    if (t.owner == &n && t.state == TxnState::open) doomed.push_back(id);
  }
  for (auto& [id, op] : inflight_) {
    if (op->caller == &n) op->done = true;
  }
  std::erase_if(inflight_, [](const auto& kv) { return kv.second->done; });
  std::erase_if(lock_queue_, [](const OpPtr& op) { return op->done; });
  for (uint64_t id : doomed) {
    auto it = txns_.find(id);
    if (it != txns_.end()) end_txn(id, it->second, false, "owner crashed");
  }
}

void Database::on_host_crash() {
  auto ops = std::move(inflight_);
  inflight_.clear();
  lock_queue_.clear();
  for (auto& [id, op] : ops) {
    op->result = failure("database " + name_ + " crashed");
    finish(op, 0);
  }
  std::vector<uint64_t> doomed;
  for (auto& [id, t] : txns_) {
    if (t.state == TxnState::open) doomed.push_back(id);
  }
  for (uint64_t id : doomed) {
    auto it = txns_.find(id);
    if (it != txns_.end()) end_txn(id, it->second, false, "database crashed");
  }
}

Txn& Txn::operator=(Txn&& o) noexcept {
  if (this != &o) {
    if (db_ && db_->txn_state(id_) == TxnState::open) db_->abandon(id_);
    db_ = std::exchange(o.db_, nullptr);
    owner_ = std::exchange(o.owner_, nullptr);
    id_ = std::exchange(o.id_, 0);
  }
  return *this;
}

Txn::~Txn() {
  if (db_ && db_->txn_state(id_) == TxnState::open) db_->abandon(id_);
}

bool Txn::open() const {
  return db_ && db_->txn_state(id_) == TxnState::open;
}

Txn::Awaiter Txn::make(OpKind kind) {
  auto op = Database::OpPtr::make();
  op->kind = kind;
  op->txn = id_;
  op->caller = owner_;
  return {std::move(op), db_};
}

Txn::Awaiter Txn::exec(std::string_view sql, SqlArgs&& params) {
  Awaiter a = make(OpKind::exec);
  a.op->sql = sql;
  a.op->params = std::move(params);
  return a;
}
Txn::Awaiter Txn::commit() {
  return make(OpKind::commit);
}
Txn::Awaiter Txn::rollback() {
  return make(OpKind::rollback);
}
Txn::Awaiter Txn::prepare(const std::string& xid) {
  Awaiter a = make(OpKind::prepare);
  a.op->xid = xid;
  return a;
}

Txn::Awaiter decide_prepared(Database& db, Node& caller, const std::string& xid, bool commit) {
  auto op = Database::OpPtr::make();
  op->kind = commit ? OpKind::commit_prepared : OpKind::rollback_prepared;
  op->caller = &caller;
  op->xid = xid;
  return {std::move(op), &db};
}

}  // namespace dtx
