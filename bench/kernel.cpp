// Kernel benchmark: simulated messages delivered per wall second for a ping-pong between two
// nodes and for 100 nodes passing tokens all-to-all, beside the same ping-pong written
// against SimGrid's s4u API in interleaved rounds of the same run, with the median ratio.
// Target: >= 20x SimGrid.
// Our side records no history here (the engine alone); bench/database and bench/e2e measure
// with the full history.
#include <sys/wait.h>
#include <unistd.h>
#include <simgrid/s4u.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "sim/world/world.hpp"

using namespace dtx;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double dtx_ping_pong(int64_t messages) {
  World w(1);
  w.history().set_enabled(false);
  Node& a = w.add_node("a", "service");
  Node& b = w.add_node("b", "service");
  int64_t delivered = 0;
  auto bounce = [&](Node& self, const char* reply) {
    return [&, reply](const Message& m) {
      if (++delivered >= messages) return;
      Message r;
      r.type = reply;
      self.send(m.from, std::move(r));
    };
  };
  a.handle_sync("pong", bounce(a, "ping"));
  b.handle_sync("ping", bounce(b, "pong"));
  Message first;
  first.type = "ping";
  auto t0 = Clock::now();
  a.send("b", std::move(first));
  w.sim().run();
  return delivered / seconds_since(t0);
}

double dtx_all_to_all(int nodes, int64_t messages) {
  World w(2);
  w.history().set_enabled(false);
  std::vector<Node*> ns;
  for (int i = 0; i < nodes; ++i) {
    std::string name = "n";
    name += std::to_string(i);
    ns.push_back(&w.add_node(name, "service"));
  }
  std::vector<std::string> names;
  for (auto* n : ns) names.push_back(n->name());
  int64_t delivered = 0;
  for (Node* n : ns) {
    n->handle_sync("token", [&, n](const Message&) {
      if (++delivered >= messages) return;
      Message t;
      t.type = "token";
      n->send(names[n->rng().below(names.size())], std::move(t));
    });
  }
  auto t0 = Clock::now();
  for (Node* n : ns) {
    Message t;
    t.type = "token";
    n->send(names[(n->index() + 1) % nodes], std::move(t));
  }
  w.sim().run();
  return delivered / seconds_since(t0);
}

double simgrid_ping_pong(int64_t messages) {
  int argc = 1;
  char name[] = "bench_kernel";
  char* argv[] = {name, nullptr};
  simgrid::s4u::Engine e(&argc, argv);
  auto* zone = simgrid::s4u::create_full_zone("zone");
  auto* h1 = zone->create_host("h1", 1e9);
  auto* h2 = zone->create_host("h2", 1e9);
  auto* link = zone->create_link("link", 1e9)->set_latency(5e-4)->seal();
  zone->add_route(h1->get_netpoint(), h2->get_netpoint(), nullptr, nullptr,
                  {simgrid::s4u::LinkInRoute(link)}, true);
  zone->seal();
  static int payload = 0;
  int64_t rounds = messages / 2;
  simgrid::s4u::Actor::create("pinger", h1, [rounds] {
    auto* out = simgrid::s4u::Mailbox::by_name("ping");
    auto* in = simgrid::s4u::Mailbox::by_name("pong");
    for (int64_t i = 0; i < rounds; ++i) {
      out->put(&payload, 64);
      in->get<int>();
    }
  });
  simgrid::s4u::Actor::create("ponger", h2, [rounds] {
    auto* in = simgrid::s4u::Mailbox::by_name("ping");
    auto* out = simgrid::s4u::Mailbox::by_name("pong");
    for (int64_t i = 0; i < rounds; ++i) {
      in->get<int>();
      out->put(&payload, 64);
    }
  });
  auto t0 = Clock::now();
  e.run();
  return rounds * 2 / seconds_since(t0);
}

// SimGrid's engine is a process-wide singleton that cannot be created twice: each SimGrid
// round runs in a forked child, which sends its rate back through a pipe (the fork is
// outside the timed part).
double simgrid_round(int64_t messages) {
  int fds[2];
  if (pipe(fds) != 0) return 0;
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    double rate = simgrid_ping_pong(messages);
    ssize_t wrote = write(fds[1], &rate, sizeof rate);
    _exit(wrote == sizeof rate ? 0 : 1);
  }
  close(fds[1]);
  double rate = 0;
  if (read(fds[0], &rate, sizeof rate) != sizeof rate) rate = 0;
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return rate;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t n = argc > 1 ? std::stoll(argv[1]) : 6'000'000;
  int64_t sg = argc > 2 ? std::stoll(argv[2]) : 600'000;
  // Many short interleaved rounds (as bench/database does), so a change of CPU speed during
  // the run affects both sides alike; the order rotates from round to round. Each figure is
  // the median over the rounds, each ratio the median of the rounds' ratios.
  constexpr int kRounds = 21;
  int64_t per = n / kRounds, sg_per = sg / kRounds;
  std::vector<double> ours, all, theirs, r_ours, r_all;
  for (int r = 0; r < kRounds; ++r) {
    double rate[3];
    for (int k = 0; k < 3; ++k) {
      int which = (r + k) % 3;
      rate[which] = which == 0   ? dtx_ping_pong(per)
                    : which == 1 ? dtx_all_to_all(100, per)
                                 : simgrid_round(sg_per);
    }
    ours.push_back(rate[0]);
    all.push_back(rate[1]);
    theirs.push_back(rate[2]);
    r_ours.push_back(rate[0] / rate[2]);
    r_all.push_back(rate[1] / rate[2]);
  }
  std::printf(
      "kernel benchmark (messages delivered per wall second; medians of %d interleaved rounds)\n",
      kRounds);
  std::printf("  dtxsim ping-pong, 2 nodes        %12.0f msg/s  (%lld messages a round)\n",
              median(ours), static_cast<long long>(per));
  std::printf("  dtxsim all-to-all, 100 nodes     %12.0f msg/s  (%lld messages a round)\n",
              median(all), static_cast<long long>(per));
  std::printf("  SimGrid s4u ping-pong, 2 hosts   %12.0f msg/s  (%lld messages a round)\n",
              median(theirs), static_cast<long long>(sg_per));
  std::printf("  ratio dtxsim/SimGrid ping-pong   %12.1fx  (target >= 20x)\n", median(r_ours));
  std::printf("  ratio dtxsim all-to-all/SimGrid  %12.1fx\n", median(r_all));
  return 0;
}
