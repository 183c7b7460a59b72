// Node lifecycle, epoch-guarded scheduling, processes, message dispatch and RPC waits.
#include "sim/world/node.hpp"

#include <stdexcept>

#include "sim/world/world.hpp"

namespace dtx {

Node::Node(World& world, int index, std::string name, std::string role, std::string group)
    : world_(world),
      index_(index),
      name_(std::move(name)),
      role_(std::move(role)),
      group_(std::move(group)),
      rng_(world.seed(), "node:" + name_) {}

TimeUs Node::now_us() const {
  return world_.now_us();
}

TimerId Node::schedule_guarded(TimeUs t_us, Callback fn) {
  return world_.sim().schedule_at(t_us, std::move(fn));
}

void Node::cancel(TimerId id) {
  world_.sim().cancel(id);
}

void Node::spawn(Task<void> task) {
  if (state_ == NodeState::crashed) return;
  uint64_t pid = next_proc_++;
  task.set_on_done([this, pid] {
    finished_.push_back(pid);
    world_.mark_for_reap(this);
  });
  procs_.emplace(pid, std::move(task));
  // Start on the node's own schedule so a paused node does not run new work.
  at(now_us(), [this, pid] {
    auto p = procs_.find(pid);
    if (p != procs_.end()) p->second.start();
  });
}

void Node::reap() {
  for (uint64_t pid : finished_) {
    auto it = procs_.find(pid);
    if (it == procs_.end()) continue;
    std::exception_ptr err = it->second.error();
    procs_.erase(it);
    if (err) {
      try {
        std::rethrow_exception(err);
      } catch (const std::exception& e) {
        throw std::runtime_error("process on node '" + name_ + "' failed: " + e.what());
      }
    }
  }
  finished_.clear();
  graveyard_.clear();
}

void Node::shutdown() {
  ++epoch_;
  auto procs = std::move(procs_);
  procs_.clear();
  procs.clear();
  graveyard_.clear();
  finished_.clear();
  deferred_.clear();
  rpcs_.clear();
}

uint64_t Node::send(const std::string& to, Message&& m) {
  if (state_ != NodeState::up) return 0;
  return world_.send(*this, to, std::move(m));
}

void Node::CallAwaiter::await_suspend(std::coroutine_handle<> h) {
  wait->handle = h;
  request.wants_reply = true;
  uint64_t id = node->send(to, std::move(request));
  if (id != 0) node->rpcs_[id] = wait;
  Node* n = node;
  auto w = wait;
  std::string peer = to;
  w->timer = n->after(timeout_us, [n, w, id, peer] {
    if (w->done) return;
    w->done = true;
    n->rpcs_.erase(id);
    n->world().record_fields(n->name(), Kind::timeout, {}, {{"request", id}}, 0, peer);
    w->handle.resume();
  });
}

Task<void> Node::serve(Handler& handler, Message m) {
  // The reply is addressed before the request moves into the handler.
  bool wants_reply = m.wants_reply;
  Message r;
  std::string to;
  if (wants_reply) {
    r.type = m.type;
    r.type += ".reply";
    r.gid = m.gid;
    r.reply_to = m.id;
    to = m.from;
  }
  Body reply = co_await handler(std::move(m));
  if (wants_reply && up()) {
    r.body = std::move(reply);
    send(to, std::move(r));
  }
}

void Node::arrive(Message&& m) {
  if (state_ == NodeState::paused) {
    deferred_.push_back([this, m = std::move(m)]() mutable { deliver(std::move(m)); });
    return;
  }
  deliver(std::move(m));
}

void Node::deliver(Message&& m) {
  world_.record(name_, Kind::deliver, m.gid, nullptr, m.id, m.from);
  if (!sync_handlers_.empty()) {
    auto s = sync_handlers_.find(m.type);
    if (s != sync_handlers_.end()) {
      s->second(m);
      return;
    }
  }
  if (m.reply_to != 0) {
    auto it = rpcs_.find(m.reply_to);
    if (it == rpcs_.end()) return;  // late reply after a timeout: ignored, as in real RPC
    auto w = it->second;
    rpcs_.erase(it);
    if (w->done) return;
    w->done = true;
    cancel(w->timer);
    w->result.ok = true;
    w->result.reply = std::move(m);
    w->handle.resume();
    return;
  }
  auto it = handlers_.find(m.type);
  if (it == handlers_.end()) {
    world_.record_fields(name_, Kind::note, m.gid, {{"text", "no handler for " + m.type}}, m.id);
    return;
  }
  spawn(serve(it->second, std::move(m)));
}

void Node::crash() {
  if (state_ == NodeState::crashed) return;
  state_ = NodeState::crashed;
  ++epoch_;
  world_.record(name_, Kind::crash);
  deferred_.clear();
  rpcs_.clear();
  for (auto& [pid, task] : procs_) graveyard_.push_back(std::move(task));
  procs_.clear();
  finished_.clear();
  world_.mark_for_reap(this);
  for (auto& h : crash_hooks_) h();
}

void Node::start() {
  for (auto& h : start_hooks_) h();
}

void Node::restart() {
  if (state_ != NodeState::crashed) return;
  state_ = NodeState::up;
  world_.record(name_, Kind::restart);
  for (auto& h : restart_hooks_) h();
}

uint64_t Node::pause() {
  if (state_ != NodeState::up) return 0;
  state_ = NodeState::paused;
  world_.record(name_, Kind::pause);
  return ++pause_token_;
}

void Node::resume(uint64_t token) {
  if (state_ != NodeState::paused || token != pause_token_) return;
  state_ = NodeState::up;
  world_.record(name_, Kind::resume);
  auto pending = std::move(deferred_);
  deferred_.clear();
  for (auto& fn : pending) at(now_us(), std::move(fn));
}

}  // namespace dtx
