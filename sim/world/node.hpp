// A simulated node: up, crashed or paused. Everything a node does runs through `at()`, so a
// crash (epoch bump) silently drops its pending timers, messages and coroutine resumptions,
// and a pause defers them, in order, until it resumes. Processes are coroutines owned by
// the node; a crash destroys them, which is exactly "volatile state is lost".
#pragma once

#include <coroutine>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/kernel/random.hpp"
#include "sim/kernel/simulator.hpp"
#include "sim/kernel/task.hpp"
#include "sim/world/message.hpp"

namespace dtx {

class World;

enum class NodeState { up, crashed, paused };

class Node {
 public:
  using Handler = std::function<Task<Body>(Message)>;  // the reply's body

  Node(World& world, int index, std::string name, std::string role, std::string group);
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const std::string& name() const { return name_; }
  const std::string& role() const { return role_; }
  const std::string& group() const { return group_; }
  int index() const { return index_; }
  NodeState state() const { return state_; }
  bool up() const { return state_ == NodeState::up; }
  bool alive() const { return state_ != NodeState::crashed; }
  uint64_t epoch() const { return epoch_; }
  World& world() { return world_; }
  TimeUs now_us() const;
  Random& rng() { return rng_; }

  // Runs `fn` at `t_us` on this node: dropped if the node crashed meanwhile, deferred while
  // it is paused. Cancelling after a deferral is a no-op; callers guard with their own flags.
  template <typename F>
  TimerId at(TimeUs t_us, F&& fn);
  template <typename F>
  TimerId after(TimeUs delay_us, F&& fn) {
    return at(now_us() + delay_us, std::forward<F>(fn));
  }
  void cancel(TimerId id);

  void spawn(Task<void> task);
  size_t process_count() const { return procs_.size(); }

  // Message handlers survive crashes (they are the node's code, not its state).
  void handle(const std::string& type, Handler handler) { handlers_[type] = std::move(handler); }
  // A synchronous handler: runs inside the delivery event, no process (cheap; benchmarks).
  void handle_sync(const std::string& type, std::function<void(const Message&)> fn) {
    sync_handlers_[type] = std::move(fn);
  }
  // One-way send; returns the message id (0 when the sender is down).
  uint64_t send(const std::string& to, Message&& m);

  // Awaitables.
  struct SleepAwaiter {
    Node* node;
    TimeUs delay_us;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
      node->after(delay_us, [h] { h.resume(); });
    }
    void await_resume() const noexcept {}
  };
  SleepAwaiter sleep(TimeUs delay_us) { return {this, delay_us}; }

  struct RpcWait {
    std::coroutine_handle<> handle;
    bool done = false;
    RpcResult result;
    TimerId timer;
  };
  struct CallAwaiter {
    Node* node;
    std::string to;
    Message request;
    TimeUs timeout_us;
    std::shared_ptr<RpcWait> wait = std::make_shared<RpcWait>();
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h);
    RpcResult await_resume() { return std::move(wait->result); }
  };
  // RPC with timeout: the caller learns the reply or "timed out", never the outcome.
  CallAwaiter call(const std::string& to, Message request, TimeUs timeout_us) {
    return {this, to, std::move(request), timeout_us};
  }

  // Lifecycle (driven by faults).
  void crash();
  void restart();
  // Returns a token; resume(token) ends only that pause, never a later one.
  uint64_t pause();
  void resume(uint64_t token);

  // Hooks, each added to those already there and run in the order added: on_start at t=0,
  // on_restart after a crash (recovery), on_crash for cleanup of objects outside the node
  // (e.g. a pattern's volatile caches).
  using Hook = std::function<void()>;
  void on_start(Hook h) { start_hooks_.push_back(std::move(h)); }
  void on_restart(Hook h) { restart_hooks_.push_back(std::move(h)); }
  void on_crash(Hook h) { crash_hooks_.push_back(std::move(h)); }
  void start();  // runs the on_start hooks (the world calls it once, at t=0)

  // Called by the world when a message arrives (already past network checks): delivered now,
  // or deferred in order while the node is paused.
  void arrive(Message&& m);
  void deliver(Message&& m);
  void reap();
  // Destroys every process now (end of run, before the databases they may hold go away).
  void shutdown();

 private:
  std::vector<Hook> start_hooks_, restart_hooks_, crash_hooks_;
  TimerId schedule_guarded(TimeUs t_us, Callback fn);
  Task<void> serve(Handler& handler, Message m);

  World& world_;
  int index_;
  std::string name_, role_, group_;
  NodeState state_ = NodeState::up;
  uint64_t epoch_ = 0;
  uint64_t pause_token_ = 0;
  Random rng_;
  std::vector<Callback> deferred_;
  std::map<uint64_t, Task<void>> procs_;
  std::vector<uint64_t> finished_;
  std::vector<Task<void>> graveyard_;  // destroyed after the current event, never inside it
  uint64_t next_proc_ = 0;
  std::map<std::string, Handler> handlers_;
  std::map<std::string, std::function<void(const Message&)>> sync_handlers_;
  std::map<uint64_t, std::shared_ptr<RpcWait>> rpcs_;
};

// One closure per scheduled event (no std::function inside std::function): the epoch check
// drops it after a crash, a pause defers it.
template <typename F>
TimerId Node::at(TimeUs t_us, F&& fn) {
  if (state_ == NodeState::crashed) return {};  // a crashed node's code schedules nothing
  return schedule_guarded(t_us, [this, epoch = epoch_, fn = std::forward<F>(fn)]() mutable {
    if (epoch != epoch_ || state_ == NodeState::crashed) return;
    if (state_ == NodeState::paused) {
      deferred_.push_back(std::move(fn));
      return;
    }
    fn();
  });
}

}  // namespace dtx
