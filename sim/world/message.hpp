// A message on the simulated network. Bodies are JSON so patterns stay readable; the
// kernel benchmark sends empty bodies, which cost no allocation. A business payload that
// only travels (a published event, a transaction handed to a branch) rides in `payload` as
// JSON text: the broker stores and delivers it without parsing or deep copies, and the
// receiver parses it once, if it reads it.
#pragma once

#include <cstdint>
#include <string>

#include "sim/kernel/history.hpp"

namespace dtx {

struct Message {
  uint64_t id = 0;  // assigned by the network on send
  std::string type;
  std::string from;
  std::string to;
  std::string gid;
  Json body;
  Detail payload;
  // The broker protocol's own fields, typed (they are on every publish, delivery and ack):
  // the queue, the broker's id of the stored message, a delivery's attempt, an ack's verdict.
  std::string queue;
  uint64_t ref = 0;
  int attempt = 0;
  bool ok = true;
  uint64_t reply_to = 0;     // non-zero: this is the reply to request `reply_to`
  bool wants_reply = false;  // an RPC request
};

struct RpcResult {
  bool ok = false;  // false: timed out (the caller never learns the outcome)
  Message reply;
};

}  // namespace dtx
