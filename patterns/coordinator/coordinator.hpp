// A dtm-like transaction manager running on the coordinator node with its own SQLite
// storage: global transactions (2-phase message, TCC, saga) and their branch operations.
// Branch calls go over the simulated RPC with a request timeout; reply codes are dtm's
// (SUCCESS, FAILURE, ONGOING), anything else is retried with exponential backoff (capped,
// unlike dtm's default). A cron picks up transactions whose next-retry time has come, so a
// restart of the coordinator resumes every unfinished transaction from its database.
#pragma once

#include <set>
#include <string>

#include "patterns/common/tm_protocol.hpp"
#include "sim/plugin/pattern.hpp"

namespace dtx {

struct CoordinatorConfig {
  TimeUs cron_us = 3 * kUsPerS;
  TimeUs timeout_to_fail_us = 35 * kUsPerS;
  TimeUs retry_us = 10 * kUsPerS;
  TimeUs retry_cap_us = 60 * kUsPerS;  // dtm doubles without a cap; we cap
  TimeUs request_timeout_us = 3 * kUsPerS;
  bool shared_branch_id = false;  // broken TCC variant: every branch gets id "01"
};

class Coordinator {
 public:
  void configure(Reader& p);
  void setup(Setup& s);
  const std::string& name() const { return name_; }
  const CoordinatorConfig& config() const { return cfg_; }
  void set_shared_branch_id(bool on) { cfg_.shared_branch_id = on; }
  // Branch id of branch `index` (0-based), as the coordinator assigns it.
  std::string branch_id(size_t index) const;

 private:
  Task<Body> on_prepare(TmPrepare q);
  Task<Body> on_submit(TmGid q);
  Task<Body> on_abort(TmGid q);
  Task<TmResult> wait_final(std::string gid);
  Task<Body> on_register(TmRegister q);
  Task<TmResult> set_state(const std::string& gid, const std::string& from, const std::string& to,
                           bool final);
  void kick(const std::string& gid);
  Task<void> cron_loop();
  Task<void> process(std::string gid);
  Task<bool> run_phase(const std::string& gid, const std::string& kind, const std::string& phase,
                       const BusinessTxn& t);
  Task<std::string> call_branch(const BusinessTxn& t, const std::string& branch,
                                const std::string& op, int attempt);
  Task<void> backoff(const std::string& gid, int64_t attempts);
  Task<void> check_back(const std::string& gid, const std::string& service, int64_t attempts);

  CoordinatorConfig cfg_;
  std::string name_, db_;
  Context ctx_;
  std::set<std::string> busy_;  // volatile: gids being processed right now
};

}  // namespace dtx

namespace dtx {
// Calls the coordinator from an application node; returns its result code or "TIMEOUT".
Task<std::string> tm_call(Context c, std::string tm, std::string type, std::string gid, Body body,
                          TimeUs timeout_us);
}  // namespace dtx
