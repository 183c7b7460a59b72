// The ping demo: two nodes exchange RPCs across a lossy link while one is crashed, paused
// and partitioned; it exercises the kernel, network, nodes and faults and writes a trace.
#include <iostream>

#include "app/output.hpp"
#include "app/verbs.hpp"
#include "sim/scenario/reader.hpp"
#include "sim/world/context.hpp"
#include "sim/world/faults.hpp"
#include "sim/world/world.hpp"

namespace dtx {

namespace {
Task<void> pinger(Context c, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    Message m;
    m.type = "ping";
    m.gid = "p" + std::to_string(i);
    RpcResult r = co_await c.call("pong", std::move(m), 50 * kUsPerMs);
    c.count(r.ok ? "pongs" : "timeouts");
    co_await c.sleep(10 * kUsPerMs);
  }
}
}  // namespace

int run_ping(uint64_t seed, const std::string& trace_path) {
  World w(seed);
  LinkModel lossy;
  lossy.drop = 0.05;
  lossy.duplicate = 0.02;
  w.net().set_default_model(lossy);
  Node& a = w.add_node("ping", "client", "demo");
  Node& b = w.add_node("pong", "service", "demo");
  b.handle("ping", [](Message) -> Task<Body> { co_return Json{{"ok", true}}; });
  Context ca(w, a);
  a.on_start([ca] {
    Context c = ca;
    c.spawn(pinger(c, 200));
  });
  std::vector<FaultSpec> faults = {
      {300 * kUsPerMs, CrashFault{"pong", 200 * kUsPerMs}},
      {900 * kUsPerMs, PauseFault{"pong", 150 * kUsPerMs}},
      {1400 * kUsPerMs, PartitionFault{"split", {{"ping"}, {"pong"}}, 300 * kUsPerMs}},
  };
  schedule_faults(w, faults, 2500 * kUsPerMs);
  if (!trace_path.empty()) {
    std::string err;
    if (!w.history().open_trace(trace_path, err)) throw InputError(err);
  }
  w.history().write_header({"ping", "none", "none", seed, build_id(), w.node_infos()});
  w.start();
  w.run_until(5 * kUsPerS);
  if (!w.history().finish({}, {}, w.now_us()))
    throw OutputError("--trace " + trace_path + ": write failed (disk full?)");
  std::cout << "ping seed " << seed << ": pongs " << w.counters()["pongs"] << ", timeouts "
            << w.counters()["timeouts"] << ", events " << w.history().events().size()
            << "\ntrace hash " << w.history().trace_hash_hex() << "\n";
  return 0;
}

}  // namespace dtx
