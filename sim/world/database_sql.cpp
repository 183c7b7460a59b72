// The SQL side of a simulated database: statement cache, parameter binding, result rows,
// and reads of the committed state while a writer is open (roll back, read, replay).
#include <cctype>
#include <cstring>

#include "sim/world/database.hpp"

namespace dtx {

using namespace std::string_view_literals;

int64_t DbResult::integer(size_t row, size_t col) const {
  if (row >= rows.size() || col >= rows[row].size()) return 0;
  const SqlValue& v = rows[row][col];
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  if (auto* d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  if (auto* s = std::get_if<std::string>(&v)) return std::stoll(*s);
  return 0;
}

std::string DbResult::text(size_t row, size_t col) const {
  if (row >= rows.size() || col >= rows[row].size()) return {};
  const SqlValue& v = rows[row][col];
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  return {};
}

SqlArg::SqlArg(const Json& v) {
  if (v.is_number_integer()) {
    type = integer;
    i = v.get<int64_t>();
  } else if (v.is_number_float()) {
    type = real;
    d = v.get<double>();
  } else if (v.is_boolean()) {
    type = boolean;
    i = v.get<bool>();
  } else if (v.is_string()) {
    type = text;
    s = v.get<std::string>();
  } else if (!v.is_null()) {
    type = text;
    s = v.dump();
  }
}

void SqlArgs::clear() {
  if (n_ <= kInline) {
    for (size_t i = 0; i < n_; ++i) slot(i)->~SqlArg();
  } else {
    more_.clear();
  }
  n_ = 0;
}

void SqlArgs::take(SqlArgs& o) noexcept {
  if (o.n_ <= kInline) {
    for (size_t i = 0; i < o.n_; ++i) {
      new (slot(i)) SqlArg(std::move(*o.slot(i)));
      o.slot(i)->~SqlArg();
    }
  } else {
    more_ = std::move(o.more_);
    o.more_.clear();
  }
  n_ = o.n_;
  o.n_ = 0;
}

SqlArg& SqlArgs::spill(SqlArg a) {
  if (n_ == kInline) {
    more_.reserve(2 * kInline);
    for (size_t i = 0; i < kInline; ++i) {
      more_.push_back(std::move(*slot(i)));
      slot(i)->~SqlArg();
    }
  }
  ++n_;
  return more_.emplace_back(std::move(a));
}

size_t sql_args_bound(const SqlArgs& args) {
  size_t bound = 2 + args.size();  // brackets and commas
  for (const SqlArg& a : args) {
    // Integers take at most 20 characters, a double as nlohmann writes it at most 24.
    bound += a.type == SqlArg::text ? json_string_bound(a.s) : 32;
  }
  return bound;
}

void write_sql_args(SpanJsonWriter& w, const SqlArgs& args) {
  w.begin_array();
  for (const SqlArg& a : args) {
    switch (a.type) {
      case SqlArg::integer:
        w.integer(a.i);
        break;
      case SqlArg::boolean:
        w.boolean(a.i != 0);
        break;
      case SqlArg::real: {
        std::string text;  // a double as nlohmann writes it (rare in the workloads' SQL)
        append_json(text, Json(a.d));
        w.raw(text);
        break;
      }
      case SqlArg::text:
        w.string(a.s);
        break;
      case SqlArg::null:
        w.null();
        break;
    }
  }
  w.end_array();
}

namespace {
// Whether the statement's first word is `keyword` (upper case), ignoring leading space and case.
bool first_word_is(std::string_view sql, std::string_view keyword) {
  size_t i = 0;
  while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
  if (sql.size() - i < keyword.size()) return false;
  for (size_t k = 0; k < keyword.size(); ++k) {
    if (std::toupper(static_cast<unsigned char>(sql[i + k])) != keyword[k]) return false;
  }
  return true;
}

bool inserts(std::string_view sql) {
  return first_word_is(sql, "INSERT") || first_word_is(sql, "REPLACE");
}
}  // namespace

bool Database::writes(std::string_view sql) {
  return !first_word_is(sql, "SELECT");
}

// Cached by the text; a hit in the address cache is confirmed against the statement's own SQL.
Database::Stmt* Database::statement(std::string_view sql, DbResult& r) {
  Recent& near = recent_[(reinterpret_cast<uintptr_t>(sql.data()) >> 3) % std::size(recent_)];
  if (near.data == sql.data() && near.stmt->sql == sql) return near.stmt;
  Stmt* found = lookup(sql, r);
  if (found) near = {sql.data(), found};
  return found;
}

Database::Stmt* Database::lookup(std::string_view sql, DbResult& r) {
  if (Stmt** known = stmt_by_sql_.find(sql)) return *known;
  sqlite3_stmt* st = nullptr;
  const char* tail = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &st, &tail) != SQLITE_OK) {
    r.ok = false;
    r.error = sqlite3_errmsg(db_);
    if (st) sqlite3_finalize(st);
    return nullptr;
  }
  if (!st) {  // only whitespace or a comment
    r.ok = false;
    r.error = "empty statement";
    return nullptr;
  }
  stmts_.push_back(
      std::make_unique<Stmt>(Stmt{st, writes(sql), inserts(sql), std::string(sql), {}}));
  Stmt* made = stmts_.back().get();
  append_json_string(made->sql_json, sql);
  stmt_by_sql_.emplace(made->sql, made);
  return made;
}

