// The ledger engine shared by every workload, plus the two workloads: transfer (the seed's
// inter-bank transfer) and order (order + stock + payment, as in the seed's TCC example).
#include "sim/plugin/workload.hpp"

#include <algorithm>
#include <cstdio>

#include "sim/kernel/json_writer.hpp"
#include "sim/world/world.hpp"

namespace dtx {

const Branch* BusinessTxn::branch(const std::string& name) const {
  for (const auto& b : branches) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

Json BusinessTxn::to_json() const {
  Json bs = Json::array();
  for (const auto& b : branches) {
    bs.push_back({{"name", b.name},
                  {"service", b.service},
                  {"db", b.db},
                  {"key", b.key},
                  {"delta", b.delta},
                  {"refuse", b.refuse}});
  }
  return {{"gid", gid}, {"order_key", order_key}, {"branches", bs}};
}

// Exactly as to_json().dump() would write it (the writer's keys come in nlohmann's order):
// the payload of every message-carried transaction.
std::string BusinessTxn::to_text() const {
  // One allocation: the fixed text of a branch is under 80 characters (plus its strings, as
  // they are when nothing needs escaping).
  size_t size = 48 + gid.size() + order_key.size();
  for (const Branch& b : branches)
    size += 80 + b.db.size() + b.key.size() + b.name.size() + b.service.size();
  std::string out;
  out.reserve(size);
  JsonWriter w(out);
  w.begin_object().key("branches").begin_array();
  for (const Branch& b : branches) {
    w.begin_object()
        .field("db", b.db)
        .field("delta", b.delta)
        .field("key", b.key)
        .field("name", b.name)
        .field("refuse", b.refuse)
        .field("service", b.service)
        .end_object();
  }
  w.end_array().field("gid", gid).field("order_key", order_key).end_object();
  return out;
}

BusinessTxn BusinessTxn::from_json(const Json& j) {
  BusinessTxn t;
  t.gid = j.at("gid");
  t.order_key = j.value("order_key", "");
  for (const auto& b : j.at("branches")) {
    t.branches.push_back({b.at("name"), b.at("service"), b.at("db"), b.at("key"), b.at("delta"),
                          b.value("refuse", false)});
  }
  return t;
}

BusinessTxn BusinessTxn::from_text(std::string_view text) {
  // The fields read straight from the text; anything unexpected (a missing field, a value of
  // another type) goes through the parsed JSON, which reports it as from_json does.
  BusinessTxn t;
  std::string_view top[3];  // branches, gid, order_key
  json_fields(text, {"branches", "gid", "order_key"}, top);
  bool ok = json_string_value(top[1], t.gid);
  if (!top[2].empty()) ok = ok && json_string_value(top[2], t.order_key);
  std::vector<std::string_view> items;
  items.reserve(4);
  ok = ok && !top[0].empty() && top[0].front() == '[';
  if (ok) json_elements(top[0], items);
  t.branches.reserve(items.size());
  for (std::string_view el : items) {
    if (!ok) break;
    Branch b;
    std::string_view f[6];  // db, delta, key, name, refuse, service
    json_fields(el, {"db", "delta", "key", "name", "refuse", "service"}, f);
    ok = json_string_value(f[0], b.db) && json_integer_value(f[1], b.delta) &&
         json_string_value(f[2], b.key) && json_string_value(f[3], b.name) &&
         json_string_value(f[5], b.service);
    if (f[4] == "true") {
      b.refuse = true;
    } else if (!f[4].empty() && f[4] != "false") {
      ok = false;
    }
    t.branches.push_back(std::move(b));
  }
  return ok ? t : from_json(Json::parse(text));
}

GtxRecord BusinessTxn::started_record() const {
  std::vector<std::string> names;
  for (const auto& b : branches) names.push_back(b.name);
  return GtxRecord::started(std::move(names), origin().name);
}

std::string Workload::service(const std::string& role) const {
  auto it = spec_.services.find(role);
  return it == spec_.services.end() ? role : it->second;
}

void Workload::setup(World& world, const std::vector<ServiceSpec>& services) {
  for (const auto& role : roles()) {
    std::string svc = service(role);
    auto it = std::find_if(services.begin(), services.end(),
                           [&](const ServiceSpec& s) { return s.name == svc; });
    if (it == services.end())
      throw InputError("$.workload.services." + role +
                       ": expected the name of a service in $.topology.services (looked for '" +
                       svc + "')");
    Database& db = *world.databases().at(it->database);
    // Tables keyed by text are clustered on their key (WITHOUT ROWID): a statement by key
    // walks one B-tree, not an index and then the table.
    db.exec_now(
        "CREATE TABLE IF NOT EXISTS ledger(key TEXT PRIMARY KEY, balance INTEGER NOT NULL, frozen "
        "INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID");
    db.exec_now(
        "CREATE TABLE IF NOT EXISTS reservations(gid TEXT NOT NULL, branch TEXT NOT NULL, key TEXT "
        "NOT NULL, "
        "amount INTEGER NOT NULL, PRIMARY KEY(gid, branch)) WITHOUT ROWID");
    for (const auto& [key, balance] : initial_rows(role)) {
      db.exec_now("INSERT OR REPLACE INTO ledger(key, balance) VALUES(?, ?)", {key, balance});
      initial_money_ += balance;
      initial_balances_[key] = balance;
    }
    if (std::find(dbs_.begin(), dbs_.end(), it->database) == dbs_.end())
      dbs_.push_back(it->database);
    db_of_[svc] = it->database;
  }
}

std::vector<BusinessTxn> Workload::generate(uint64_t seed) const {
  Random rng(seed, std::string("workload:") + name());
  std::vector<BusinessTxn> out;
  TimeUs t = spec_.start_us;
  double mean_gap_us = kUsPerS / spec_.arrival_per_s;
  for (int64_t i = 0; i < spec_.count; ++i) {
    t += 1 + rng.exponential(mean_gap_us);
    BusinessTxn b = make(static_cast<uint64_t>(i), rng);
    b.at_us = t;
    for (auto& br : b.branches) br.db = db_of_.at(br.service);
    out.push_back(std::move(b));
  }
  return out;
}

FinalState Workload::final_state(World& world) const {
  FinalState f;
  f.money_initial = initial_money_;
  f.initial_balances = initial_balances_;
  for (const auto& name : dbs_) {
    Database& db = *world.databases().at(name);
    DbResult r = db.snapshot("SELECT COALESCE(SUM(balance + frozen), 0) FROM ledger");
    f.money_final += r.integer();
    DbResult res =
        db.snapshot("SELECT gid, SUM(amount) FROM reservations GROUP BY gid ORDER BY gid");
    for (size_t i = 0; i < res.rows.size(); ++i)
      f.open_reservations[res.text(i, 0)] += res.integer(i, 1);
  }
  return f;
}

EffectRecord Workload::effect(const BusinessTxn& t, const Branch& b, const char* op, int64_t money,
                              int64_t amount) const {
  return {b.key, amount, b.name, t.order_key, money, op, t.origin().name};
}

namespace {
bool failed(const DbResult& r) {
  return !r.ok;
}
}  // namespace

Task<BranchOutcome> Workload::action(Txn& tx, const BusinessTxn& t, const Branch& b) const {
  if (b.refuse) co_return BranchOutcome::refused;
  DbResult r = co_await tx.exec(
      "UPDATE ledger SET balance = balance + ?1 WHERE key = ?2 AND balance + ?1 >= 0", b.delta,
      b.key);
  if (failed(r)) co_return BranchOutcome::error;
  if (r.changes == 0) co_return BranchOutcome::refused;
  tx.effect(effect(t, b, "action", b.delta, std::abs(b.delta)));
  co_return BranchOutcome::applied;
}

Task<BranchOutcome> Workload::compensate(Txn& tx, const BusinessTxn& t, const Branch& b) const {
  DbResult r =
      co_await tx.exec("UPDATE ledger SET balance = balance - ?1 WHERE key = ?2", b.delta, b.key);
  if (failed(r)) co_return BranchOutcome::error;
  tx.effect(effect(t, b, "compensate", -b.delta, std::abs(b.delta)));
  co_return BranchOutcome::applied;
}

// Try: a debit freezes the amount (balance -> frozen); a credit only records the pending
// amount. Both leave a reservation row that Confirm or Cancel removes.
Task<BranchOutcome> Workload::try_op(Txn& tx, const BusinessTxn& t, const Branch& b) const {
  if (b.refuse) co_return BranchOutcome::refused;
  int64_t a = std::abs(b.delta);
  if (b.delta < 0) {
    DbResult r = co_await tx.exec(
        "UPDATE ledger SET balance = balance - ?1, frozen = frozen + ?1 WHERE key = ?2 AND balance "
        ">= ?1",
        a, b.key);
    if (failed(r)) co_return BranchOutcome::error;
    if (r.changes == 0) co_return BranchOutcome::refused;
  }
  DbResult ins =
      co_await tx.exec("INSERT INTO reservations(gid, branch, key, amount) VALUES(?, ?, ?, ?)",
                       t.gid, b.name, b.key, b.delta < 0 ? a : 0);
  if (failed(ins)) co_return BranchOutcome::error;
  tx.effect(effect(t, b, "try", 0, a));
  co_return BranchOutcome::applied;
}

// Confirm and Cancel are written the naive way business code is; the barrier is what makes
// them idempotent and safe against null compensation (broken variants drop it).
Task<BranchOutcome> Workload::confirm(Txn& tx, const BusinessTxn& t, const Branch& b) const {
  int64_t a = std::abs(b.delta);
  DbResult r;
  if (b.delta < 0) {
    r = co_await tx.exec("UPDATE ledger SET frozen = frozen - ?1 WHERE key = ?2", a, b.key);
  } else {
    r = co_await tx.exec("UPDATE ledger SET balance = balance + ?1 WHERE key = ?2", a, b.key);
  }
  if (failed(r)) co_return BranchOutcome::error;
  DbResult d =
      co_await tx.exec("DELETE FROM reservations WHERE gid = ? AND branch = ?", t.gid, b.name);
  if (failed(d)) co_return BranchOutcome::error;
  tx.effect(effect(t, b, "confirm", b.delta, a));
  co_return BranchOutcome::applied;
}

Task<BranchOutcome> Workload::cancel(Txn& tx, const BusinessTxn& t, const Branch& b) const {
  int64_t a = std::abs(b.delta);
  if (b.delta < 0) {
    DbResult r = co_await tx.exec(
        "UPDATE ledger SET balance = balance + ?1, frozen = frozen - ?1 WHERE key = ?2", a, b.key);
    if (failed(r)) co_return BranchOutcome::error;
  }
  DbResult d =
      co_await tx.exec("DELETE FROM reservations WHERE gid = ? AND branch = ?", t.gid, b.name);
  if (failed(d)) co_return BranchOutcome::error;
  tx.effect(effect(t, b, "cancel", 0, b.delta < 0 ? a : 0));
  co_return BranchOutcome::applied;
}

namespace {

std::string gid_for(uint64_t i) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "g%06llu", static_cast<unsigned long long>(i + 1));
  return buf;
}

std::string account(const char* prefix, int64_t i) {
  return std::string(prefix) + std::to_string(i);
}

// The seed's inter-bank transfer: debit an account at the source bank, credit one at the target.
class TransferWorkload : public Workload {
 public:
  using Workload::Workload;
  const char* name() const override { return "transfer"; }
  std::vector<std::string> roles() const override { return {"source", "target"}; }

