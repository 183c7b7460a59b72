// The broker protocol's message bodies, one struct per request and one reply for all. What
// every publish, delivery and acknowledgement carries (queue, stored id, attempt, verdict,
// payload) rides in Message's own fields; these hold the rest. Clients reach the broker
// through Context, which builds and reads them; a pattern sees them only as a check-back.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/kernel/simulator.hpp"

namespace dtx {

struct MqSubscribe {  // mq.subscribe: join a topic's consumer group
  std::string queue, group;
};
struct MqSessionOp {  // mq.tx_send (queue), mq.tx_prepare (xid), mq.tx_commit, mq.tx_abort
  uint64_t session = 0;
  std::string queue, xid;
};
struct MqDecide {  // mq.tx_decide: an XA decision for a prepared session, by xid
  std::string xid;
  bool commit = false;
};
struct MqProducer {  // mq.producer: join a producer group (who answers check-backs)
  std::string group;
};
struct MqHalf {  // mq.half: store a half message for `queue`, checked back with `group`
  std::string queue, group;
};
struct MqEnd {  // mq.end: the producer's decision for half message `id`
  uint64_t id = 0;
  std::string decision;  // "commit" or "rollback"
};
struct MqCheckback {  // mq.checkback: the broker asks a producer about half message `id`
  uint64_t id = 0;
  int check = 0;  // 1 for the first check-back of this message
};
struct MqCheckbackAnswer {  // the producer's reply: "commit", "rollback" or "unknown"
  std::string answer;
};

struct MqPrepared {  // a session prepared under `xid`, in doubt
  std::string xid;
  TimeUs prepared_us = 0;
};
struct MqReply {
  bool ok = true;
  std::string error;                 // when not ok
  std::string queue;                 // mq.subscribe: the group's queue
  uint64_t id = 0;                   // mq.tx_begin: the session; mq.half: the half message
  std::vector<MqPrepared> prepared;  // mq.tx_recover
};

}  // namespace dtx
