// A message on the simulated network. A body is a typed value: each protocol declares a
// struct per message (the broker's in broker_protocol.hpp, each pattern's beside it) and the
// receiver reads it with `as<T>()` (or registers a typed handler, Context::handle_typed),
// which is null for a body of another type, so an unexpected message is refused, never
// misread. Nothing here is text: bodies are not traced. A business payload that only travels
// (a published event, a transaction handed to a branch) rides in `payload` as JSON text: the
// broker stores and delivers it without parsing or deep copies, and the receiver parses it
// once, if it reads it. The kernel benchmark sends empty bodies, which cost no allocation.
#pragma once

#include <any>
#include <cstdint>
#include <string>
#include <type_traits>

#include "sim/kernel/history.hpp"

namespace dtx {

class Body {
 public:
  Body() = default;
  Body(std::nullptr_t) {}  // an empty body (a one-way message, a bare acknowledgement)
  template <class T, class = std::enable_if_t<!std::is_same_v<std::decay_t<T>, Body> &&
                                              !std::is_same_v<std::decay_t<T>, std::nullptr_t>>>
  Body(T&& value) : v_(std::forward<T>(value)) {}

  // The body as a T, or null when it holds something else (or nothing).
  template <class T>
  const T* as() const {
    return std::any_cast<T>(&v_);
  }
  template <class T>
  T* as() {
    return std::any_cast<T>(&v_);
  }
  bool empty() const { return !v_.has_value(); }

 private:
  std::any v_;
};

struct Message {
  uint64_t id = 0;  // assigned by the network on send
  std::string type;
  std::string from;
  std::string to;
  std::string gid;
  Body body;
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

  // The reply's body as a T; null when the call timed out or the reply is of another type.
  template <class T>
  const T* answer() const {
    return ok ? reply.body.as<T>() : nullptr;
  }
};

}  // namespace dtx
