// The manager's side both commit protocols share: begin, the question, recovery.
#include "patterns/two_phase_commit/commit_protocol.hpp"

#include "patterns/two_phase_commit/xa_protocol.hpp"

namespace dtx {

void CommitProtocol::configure_manager(Reader& p) {
  timeout_us_ =
      p.interval_us("request_timeout_ms", 1000, "manager and participant call timeout (ms)");
  recovery_us_ = p.interval_us("recovery_interval_ms", 500, "manager's recovery scan (ms)");
}

void CommitProtocol::setup(Setup& s) {
  workload_ = &s.workload();
  tm_ = log_.setup_on_coordinator(s, names_.pattern);
  tm_name_ = tm_.name();
  tm_.handle_typed<XaBegin>(
      names_.begin, [this](XaBegin q, Message) { return on_begin(std::move(q.txn)); },
      XaDone{false});
  tm_.handle_typed<XaAsk>(
      names_.ask, [this](XaAsk q, Message) { return answer(std::move(q.gid)); },
      XaState{"unknown"});
  tm_.on_start([this] { tm_.spawn(recovery_loop()); });
  tm_.on_restart([this] {
    busy_.clear();
    manager_restarted();
    tm_.spawn(recovery_loop());
  });
  setup_participants(s, [this](Context c, const std::string& db) { install_participant(c, db); });
}

Task<void> CommitProtocol::begin(Context ctx, BusinessTxn t) {
  Message m;
  m.type = names_.begin;
  m.gid = t.gid;
  m.body = XaBegin{t};
  co_await ctx.call(tm_name_, std::move(m), timeout_us_);
}

// Stores the transaction (its `started` record commits with it) and drives it.
Task<Body> CommitProtocol::on_begin(BusinessTxn t) {
  ManagerLog::Stored st = co_await log_.store(t);
  if (st == ManagerLog::Stored::failed) co_return XaDone{false};
  if (st == ManagerLog::Stored::fresh) tm_.spawn(drive_marked(std::move(t)));
  co_return XaDone{true};
}

Task<void> CommitProtocol::drive_marked(BusinessTxn t) {
  std::string gid = t.gid;
  busy_.insert(gid);
  co_await drive(std::move(t));
  busy_.erase(gid);
}

// Finishes what the manager no longer drives, oldest first.
Task<void> CommitProtocol::recovery_loop() {
  for (;;) {
    co_await tm_.sleep(recovery_us_);
    std::vector<BusinessTxn> open = co_await log_.open(recover_after_us_);
    for (BusinessTxn& t : open) {
      if (busy_.count(t.gid)) continue;
      std::string gid = t.gid;
      busy_.insert(gid);
      co_await recover(std::move(t));
      busy_.erase(gid);
    }
  }
}

}  // namespace dtx
