// Broker state machine: handlers for the client protocol (mq.*), delivery with ack timers,
// redelivery and DLQ, transacted sessions, half messages with the periodic check-back scan.
#include "sim/world/broker.hpp"

#include "sim/world/world.hpp"

namespace dtx {

namespace {
std::string group_queue(const std::string& topic, const std::string& group) {
  return topic + "#" + group;
}
MqReply refused(const char* error) {
  MqReply r;
  r.ok = false;
  r.error = error;
  return r;
}
}  // namespace

Broker::Broker(World& world, Node& host, BrokerConfig config)
    : world_(world), host_(host), config_(config) {
  world_.brokers()[host_.name()] = this;
  install_handlers();
  host_.on_start([this] { start_scan(); });
  host_.on_restart([this] { on_restart(); });
  world_.on_node_crash([this](Node& n) {
    if (&n != &host_) on_client_crash(n);
  });
}

size_t Broker::ready_count(const std::string& queue) const {
  size_t n = 0;
  for (const auto& [name, q] : queues_) {
    if (name == queue || name.rfind(queue + "#", 0) == 0) n += q.ready.size();
  }
  return n;
}

size_t Broker::unacked_count(const std::string& queue) const {
  size_t n = 0;
  for (const auto& [name, q] : queues_) {
    if (name == queue || name.rfind(queue + "#", 0) == 0) n += q.unacked.size();
  }
  return n;
}

void Broker::declare_group(const std::string& topic, const std::string& group) {
  if (config_.groups_on_first_subscribe) return;
  topics_[topic].insert(group_queue(topic, group));
  queues_[group_queue(topic, group)];
}

std::vector<std::string> Broker::topic_queues(const std::string& topic) {
  auto& groups = topics_[topic];
  if (groups.empty()) groups.insert(group_queue(topic, "default"));
  return {groups.begin(), groups.end()};
}

void Broker::enqueue(StoredMessage m) {
  std::vector<std::string> names = topic_queues(m.queue);
  for (size_t i = 0; i < names.size(); ++i) {
    // Every group's queue gets its own copy; the last one takes the original.
    StoredMessage copy = i + 1 < names.size() ? m : std::move(m);
    copy.queue = names[i];
    queues_[names[i]].ready.push_back(std::move(copy));
    dispatch(names[i]);
  }
}

void Broker::install_handlers() {
  install_queue_handlers();
  install_session_handlers();
  install_half_handlers();
}

// Plain queues: publish, subscribe (a consumer group's queue), acknowledge.
void Broker::install_queue_handlers() {
  host_.handle("mq.publish", [this](Message m) -> Task<Body> {
    StoredMessage s{next_id_++, std::move(m.queue), m.gid, std::move(m.payload), 0};
    world_.record_fields(host_.name(), Kind::broker_publish, m.gid,
                         {{"queue", s.queue}, {"id", s.id}});
    enqueue(std::move(s));
    co_return MqReply{};
  });
  host_.handle("mq.subscribe", [this](Message m) -> Task<Body> {
    const MqSubscribe* req = m.body.as<MqSubscribe>();
    if (!req) co_return refused("malformed request");
    std::string topic = req->queue, group = req->group.empty() ? "default" : req->group;
    std::string qname = group_queue(topic, group);
    auto& groups = topics_[topic];
    // A first real group adopts what waited in the placeholder group.
    std::string placeholder = group_queue(topic, "default");
    if (group != "default" && groups.count(placeholder) && queues_[placeholder].consumers.empty()) {
      auto& from = queues_[placeholder];
      for (auto& s : from.ready) queues_[qname].ready.push_back(std::move(s));
      from.ready.clear();
      groups.erase(placeholder);
    }
    groups.insert(qname);
    Queue& q = queues_[qname];
    bool known = false;
    for (auto& c : q.consumers) known = known || c.node == m.from;
    if (!known) q.consumers.push_back({m.from, 0});
    dispatch(qname);
    MqReply r;
    r.queue = qname;
    co_return r;
  });
  host_.handle("mq.ack", [this](Message m) -> Task<Body> {
    ack(m.queue, m.ref, m.ok);
    co_return nullptr;
  });
}

void Broker::finish_session(uint64_t sid, bool commit, const std::string& gid) {
  Session s = std::move(sessions_.at(sid));
  sessions_.erase(sid);
  world_.record_fields(host_.name(), commit ? Kind::broker_commit : Kind::broker_rollback, gid,
                       {{"session", sid}, {"messages", s.sends.size()}});
  if (!commit) return;
  for (auto& msg : s.sends) {
    world_.record_fields(host_.name(), Kind::broker_publish, msg.gid,
                         {{"queue", msg.queue}, {"id", msg.id}});
    enqueue(std::move(msg));
  }
}

// Transacted sessions: sends held until commit, XA prepare/decide/recover.
void Broker::install_session_handlers() {
  host_.handle("mq.tx_begin", [this](Message m) -> Task<Body> {
    uint64_t sid = next_id_++;
    sessions_[sid].owner = m.from;
    MqReply r;
    r.id = sid;
    co_return r;
  });
  host_.handle("mq.tx_send", [this](Message m) -> Task<Body> {
    const MqSessionOp* req = m.body.as<MqSessionOp>();
    auto it = req ? sessions_.find(req->session) : sessions_.end();
    if (it == sessions_.end() || !it->second.xid.empty()) co_return refused("no open session");
    it->second.sends.push_back({next_id_++, req->queue, m.gid, std::move(m.payload), 0});
    co_return MqReply{};
  });
  host_.handle("mq.tx_prepare", [this](Message m) -> Task<Body> {
    const MqSessionOp* req = m.body.as<MqSessionOp>();
    auto it = req ? sessions_.find(req->session) : sessions_.end();
    if (it == sessions_.end()) co_return refused("no open session");
    it->second.xid = req->xid;
    it->second.prepared_us = world_.now_us();
    world_.record_fields(host_.name(), Kind::db_prepare, m.gid,
                         {{"xid", it->second.xid}, {"session", it->first}});
    co_return MqReply{};
  });
  host_.handle("mq.tx_commit", [this](Message m) -> Task<Body> {
    const MqSessionOp* req = m.body.as<MqSessionOp>();
    if (!req || !sessions_.count(req->session)) co_return refused("no open session");
    finish_session(req->session, true, m.gid);
    co_return MqReply{};
  });
  host_.handle("mq.tx_abort", [this](Message m) -> Task<Body> {
    const MqSessionOp* req = m.body.as<MqSessionOp>();
    if (req && sessions_.count(req->session)) finish_session(req->session, false, m.gid);
    co_return MqReply{};
  });
  host_.handle("mq.tx_decide", [this](Message m) -> Task<Body> {
    const MqDecide* req = m.body.as<MqDecide>();
    if (!req) co_return refused("malformed request");
    for (auto& [sid, s] : sessions_) {
      if (s.xid == req->xid) {
        finish_session(sid, req->commit, m.gid);
        break;
      }
    }
    co_return MqReply{};  // unknown xid: already decided (idempotent, as XA recovery needs)
  });
  // XA RECOVER: prepared sessions still in doubt.
  host_.handle("mq.tx_recover", [this](Message) -> Task<Body> {
    MqReply r;
    for (const auto& [sid, s] : sessions_) {
      if (!s.xid.empty()) r.prepared.push_back({s.xid, s.prepared_us});
    }
    co_return r;
  });
}

// Half messages: producer groups for check-back, the half message and its end.
void Broker::install_half_handlers() {
  host_.handle("mq.producer", [this](Message m) -> Task<Body> {
    const MqProducer* req = m.body.as<MqProducer>();
    if (!req) co_return refused("malformed request");
    auto& list = producers_[req->group];
    if (std::find(list.begin(), list.end(), m.from) == list.end()) list.push_back(m.from);
    co_return MqReply{};
  });
  host_.handle("mq.half", [this](Message m) -> Task<Body> {
    const MqHalf* req = m.body.as<MqHalf>();
    if (!req) co_return refused("malformed request");
    uint64_t id = next_id_++;
    Half& h = half_[id];
    h.msg = {id, req->queue, m.gid, std::move(m.payload), 0};
    h.group = req->group.empty() ? "producers" : req->group;
    h.created_us = world_.now_us();
    world_.record_fields(host_.name(), Kind::broker_half, m.gid,
                         {{"queue", h.msg.queue}, {"id", id}});
    MqReply r;
    r.id = id;
    co_return r;
  });
  host_.handle("mq.end", [this](Message m) -> Task<Body> {
    if (const MqEnd* req = m.body.as<MqEnd>()) end_half(req->id, req->decision, "producer");
    co_return nullptr;
  });
}

void Broker::dispatch(const std::string& qname) {
  if (!host_.up()) return;
  Queue& q = queues_[qname];
  while (!q.ready.empty() && !q.consumers.empty()) {
    Consumer* target = nullptr;
    for (size_t i = 0; i < q.consumers.size(); ++i) {
      Consumer& c = q.consumers[(q.next_consumer + i) % q.consumers.size()];
      if (c.in_flight < config_.prefetch) {
        target = &c;
        q.next_consumer = (q.next_consumer + i + 1) % q.consumers.size();
        break;
      }
    }
    if (!target) return;
    StoredMessage m = std::move(q.ready.front());
    q.ready.pop_front();
    ++m.attempts;
    ++target->in_flight;
    Message out;
    out.type = "mq.deliver:" + qname;
    out.gid = m.gid;
    out.queue = qname;
    out.ref = m.id;
    out.attempt = m.attempts;
    out.payload = m.body;  // the stored text, copied whole
    world_.record_fields(host_.name(), Kind::broker_deliver, m.gid,
                         {{"queue", qname}, {"id", m.id}, {"attempt", m.attempts}}, 0,
                         target->node);
    host_.send(target->node, std::move(out));
    uint64_t id = m.id;
    TimerId timer = host_.after(config_.ack_timeout_us, [this, qname, id] {
      world_.count("ack_timeouts");
      ack(qname, id, false);
    });
    q.unacked[id] = {std::move(m), target->node, timer};
  }
}

void Broker::ack(const std::string& qname, uint64_t id, bool ok) {
  Queue& q = queues_[qname];
  auto it = q.unacked.find(id);
  if (it == q.unacked.end()) return;  // late or duplicate ack
  Inflight f = std::move(it->second);
  q.unacked.erase(it);
  host_.cancel(f.timer);
  for (auto& c : q.consumers) {
    if (c.node == f.consumer && c.in_flight > 0) --c.in_flight;
  }
  world_.record_fields(host_.name(), ok ? Kind::broker_ack : Kind::broker_nack, f.msg.gid,
                       {{"queue", qname}, {"id", id}}, 0, f.consumer);
  if (ok) {
    dispatch(qname);
    return;
  }
  requeue(q, qname, std::move(f.msg));
}

void Broker::requeue(Queue& q, const std::string& qname, StoredMessage m) {
  if (m.attempts > config_.max_redeliveries) {
    world_.record_fields(host_.name(), Kind::broker_dlq, m.gid,
                         {{"queue", qname}, {"id", m.id}, {"attempts", m.attempts}});
    world_.count("dead_letters");
    dlq_.push_back(std::move(m));
    dispatch(qname);
    return;
  }
  world_.count("redeliveries");
  world_.record_fields(host_.name(), Kind::broker_redeliver, m.gid,
                       {{"queue", qname}, {"id", m.id}, {"attempt", m.attempts}});
  // Parked durably: a broker crash during the delay must not lose the message.
  uint64_t id = m.id;
  TimeUs delay_us = redelivery_delay_us(m.attempts);
  q.delayed[id] = std::move(m);
  host_.after(delay_us, [this, qname, id] {
    Queue& q2 = queues_[qname];
    auto it = q2.delayed.find(id);
    if (it == q2.delayed.end()) return;
    q2.ready.push_back(std::move(it->second));
    q2.delayed.erase(it);
    dispatch(qname);
  });
}

TimeUs Broker::redelivery_delay_us(int attempts) const {
  double d = static_cast<double>(config_.redelivery_delay_us);
  for (int i = 1; i < attempts && d < static_cast<double>(config_.redelivery_delay_max_us); ++i)
    d *= config_.redelivery_backoff;
  return std::min(static_cast<TimeUs>(d),
                  std::max(config_.redelivery_delay_us, config_.redelivery_delay_max_us));
}

void Broker::end_half(uint64_t id, const std::string& decision, const std::string& why) {
  auto it = half_.find(id);
  if (it == half_.end()) return;
  Half h = std::move(it->second);
  half_.erase(it);
  if (decision == "commit") {
    world_.record_fields(host_.name(), Kind::broker_commit, h.msg.gid, {{"by", why}, {"id", id}});
    world_.record_fields(host_.name(), Kind::broker_publish, h.msg.gid,
                         {{"queue", h.msg.queue}, {"id", id}});
    enqueue(std::move(h.msg));
  } else if (decision == "discard") {
    world_.count("half_discarded");
    world_.record_fields(host_.name(), Kind::broker_discard, h.msg.gid,
                         {{"id", id}, {"checks", h.checks}});
  } else {
    world_.record_fields(host_.name(), Kind::broker_rollback, h.msg.gid, {{"by", why}, {"id", id}});
  }
}

void Broker::start_scan() {
  host_.after(config_.check_interval_us, [this] {
    std::vector<uint64_t> due;
    for (auto& [id, h] : half_) {
      if (world_.now_us() - h.created_us >= config_.half_timeout_us) due.push_back(id);
    }
    for (uint64_t id : due) host_.spawn(check_half(id));
    start_scan();
  });
}

Task<void> Broker::check_half(uint64_t id) {
  auto it = half_.find(id);
  if (it == half_.end()) co_return;
  Half& h = it->second;
  if (h.checks >= config_.check_max) {
    end_half(id, config_.discard_commits ? "commit" : "discard", "check max");
    co_return;
  }
  world_.count("checkbacks");
  auto& list = producers_[h.group];
  if (list.empty()) co_return;
  std::string target = list[next_producer_[h.group]++ % list.size()];
  Message req;
  req.type = "mq.checkback";
  req.gid = h.msg.gid;
  req.body = MqCheckback{id, h.checks + 1};
  req.payload = h.msg.body;
  world_.record(host_.name(), Kind::checkback, h.msg.gid,
                Detail::of(CheckbackRecord::question(h.checks + 1, id)), 0, target);
  RpcResult r = co_await host_.call(target, std::move(req), config_.check_interval_us / 2);
  const MqCheckbackAnswer* a = r.ok ? r.reply.body.as<MqCheckbackAnswer>() : nullptr;
  std::string answer = a ? a->answer : "timeout";
  world_.record(host_.name(), Kind::checkback, r.reply.gid,
                Detail::of(CheckbackRecord::answered(answer, id)), 0, target);
  if (answer == "commit" || answer == "rollback") {
    end_half(id, answer, "checkback");
  } else if (answer == "unknown") {
    // Only an answered UNKNOWN counts toward check_max: a timed-out or failed check-back (the
    // producer could not reach its database) is not an unknown transaction.
    auto again = half_.find(id);
    if (again != half_.end()) ++again->second.checks;
  }
}

void Broker::on_client_crash(Node& n) {
  std::vector<uint64_t> doomed;
  for (auto& [sid, s] : sessions_) {
    if (s.owner == n.name() && s.xid.empty()) doomed.push_back(sid);
  }
  for (uint64_t sid : doomed) {
    world_.record_fields(host_.name(), Kind::broker_rollback, {},
                         {{"session", sid}, {"reason", "client disconnected"}});
    sessions_.erase(sid);
  }
}

void Broker::on_restart() {
  // Acked messages and prepared sessions are durable; open sessions died with the broker.
  std::erase_if(sessions_, [](const auto& kv) { return kv.second.xid.empty(); });
  for (auto& [qname, q] : queues_) {
    std::deque<StoredMessage> back;
    for (auto& [id, f] : q.unacked) back.push_back(std::move(f.msg));
    q.unacked.clear();
    for (auto& [id, m] : q.delayed) back.push_back(std::move(m));
    q.delayed.clear();
    for (auto& c : q.consumers) c.in_flight = 0;
    for (auto it = back.rbegin(); it != back.rend(); ++it) q.ready.push_front(std::move(*it));
  }
  start_scan();
  for (auto& [qname, q] : queues_) dispatch(qname);
}

}  // namespace dtx
