// The coordinator's protocol (dtm style), shared by the 2-phase message, TCC and saga: one
// struct per request and one result for every reply. Replies carry dtm's result codes:
// SUCCESS, FAILURE and ONGOING (anything but SUCCESS or FAILURE is retried).
#pragma once

#include <cstdint>
#include <string>

#include "sim/plugin/workload.hpp"
#include "sim/world/message.hpp"

namespace dtx {

struct TmResult {  // every reply: a result code
  std::string code;
};
struct TmPrepare {   // tm.prepare: store the global transaction (a saga is stored submitted)
  std::string kind;  // "msg", "tcc" or "saga"
  BusinessTxn txn;
  std::string checkback;  // msg: the node the coordinator asks when the app goes quiet
};
struct TmGid {  // tm.submit and tm.abort
  std::string gid;
  bool wait = false;  // submit: answer once the branches have run (dtm's WaitResult)
};
struct TmRegister {  // tm.register: a TCC branch, before its Try is called
  std::string gid, branch;
  int64_t pos = 0;  // the branch's index (cancels run in reverse)
};
struct BranchCall {  // branch.<op>: run one branch operation under the barrier
  BusinessTxn txn;
  std::string branch, branch_id, op;
};
struct CheckbackQuery {  // msg.query_prepared: did the local transaction commit?
  std::string gid;
  int64_t check = 1;  // 1 for the first check-back of this transaction
};

inline TmResult tm_result(const char* code) {
  return TmResult{code};
}
// A tm.submit or tm.abort body. (Pass bodies to a co_await'ed call as a named value or a
// function's result: GCC 12 destroys a braced aggregate temporary in a co_await expression
// twice.)
inline Body tm_gid(const std::string& gid, bool wait = false) {
  return TmGid{gid, wait};
}

// A call's result code: the reply's, TIMEOUT when no reply came, ONGOING for a reply of
// another type (retried, never misread).
inline std::string result_of(const RpcResult& r) {
  if (!r.ok) return "TIMEOUT";
  const TmResult* res = r.answer<TmResult>();
  return res ? res->code : "ONGOING";
}

}  // namespace dtx
