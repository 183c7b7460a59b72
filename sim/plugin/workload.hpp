// Workloads are the business: each business transaction is a list of branches, and every
// branch is a signed amount on one key of a ledger in one service's database. The branch
// operations (action, compensation, try/confirm/cancel) are plain SQL run inside a local
// transaction the pattern opens, and each records an `effect` that exists only if that
// transaction commits; this is what the checkers read.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sim/kernel/final_state.hpp"
#include "sim/kernel/task.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/world/database.hpp"

namespace dtx {

class World;

struct Branch {
  std::string name;     // "debit", "credit", "order", "stock", "payment"
  std::string service;  // node that owns the database
  std::string db;
  std::string key;      // ledger row
  int64_t delta = 0;    // change of the ledger row's balance when the action applies
  bool refuse = false;  // business failure drawn by the workload (e.g. out of stock)
};

struct BusinessTxn {
  std::string gid;
  TimeUs at_us = 0;
  std::string order_key;         // aggregate whose events must stay in commit order
  std::vector<Branch> branches;  // branches[0] is the origin for message-based patterns

  const Branch& origin() const { return branches.front(); }
  const Branch* branch(const std::string& name) const;
  Json to_json() const;
  std::string to_text() const;  // to_json().dump(), without the JSON objects
  static BusinessTxn from_json(const Json& j);
  static BusinessTxn from_text(std::string_view text);  // from_json(Json::parse(text))
  GtxRecord started_record() const;                     // the gtx "started" record
};

enum class BranchOutcome { applied, refused, error };

class Workload {
 public:
  explicit Workload(WorkloadSpec spec) : spec_(std::move(spec)) {}
  virtual ~Workload() = default;
  virtual const char* name() const = 0;
  // Roles -> service names, resolved with defaults.
  virtual std::vector<std::string> roles() const = 0;
  std::string service(const std::string& role) const;

  // Creates tables and initial rows (outside simulated time).
  void setup(World& world, const std::vector<ServiceSpec>& services);
  std::vector<BusinessTxn> generate(uint64_t seed) const;
  FinalState final_state(World& world) const;
  // Each ledger row's balance after setup, by account name.
  const std::map<std::string, int64_t>& initial_balances() const { return initial_balances_; }
  const WorkloadSpec& spec() const { return spec_; }

  // Branch operations inside the caller's open transaction.
  Task<BranchOutcome> action(Txn& tx, const BusinessTxn& t, const Branch& b) const;
  Task<BranchOutcome> compensate(Txn& tx, const BusinessTxn& t, const Branch& b) const;
  Task<BranchOutcome> try_op(Txn& tx, const BusinessTxn& t, const Branch& b) const;
  Task<BranchOutcome> confirm(Txn& tx, const BusinessTxn& t, const Branch& b) const;
  Task<BranchOutcome> cancel(Txn& tx, const BusinessTxn& t, const Branch& b) const;

 protected:
  virtual std::vector<std::pair<std::string, int64_t>> initial_rows(
      const std::string& role) const = 0;
  virtual BusinessTxn make(uint64_t index, Random& rng) const = 0;
  WorkloadSpec spec_;

 public:
  // The record of an `effect` event (sim/kernel/records.hpp).
  EffectRecord effect(const BusinessTxn& t, const Branch& b, const char* op, int64_t money,
                      int64_t amount) const;

 private:
  int64_t initial_money_ = 0;
  std::map<std::string, int64_t> initial_balances_;  // by account name
  std::vector<std::string> dbs_;
  std::map<std::string, std::string> db_of_;  // service -> database
};

std::unique_ptr<Workload> make_workload(const WorkloadSpec& spec);

}  // namespace dtx
