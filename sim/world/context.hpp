// The one narrow door through which patterns reach the world: time, randomness, messages,
// timers, processes, databases, brokers and the history, all as seen from one node.
// Patterns never hold a World; this keeps sim/ free of pattern knowledge and vice versa.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "sim/world/broker_protocol.hpp"
#include "sim/world/database.hpp"
#include "sim/world/node.hpp"

namespace dtx {

class World;

struct Delivery {
  std::string queue;
  uint64_t id = 0;
  std::string gid;
  Detail body;  // the published payload (JSON text, parsed on first use)
  int attempt = 1;
};

class Context {
 public:
  Context() = default;
  Context(World& world, Node& node) : world_(&world), node_(&node) {}

  const std::string& name() const { return node_->name(); }
  TimeUs now_us() const { return node_->now_us(); }
  Random& rng() { return node_->rng(); }
  bool up() const { return node_->up(); }

  Node::SleepAwaiter sleep(TimeUs d_us) { return node_->sleep(d_us); }
  Node::CallAwaiter call(const std::string& to, Message m, TimeUs timeout_us) {
    return node_->call(to, std::move(m), timeout_us);
  }
  uint64_t send(const std::string& to, Message m) { return node_->send(to, std::move(m)); }
  TimerId after(TimeUs d_us, std::function<void()> fn) { return node_->after(d_us, std::move(fn)); }
  void spawn(Task<void> t) { node_->spawn(std::move(t)); }
  void handle(const std::string& type, Node::Handler h) { node_->handle(type, std::move(h)); }
  // A handler for requests whose body is a Req: `fn(Req, Message)` returns the reply's body.
  // A request carrying anything else is answered with `refusal` and never reaches fn, so a
  // protocol's receiver cannot misread a message.
  template <class Req, class Fn>
  void handle_typed(const std::string& type, Fn fn, Body refusal) {
    handle(type, [fn = std::move(fn), refusal = std::move(refusal)](Message m) -> Task<Body> {
      Req* req = m.body.as<Req>();
      if (!req) return reply_now(refusal);
      Req r = std::move(*req);
      return fn(std::move(r), std::move(m));
    });
  }
  // A reply that needs no waiting, as a handler's task.
  static Task<Body> reply_now(Body b) { co_return b; }
  // Hooks of this node, added to those already there: at t=0 and after each restart.
  void on_start(Node::Hook h) { node_->on_start(std::move(h)); }
  void on_restart(Node::Hook h) { node_->on_restart(std::move(h)); }

  Txn begin(const std::string& db_name, const std::string& gid);
  // A single statement in its own transaction (autocommit), e.g. a relay's poll.
  Task<DbResult> exec(const std::string& db_name, std::string sql, SqlArgs params = {});
  // XA: decides a transaction another node prepared, by its xid (a coordinator or recovery),
  // and lists the prepared transactions with the time each was prepared (XA RECOVER).
  Txn::Awaiter decide_prepared(const std::string& db_name, const std::string& xid, bool commit);
  struct Prepared {
    std::string xid;
    TimeUs prepared_at_us = 0;
  };
  std::vector<Prepared> xa_recover(const std::string& db_name);

  void record(Kind kind, std::string_view gid = {}, Detail detail = nullptr,
              std::string_view peer = {});
  void count(const std::string& counter, int64_t n = 1);

  // Broker client (over the simulated network; every call can time out).
  Task<bool> publish(const std::string& broker, const std::string& queue, const std::string& gid,
                     Json body, TimeUs timeout_us);
  // The same with a payload that is already JSON text (e.g. an outbox row's column).
  Task<bool> publish_text(const std::string& broker, const std::string& queue,
                          const std::string& gid, std::string json_text, TimeUs timeout_us);
  using Consumer = std::function<Task<bool>(Delivery)>;  // true: ack, false: nack (redeliver)
  // Subscribes (retrying until the broker answers) and routes deliveries to `consumer`.
  // With auto_ack the delivery is acknowledged on receipt, before the consumer runs.
  void subscribe(const std::string& broker, const std::string& queue, const std::string& group,
                 Consumer consumer, bool auto_ack = false);
  Task<std::optional<uint64_t>> tx_begin(const std::string& broker, TimeUs timeout_us);
  Task<bool> tx_send(const std::string& broker, uint64_t session, const std::string& queue,
                     const std::string& gid, Json body, TimeUs timeout_us);
  Task<bool> tx_end(const std::string& broker, uint64_t session, bool commit,
                    const std::string& gid, TimeUs timeout_us);
  Task<bool> tx_prepare(const std::string& broker, uint64_t session, const std::string& xid,
                        TimeUs timeout_us);
  Task<bool> tx_decide(const std::string& broker, const std::string& xid, bool commit,
                       TimeUs timeout_us);
  // XA RECOVER: the broker's prepared sessions still in doubt (nullopt: no answer).
  Task<std::optional<std::vector<MqPrepared>>> tx_recover(const std::string& broker,
                                                          TimeUs timeout_us);
  Task<bool> register_producer(const std::string& broker, const std::string& group,
                               TimeUs timeout_us);
  Task<std::optional<uint64_t>> send_half(const std::string& broker, const std::string& queue,
                                          const std::string& gid, Json body,
                                          const std::string& group, TimeUs timeout_us);
  void end_half(const std::string& broker, uint64_t id, const std::string& decision,
                const std::string& gid);

 private:
  Database& db(const std::string& name);
  // Coroutine bodies take the Context and strings by value: a member coroutine would keep
  // `this` (often a temporary) and references alive across suspensions.
  static Task<DbResult> co_exec(Context self, std::string db_name, std::string sql, SqlArgs params);
  static Message request(std::string type, std::string gid, Body body, Detail payload = nullptr);
  // A broker call's reply; not ok on a time-out or a reply of another type.
  static Task<MqReply> co_rpc(Context self, std::string broker, Message m, TimeUs timeout_us);
  static Task<bool> co_publish(Context self, std::string broker, std::string queue, std::string gid,
                               Detail payload, TimeUs timeout_us);
  static Task<void> co_subscribe_loop(Context self, std::string broker, std::string queue,
                                      std::string group);
  static Task<std::optional<uint64_t>> co_tx_begin(Context self, std::string broker,
                                                   TimeUs timeout_us);
  static Task<bool> co_tx_send(Context self, std::string broker, uint64_t session,
                               std::string queue, std::string gid, Json body, TimeUs timeout_us);
  static Task<bool> co_tx_end(Context self, std::string broker, uint64_t session, bool commit,
                              std::string gid, TimeUs timeout_us);
  static Task<bool> co_tx_prepare(Context self, std::string broker, uint64_t session,
                                  std::string xid, TimeUs timeout_us);
  static Task<bool> co_tx_decide(Context self, std::string broker, std::string xid, bool commit,
                                 TimeUs timeout_us);
  static Task<std::optional<std::vector<MqPrepared>>> co_tx_recover(Context self,
                                                                    std::string broker,
                                                                    TimeUs timeout_us);
  static Task<bool> co_register_producer(Context self, std::string broker, std::string group,
                                         TimeUs timeout_us);
  static Task<std::optional<uint64_t>> co_send_half(Context self, std::string broker,
                                                    std::string queue, std::string gid, Json body,
                                                    std::string group, TimeUs timeout_us);
  Task<void> subscribe_loop(std::string broker, std::string queue, std::string group);

  World* world_ = nullptr;
  Node* node_ = nullptr;
};

}  // namespace dtx
