// Context: database lookups, autocommit statements, and the broker client protocol (mq.*).
#include "sim/world/context.hpp"

#include <stdexcept>

#include "sim/world/broker.hpp"
#include "sim/world/world.hpp"

namespace dtx {

Database& Context::db(const std::string& name) {
  auto it = world_->databases().find(name);
  if (it == world_->databases().end()) throw std::runtime_error("unknown database '" + name + "'");
  return *it->second;
}

Txn::Awaiter Context::decide_prepared(const std::string& db_name, const std::string& xid,
                                      bool commit) {
  return dtx::decide_prepared(db(db_name), *node_, xid, commit);
}

std::vector<Context::Prepared> Context::xa_recover(const std::string& db_name) {
  Database& d = db(db_name);
  std::vector<Prepared> out;
  for (const auto& [xid, txn] : d.prepared()) out.push_back({xid, d.prepared_at_us(xid)});
  return out;
}

Txn Context::begin(const std::string& db_name, const std::string& gid) {
  Database& d = db(db_name);
  return Txn(d, *node_, d.begin(*node_, gid));
}

Task<DbResult> Context::co_exec(Context self, std::string db_name, std::string sql,
                                SqlArgs params) {
  Txn tx = self.begin(db_name, {});
  DbResult r = co_await tx.exec(sql, std::move(params));
  if (!r.ok) {
    co_await tx.rollback();
    co_return r;
  }
  DbResult c = co_await tx.commit();
  if (!c.ok) co_return c;
  co_return r;
}

Task<DbResult> Context::exec(const std::string& db_name, std::string sql, SqlArgs params) {
  return co_exec(*this, db_name, std::move(sql), std::move(params));
}

void Context::record(Kind kind, std::string_view gid, Detail detail, std::string_view peer) {
  world_->record(node_->name(), kind, gid, std::move(detail), 0, peer);
}

void Context::count(const std::string& counter, int64_t n) {
  world_->count(counter, n);
}

Message Context::request(std::string type, std::string gid, Body body, Detail payload) {
  Message m;
  m.type = std::move(type);
  m.gid = std::move(gid);
  m.body = std::move(body);
  m.payload = std::move(payload);
  return m;
}

// Callers build the request in a statement of its own: a temporary body inside a co_await
// expression is one of the cases GCC 12 miscompiles (the body's storage ends up in the
// caller's frame and is freed twice).
Task<MqReply> Context::co_rpc(Context self, std::string broker, Message m, TimeUs timeout_us) {
  RpcResult r = co_await self.node_->call(broker, std::move(m), timeout_us);
  MqReply out;
  out.ok = false;
  if (!r.ok) {
    out.error = "timeout";
    co_return out;
  }
  MqReply* reply = r.reply.body.as<MqReply>();
  if (!reply) {
    out.error = "malformed reply";
    co_return out;
  }
  co_return std::move(*reply);
}

Task<bool> Context::co_publish(Context self, std::string broker, std::string queue, std::string gid,
                               Detail payload, TimeUs timeout_us) {
  Message m = request("mq.publish", std::move(gid), nullptr, std::move(payload));
  m.queue = std::move(queue);
  MqReply r = co_await co_rpc(self, broker, std::move(m), timeout_us);
  co_return r.ok;
}

Task<bool> Context::publish(const std::string& broker, const std::string& queue,
                            const std::string& gid, Json body, TimeUs timeout_us) {
  return co_publish(*this, broker, queue, gid, Detail(std::move(body)), timeout_us);
}

Task<bool> Context::publish_text(const std::string& broker, const std::string& queue,
                                 const std::string& gid, std::string json_text, TimeUs timeout_us) {
  return co_publish(*this, broker, queue, gid, Detail::from_text(std::move(json_text)), timeout_us);
}

Task<void> Context::co_subscribe_loop(Context self, std::string broker, std::string queue,
                                      std::string group) {
  for (;;) {
    Message m = request("mq.subscribe", {}, MqSubscribe{queue, group});
    MqReply r = co_await co_rpc(self, broker, std::move(m), kUsPerS);
    if (r.ok) co_return;
    co_await self.sleep(kUsPerS);
  }
}

Task<void> Context::subscribe_loop(std::string broker, std::string queue, std::string group) {
  return co_subscribe_loop(*this, broker, queue, group);
}

void Context::subscribe(const std::string& broker, const std::string& queue,
                        const std::string& group, Consumer consumer, bool auto_ack) {
  std::string qname = queue + "#" + group;
  if (auto b = world_->brokers().find(broker); b != world_->brokers().end())
    b->second->declare_group(queue, group);
  Node* n = node_;
  node_->handle("mq.deliver:" + qname, [n, broker, consumer, auto_ack](Message m) -> Task<Body> {
    Delivery d{std::move(m.queue), m.ref, std::move(m.gid), std::move(m.payload), m.attempt};
    auto ack = [&](bool ok) {
      Message a;
      a.type = "mq.ack";
      a.gid = d.gid;
      a.queue = d.queue;
      a.ref = d.id;
      a.ok = ok;
      n->send(broker, std::move(a));
    };
    if (auto_ack) ack(true);
    bool ok = co_await consumer(d);
    if (!auto_ack) ack(ok);
    co_return nullptr;
  });
  spawn(subscribe_loop(broker, queue, group));
}

Task<std::optional<uint64_t>> Context::co_tx_begin(Context self, std::string broker,
                                                   TimeUs timeout_us) {
  Message m = request("mq.tx_begin", {}, nullptr);
  MqReply r = co_await co_rpc(self, broker, std::move(m), timeout_us);
  if (!r.ok) co_return std::nullopt;
  co_return r.id;
}

Task<std::optional<uint64_t>> Context::tx_begin(const std::string& broker, TimeUs timeout_us) {
  return co_tx_begin(*this, broker, timeout_us);
}

Task<bool> Context::co_tx_send(Context self, std::string broker, uint64_t session,
                               std::string queue, std::string gid, Json body, TimeUs timeout_us) {
  Message m = request("mq.tx_send", gid, MqSessionOp{session, std::move(queue), {}},
                      Detail(std::move(body)));
  MqReply r = co_await co_rpc(self, broker, std::move(m), timeout_us);
  co_return r.ok;
}

Task<bool> Context::tx_send(const std::string& broker, uint64_t session, const std::string& queue,
                            const std::string& gid, Json body, TimeUs timeout_us) {
  return co_tx_send(*this, broker, session, queue, gid, std::move(body), timeout_us);
}

Task<bool> Context::co_tx_end(Context self, std::string broker, uint64_t session, bool commit,
                              std::string gid, TimeUs timeout_us) {
  Message m = request(commit ? "mq.tx_commit" : "mq.tx_abort", gid, MqSessionOp{session, {}, {}});
  MqReply r = co_await co_rpc(self, broker, std::move(m), timeout_us);
  co_return r.ok;
}

Task<bool> Context::tx_end(const std::string& broker, uint64_t session, bool commit,
                           const std::string& gid, TimeUs timeout_us) {
  return co_tx_end(*this, broker, session, commit, gid, timeout_us);
}

Task<bool> Context::co_tx_prepare(Context self, std::string broker, uint64_t session,
                                  std::string xid, TimeUs timeout_us) {
  Message m = request("mq.tx_prepare", {}, MqSessionOp{session, {}, std::move(xid)});
  MqReply r = co_await co_rpc(self, broker, std::move(m), timeout_us);
  co_return r.ok;
}

Task<bool> Context::tx_prepare(const std::string& broker, uint64_t session, const std::string& xid,
                               TimeUs timeout_us) {
  return co_tx_prepare(*this, broker, session, xid, timeout_us);
}

Task<bool> Context::co_tx_decide(Context self, std::string broker, std::string xid, bool commit,
                                 TimeUs timeout_us) {
  Message m = request("mq.tx_decide", {}, MqDecide{std::move(xid), commit});
  MqReply r = co_await co_rpc(self, broker, std::move(m), timeout_us);
  co_return r.ok;
}

Task<bool> Context::tx_decide(const std::string& broker, const std::string& xid, bool commit,
                              TimeUs timeout_us) {
  return co_tx_decide(*this, broker, xid, commit, timeout_us);
}

Task<std::optional<std::vector<MqPrepared>>> Context::co_tx_recover(Context self,
                                                                    std::string broker,
                                                                    TimeUs timeout_us) {
  Message m = request("mq.tx_recover", {}, nullptr);
  MqReply r = co_await co_rpc(self, broker, std::move(m), timeout_us);
  if (!r.ok) co_return std::nullopt;
  co_return std::move(r.prepared);
}

Task<std::optional<std::vector<MqPrepared>>> Context::tx_recover(const std::string& broker,
                                                                 TimeUs timeout_us) {
  return co_tx_recover(*this, broker, timeout_us);
}

Task<bool> Context::co_register_producer(Context self, std::string broker, std::string group,
                                         TimeUs timeout_us) {
  Message m = request("mq.producer", {}, MqProducer{std::move(group)});
  MqReply r = co_await co_rpc(self, broker, std::move(m), timeout_us);
  co_return r.ok;
}

Task<bool> Context::register_producer(const std::string& broker, const std::string& group,
                                      TimeUs timeout_us) {
  return co_register_producer(*this, broker, group, timeout_us);
}

Task<std::optional<uint64_t>> Context::co_send_half(Context self, std::string broker,
                                                    std::string queue, std::string gid, Json body,
                                                    std::string group, TimeUs timeout_us) {
  Message m =
      request("mq.half", gid, MqHalf{std::move(queue), std::move(group)}, Detail(std::move(body)));
  MqReply r = co_await co_rpc(self, broker, std::move(m), timeout_us);
  if (!r.ok) co_return std::nullopt;
  co_return r.id;
}

Task<std::optional<uint64_t>> Context::send_half(const std::string& broker,
                                                 const std::string& queue, const std::string& gid,
                                                 Json body, const std::string& group,
                                                 TimeUs timeout_us) {
  return co_send_half(*this, broker, queue, gid, std::move(body), group, timeout_us);
}

void Context::end_half(const std::string& broker, uint64_t id, const std::string& decision,
                       const std::string& gid) {
  Message m;
  m.type = "mq.end";
  m.gid = gid;
  m.body = MqEnd{id, decision};
  send(broker, std::move(m));
}

}  // namespace dtx
