// The protocol of two- and three-phase commit between the transaction manager and the
// participants (one per database), and among participants: one struct per request, one per
// kind of reply.
#pragma once

#include <cstdint>
#include <string>

#include "sim/plugin/workload.hpp"

namespace dtx {

struct XaBegin {  // tpc.begin, tpc3.begin: the application hands the manager a transaction
  BusinessTxn txn;
};
struct XaPrepareCall {  // tpc.prepare, tpc3.can_commit: run the branches on `db` and prepare
  BusinessTxn txn;
  std::string db;
  TimeUs deadline_us = INT64_MAX;  // the manager stops waiting then; a later prepare votes no
};
struct XaBranchRef {  // tpc.peer, tpc3.pre_commit / do_commit / abort / state: one branch
  std::string xid, db;
};
struct XaDecideCall {  // tpc.decide: carry out the decision on `db`
  std::string xid, db;
  bool commit = false;
};
struct XaAsk {  // tpc.status, tpc3.decision: the manager's decision about `gid`
  std::string gid;
};

struct XaVote {  // the reply to a prepare
  bool yes = false;
};
struct XaDone {  // the reply to a begin or a decision: carried out (or stored)
  bool ok = false;
};
struct XaState {  // the reply to a question: a decision or a participant's state, or "unknown"
  std::string state;
};

}  // namespace dtx
