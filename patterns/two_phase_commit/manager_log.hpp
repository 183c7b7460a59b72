// The transaction manager's durable log, shared by two- and three-phase commit: the
// transactions it was handed (their `started` record commits with the row), the decisions
// (one row per transaction, first insert wins), and which transactions are final.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/plugin/pattern.hpp"

namespace dtx {

class ManagerLog {
 public:
  // Creates the tables in the coordinator's database (`<coordinator>.db`).
  void setup(Setup& s, const Context& tm);
  // The manager runs on the scenario's coordinator: sets the log up there and returns the
  // coordinator's context (an input error naming `pattern` when the scenario has none).
  Context setup_on_coordinator(Setup& s, const std::string& pattern);
  const std::string& db() const { return db_; }

  enum class Stored { fresh, known, failed };
  // Stores a transaction handed to the manager; `fresh` when it was not stored before.
  Task<Stored> store(BusinessTxn t);
  // The logged decision: true commit, false abort, nullopt none; `readable` false on error.
  Task<std::optional<bool>> decision(std::string gid, bool* readable = nullptr);
  // Logs `commit` unless a decision is logged; the decision that holds (nullopt: error).
  Task<std::optional<bool>> decide(std::string gid, bool commit);
  // Marks the transaction final ("committed" / "aborted") once every participant confirmed.
  Task<void> finish(std::string gid, bool commit);
  // Stored, not final, and older than `age_us` (at most 64, by gid).
  Task<std::vector<BusinessTxn>> open(TimeUs age_us);

 private:
  Context tm_;
  std::string db_;
};

}  // namespace dtx