 protected:
  std::vector<std::pair<std::string, int64_t>> initial_rows(
      const std::string& role) const override {
    std::vector<std::pair<std::string, int64_t>> rows;
    if (spec_.shared_accounts && role != "source") return rows;  // the source's rows serve both
    const char* prefix = role == "source" ? "A" : "B";
    for (int64_t i = 0; i < spec_.accounts; ++i)
      rows.push_back({account(prefix, i), spec_.initial_balance});
    return rows;
  }
  BusinessTxn make(uint64_t index, Random& rng) const override {
    BusinessTxn t;
    t.gid = gid_for(index);
    int64_t amount = rng.uniform(spec_.amount_min, spec_.amount_max);
    std::string from = account("A", rng.uniform(0, spec_.accounts - 1));
    std::string to = account(spec_.shared_accounts ? "A" : "B", rng.uniform(0, spec_.accounts - 1));
    bool refuse = rng.chance(spec_.failure_rate);
    std::string src = service("source"), dst = service("target");
    t.order_key = from;
    Branch debit{"debit", src, "", from, -amount, false};
    Branch credit{"credit", dst, "", to, amount, refuse};
    if (spec_.credit_first) {
      credit.refuse = false;  // the business failure, if any, is the later branch's
      debit.refuse = refuse;
      t.branches = {credit, debit};
    } else {
      t.branches = {debit, credit};
    }
    return t;
  }
};

// Order + stock + payment: the order service records the sale and the revenue, the stock
// service takes the items, the payment service charges the customer.
class OrderWorkload : public Workload {
 public:
  using Workload::Workload;
  const char* name() const override { return "order"; }
  std::vector<std::string> roles() const override { return {"order", "stock", "payment"}; }