DbResult Database::run_sql(std::string_view sql, const SqlArgs& params) {
  DbResult r;
  Stmt* st = statement(sql, r);
  return st ? run_sql(*st, params) : r;
}

DbResult Database::run_sql(Stmt& stmt, const SqlArgs& params) {
  DbResult r;
  run_into(stmt, params, r);
  return r;
}

void Database::run_control(Stmt& stmt) {
  sqlite3_step(stmt.st);
  sqlite3_reset(stmt.st);
}

void Database::run_into(Stmt& stmt, const SqlArgs& params, DbResult& r) {
  sqlite3_stmt* st = stmt.st;
  // Every parameter is bound on each run; older bindings only need clearing when fewer
  // values than parameters are given (the rest must read as NULL).
  if (params.size() < static_cast<size_t>(sqlite3_bind_parameter_count(st)))
    sqlite3_clear_bindings(st);
  int i = 1;
  for (const SqlArg& p : params) {
    switch (p.type) {
      case SqlArg::integer:
      case SqlArg::boolean:
        sqlite3_bind_int64(st, i, p.i);
        break;
      case SqlArg::real:
        sqlite3_bind_double(st, i, p.d);
        break;
      case SqlArg::text:
        // No copy: the text outlives the step below, and every later run of this statement
        // binds each of its parameters again (or clears them) before stepping.
        sqlite3_bind_text(st, i, p.s.data(), static_cast<int>(p.s.size()), SQLITE_STATIC);
        break;
      case SqlArg::null:
        sqlite3_bind_null(st, i);
        break;
    }
    ++i;
  }
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int n = sqlite3_column_count(st);
    auto& row = r.rows.emplace_back();
    row.reserve(n);
    for (int c = 0; c < n; ++c) {
      switch (sqlite3_column_type(st, c)) {
        case SQLITE_INTEGER:
          row.emplace_back(static_cast<int64_t>(sqlite3_column_int64(st, c)));
          break;
        case SQLITE_FLOAT:
          row.emplace_back(sqlite3_column_double(st, c));
          break;
        case SQLITE_NULL:
          row.emplace_back(nullptr);
          break;
        default:
          row.emplace_back(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, c)),
                                       sqlite3_column_bytes(st, c)));
      }
    }
  }
  if (rc != SQLITE_DONE) {
    r.ok = false;
    r.error = sqlite3_errmsg(db_);
  } else {
    // A statement that returns columns reports its rows; sqlite3_changes() would still hold
    // the previous write's count after an empty SELECT.
    r.changes =
        sqlite3_column_count(st) > 0 ? static_cast<int64_t>(r.rows.size()) : sqlite3_changes(db_);
    if (stmt.inserts && r.changes > 0) r.inserted_id = sqlite3_last_insert_rowid(db_);
  }
  sqlite3_reset(st);
}

DbResult Database::read_committed(std::string_view sql, const SqlArgs& params) {
  if (lock_owner_ == 0) return run_sql(sql, params);
  TxnInfo& w = txns_.at(lock_owner_);
  run_control(*rollback_);
  DbResult r = run_sql(sql, params);
  run_control(*begin_);
  for (const OpPtr& logged : w.log) run_sql(*logged->stmt, logged->params);
  ++replays_;
  return r;
}

DbResult Database::exec_now(const std::string& sql, const SqlArgs& params) {
  if (lock_owner_ != 0) {
    DbResult r;
    r.ok = false;
    r.error = "exec_now while a transaction holds the write lock";
    return r;
  }
  return run_sql(sql, params);
}

DbResult Database::snapshot(const std::string& sql, const SqlArgs& params) {
  return read_committed(sql, params);
}

}  // namespace dtx
