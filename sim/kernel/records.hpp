// Typed records of the events the checkers and metrics read: built where they happen, written
// into the trace by the kernel (Detail::of), and read back by field, never by parsing text.
// Conventions (the same keys the trace carries, see TRACE_FORMAT.md):
//   effect  a ledger change that committed: the branch and operation it belongs to, the row,
//           how much money it moved (the change of balance + frozen) and the amount it
//           concerned (frozen or released for TCC's try and cancel).
//   gtx     a global transaction's state: "started" (with its branches and origin), a
//           downstream branch finished ("branch_done" / "branch_refused", with the branch),
//           or a coordinator state; `final` marks the state it ends in.
//   local   a local transaction's event on its database (db_begin, db_prepare, db_commit,
//           db_rollback, db_lock_wait): its id there and, for a lock wait, the transaction
//           holding the lock (0: another client's batch writer). A column of the event, not a
//           record: these are the hot path and cost no allocation.
//   checkback  a check-back's question (its number; the half message's id when the broker
//           asks) or its answer, two distinct records under one trace kind.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace dtx {

struct EffectRecord {
  std::string account;  // the ledger row
  int64_t amount = 0;
  std::string branch;  // debit, credit, order, stock, payment
  std::string key;     // the aggregate (order key) of the business transaction
  int64_t money = 0;
  std::string op;      // action, compensate, try, confirm, cancel
  std::string origin;  // the transaction's origin branch (a phantom still names it)
};

struct GtxRecord {
  std::string state;
  std::optional<bool> final;          // absent: not written
  std::string branch;                 // branch_done / branch_refused
  std::vector<std::string> branches;  // started
  std::string origin;                 // started

  static GtxRecord started(std::vector<std::string> branches, std::string origin) {
    GtxRecord r;
    r.state = "started";
    r.branches = std::move(branches);
    r.origin = std::move(origin);
    return r;
  }
  static GtxRecord branch_finished(std::string branch, bool refused) {
    GtxRecord r;
    r.state = refused ? "branch_refused" : "branch_done";
    r.branch = std::move(branch);
    return r;
  }
  static GtxRecord reached(std::string state, bool final) {
    GtxRecord r;
    r.state = std::move(state);
    r.final = final;
    return r;
  }
};

struct LocalTxn {
  uint64_t id = 0;                 // 0: the event is no local transaction's
  std::optional<uint64_t> holder;  // db_lock_wait only

  static LocalTxn of(uint64_t id) { return {id, std::nullopt}; }
  static LocalTxn waiting(uint64_t id, uint64_t holder) { return {id, holder}; }
};

struct CheckbackRecord {
  enum class Side : uint8_t { question, answer };
  Side side = Side::question;
  int64_t check = 0;   // the question: 1 for the first check-back of this transaction
  std::string answer;  // the answer: SUCCESS / FAILURE / ONGOING / TIMEOUT (the coordinator),
                       // commit / rollback / unknown / timeout (the broker)
  uint64_t id = 0;     // the broker's half message (0: the coordinator asks)

  static CheckbackRecord question(int64_t check, uint64_t id = 0) {
    return {Side::question, check, {}, id};
  }
  static CheckbackRecord answered(std::string answer, uint64_t id = 0) {
    return {Side::answer, 0, std::move(answer), id};
  }
  bool is_answer() const { return side == Side::answer; }
};

// The record a detail was made from, if any.
using Record = std::variant<EffectRecord, GtxRecord, CheckbackRecord>;

}  // namespace dtx