 protected:
  std::vector<std::pair<std::string, int64_t>> initial_rows(
      const std::string& role) const override {
    std::vector<std::pair<std::string, int64_t>> rows;
    if (role == "order") {
      rows.push_back({"sales", 0});
      return rows;
    }
    const char* prefix = role == "stock" ? "P" : "C";
    for (int64_t i = 0; i < spec_.accounts; ++i)
      rows.push_back({account(prefix, i), spec_.initial_balance});
    return rows;
  }
  BusinessTxn make(uint64_t index, Random& rng) const override {
    BusinessTxn t;
    t.gid = gid_for(index);
    int64_t qty = rng.uniform(spec_.amount_min, spec_.amount_max);
    int64_t price = qty * 10;
    std::string product = account("P", rng.uniform(0, spec_.accounts - 1));
    std::string customer = account("C", rng.uniform(0, spec_.accounts - 1));
    bool refuse_stock = rng.chance(spec_.failure_rate);
    bool refuse_pay = rng.chance(spec_.failure_rate);
    t.order_key = customer;
    t.branches.push_back({"order", service("order"), "", "sales", qty + price, false});
    t.branches.push_back({"stock", service("stock"), "", product, -qty, refuse_stock});
    t.branches.push_back({"payment", service("payment"), "", customer, -price, refuse_pay});
    return t;
  }
};

}  // namespace

std::unique_ptr<Workload> make_workload(const WorkloadSpec& spec) {
  if (spec.kind == "transfer") return std::make_unique<TransferWorkload>(spec);
  if (spec.kind == "order") return std::make_unique<OrderWorkload>(spec);
  return nullptr;
}

}  // namespace dtx
