// A message broker node reached over the simulated network. Durable queues (a topic's
// consumer group is a queue), publish with broker ack, at-least-once delivery with consumer
// ack, redelivery after an ack timeout or a nack, max redeliveries then a dead-letter queue;
// transacted sessions (nothing visible before commit, a client crash aborts); XA-style
// prepare of a session; half messages with periodic check-back (RocketMQ style).
// Everything acknowledged survives a broker crash; unacked deliveries are redelivered after
// restart. Each queue is FIFO except where redelivery reorders it, as in real brokers.
#pragma once

#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/world/broker_protocol.hpp"
#include "sim/world/node.hpp"

namespace dtx {

class World;

struct BrokerConfig {
  TimeUs ack_timeout_us = 2 * kUsPerS;
  TimeUs redelivery_delay_us = 100 * kUsPerMs;
  // Exponential back-off of redeliveries (ActiveMQ's useExponentialBackOff): the n-th waits
  // delay * multiplier^(n-1), capped. 1 keeps the delay constant.
  double redelivery_backoff = 1;
  TimeUs redelivery_delay_max_us = 60 * kUsPerS;
  int max_redeliveries = 6;
  int prefetch = 1;  // unacked deliveries per consumer
  TimeUs half_timeout_us = 6 * kUsPerS;
  TimeUs check_interval_us = 30 * kUsPerS;
  int check_max = 15;
  bool discard_commits =
      false;  // policy after check_max: false = discard (RocketMQ), true = commit
  // Consumer groups are declared by the deployment before producers start (Kafka groups from
  // the earliest offset, RabbitMQ queues bound by infrastructure). The opt-in alternative
  // creates a group's queue on its first subscribe, so it misses what was published before.
  bool groups_on_first_subscribe = false;
};

struct StoredMessage {
  uint64_t id = 0;
  std::string queue;
  std::string gid;
  Detail body;  // the payload as JSON text
  int attempts = 0;
};

class Broker {
 public:
  Broker(World& world, Node& host, BrokerConfig config);
  Node& host() { return host_; }
  const BrokerConfig& config() const { return config_; }

  // Inspection for checkers and tests (no simulated time).
  const std::vector<StoredMessage>& dead_letters() const { return dlq_; }
  size_t ready_count(const std::string& queue) const;
  size_t unacked_count(const std::string& queue) const;
  size_t half_count() const { return half_.size(); }

  // Declares `group` on `topic` (deployment time): its queue exists from now on, survives
  // crashes and receives every message published afterwards, subscribed or not. A no-op when
  // groups are created on first subscribe.
  void declare_group(const std::string& topic, const std::string& group);

 private:
  struct Consumer {
    std::string node;
    int in_flight = 0;
  };
  struct Inflight {
    StoredMessage msg;
    std::string consumer;
    TimerId timer;
  };
  struct Queue {
    std::deque<StoredMessage> ready;
    std::map<uint64_t, Inflight> unacked;
    std::map<uint64_t, StoredMessage> delayed;  // waiting out the redelivery delay (durable)
    std::vector<Consumer> consumers;
    size_t next_consumer = 0;
  };
  struct Session {
    std::string owner;
    std::vector<StoredMessage> sends;
    std::string xid;  // set once prepared
    TimeUs prepared_us = 0;
  };
  struct Half {
    StoredMessage msg;
    std::string group;
    TimeUs created_us = 0;
    int checks = 0;
  };

  void install_handlers();
  void install_queue_handlers();
  void install_session_handlers();
  void install_half_handlers();
  void finish_session(uint64_t sid, bool commit, const std::string& gid);
  void start_scan();
  void enqueue(StoredMessage m);
  void dispatch(const std::string& queue);
  void ack(const std::string& queue, uint64_t id, bool ok);
  void requeue(Queue& q, const std::string& queue, StoredMessage m);
  TimeUs redelivery_delay_us(int attempts) const;
  void end_half(uint64_t id, const std::string& decision, const std::string& why);
  Task<void> check_half(uint64_t id);
  void on_client_crash(Node& n);
  void on_restart();
  std::vector<std::string> topic_queues(const std::string& topic);

  World& world_;
  Node& host_;
  BrokerConfig config_;
  std::map<std::string, Queue> queues_;
  std::map<std::string, std::set<std::string>> topics_;  // topic -> group queues
  std::map<uint64_t, Session> sessions_;
  std::map<uint64_t, Half> half_;
  std::map<std::string, std::vector<std::string>> producers_;  // group -> nodes
  std::map<std::string, size_t> next_producer_;
  std::vector<StoredMessage> dlq_;
  uint64_t next_id_ = 1;
};

}  // namespace dtx
