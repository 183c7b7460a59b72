// What two- and three-phase commit share: the transaction manager on the coordinator with its
// durable log (manager_log.hpp), the application's begin request, the manager's answer to a
// participant's question, the recovery scan of the transactions it no longer drives (after a
// restart, or stuck), and a participant on every database (xa_participant.hpp). Each protocol
// says how it drives a transaction, how it recovers one and what its participants do.
#pragma once

#include <set>
#include <string>

#include "patterns/two_phase_commit/manager_log.hpp"
#include "patterns/two_phase_commit/xa_participant.hpp"
#include "sim/plugin/pattern.hpp"

namespace dtx {

class CommitProtocol : public Pattern {
 public:
  struct Names {
    const char* pattern;  // named in the error when the scenario has no coordinator
    const char* begin;    // the application's request to the manager ("tpc.begin")
    const char* ask;      // a participant's question to the manager ("tpc.status")
  };
  explicit CommitProtocol(Names names) : names_(names) {}

  void setup(Setup& s) final;
  Task<void> begin(Context ctx, BusinessTxn t) final;

 protected:
  // The parameters both read first: the call timeout and the recovery scan's interval.
  void configure_manager(Reader& p);

  // Drives a transaction just handed to the manager (it is in busy_ meanwhile).
  virtual Task<void> drive(BusinessTxn t) = 0;
  // Finishes a stored, unfinished transaction nobody drives (it is in busy_ meanwhile).
  virtual Task<void> recover(BusinessTxn t) = 0;
  // The manager's answer to a participant asking about `gid`.
  virtual Task<Body> answer(std::string gid) = 0;
  virtual void install_participant(Context c, const std::string& db) = 0;
  // The manager restarted: volatile state beyond busy_ is gone.
  virtual void manager_restarted() {}

  TimeUs timeout_us_ = kUsPerS, recovery_us_ = 500 * kUsPerMs;
  TimeUs recover_after_us_ = kUsPerS;  // a stored transaction this old is recovered
  const Workload* workload_ = nullptr;
  std::string tm_name_;
  Context tm_;
  ManagerLog log_;
  std::set<std::string> busy_;  // volatile: transactions the manager is driving now

 private:
  Task<Body> on_begin(BusinessTxn t);
  Task<void> drive_marked(BusinessTxn t);
  Task<void> recovery_loop();

  Names names_;
};

}  // namespace dtx
