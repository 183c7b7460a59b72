// Synthetic trace writer: each global transaction is generated as a small script of timed events;
// scripts overlap in time and are merged through a min-heap so ids follow time order.
// Guarantees: exactly n_events event lines, non-decreasing t, a valid end line and trace_hash.
#include "synth_trace.hpp"

#include "trace_line.hpp"

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dtxview {

namespace {

using Json = nlohmann::json;                 // details, header, trailer: keys ascending
using OrderedJson = nlohmann::ordered_json;  // event lines: id, t, node, kind, gid, msg, peer

constexpr int kServices = 4;
constexpr uint32_t kNoSlot = 0xffffffffu;

struct Pending {
  int64_t t_us;
  uint64_t seq;
  OrderedJson body;             // the line's fields after "id" and "t"
  uint32_t evidence = kNoSlot;  // violation this event is evidence for
};

bool later(const Pending& a, const Pending& b) {
  return a.t_us != b.t_us ? a.t_us > b.t_us : a.seq > b.seq;
}

class Synth {
 public:
  Synth(std::ostream& out, uint64_t seed)
      : out_(out), rng_(seed * 0x9e3779b97f4a7c15ull + 1), seed_(seed) {}

  SynthStats run(uint64_t n) {
    write_header();
    int64_t next_gid_t = 0, next_fault_t = 5'000;
    while (emitted_ < n) {
      while (heap_.empty() || std::min(next_gid_t, next_fault_t) <= heap_.front().t_us) {
        if (next_gid_t <= next_fault_t) {
          gen_transaction(next_gid_t);
          next_gid_t += 200 + static_cast<int64_t>(below(3600));
        } else {
          gen_fault(next_fault_t);
          next_fault_t += 5'000 + static_cast<int64_t>(below(25'000));
        }
      }
      std::pop_heap(heap_.begin(), heap_.end(), later);
      emit(heap_.back());
      heap_.pop_back();
    }
    return finish();
  }

 private:
  uint64_t next() {  // splitmix64: small, seeded, identical everywhere
    uint64_t z = (rng_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return next() % n; }
  bool chance(int percent) { return below(100) < static_cast<uint64_t>(percent); }
  int64_t latency() { return 150 + static_cast<int64_t>(below(900)); }

  static std::string svc(int i) { return "svc-" + std::to_string(i); }
  static std::string db(int i) { return svc(i) + ".db"; }

  void add(int64_t t, const std::string& node, const char* kind, const std::string& gid,
           uint64_t msg = 0, const std::string& peer = {}, Json detail = nullptr,
           uint32_t evidence = kNoSlot) {
    OrderedJson b = {{"node", node}, {"kind", kind}};
    if (!gid.empty()) b["gid"] = gid;
    if (msg) b["msg"] = msg;
    if (!peer.empty()) b["peer"] = peer;
    if (!detail.is_null()) b["detail"] = std::move(detail);
    heap_.push_back(Pending{t, seq_++, std::move(b), evidence});
    std::push_heap(heap_.begin(), heap_.end(), later);
  }

  // A message from a to b: send, then deliver (or drop, or deliver twice). Returns arrival time.
  int64_t message(int64_t t, const std::string& a, const std::string& b, const std::string& gid,
                  const char* type, bool& lost) {
    uint64_t m = ++msg_;
    Json d = {{"type", type}};
    add(t, a, "send", gid, m, b, d);
    int64_t at = t + latency();
    lost = chance(4);
    if (lost) {
      add(at, b, "drop", gid, m, a, {{"reason", "link_drop"}});
      return at;
    }
    add(at, b, "deliver", gid, m, a, d);
    if (chance(3)) {
      add(at + 1, b, "duplicate", gid, m, a);
      add(at + 1 + latency(), b, "deliver", gid, m, a, d);
    }
    return at;
  }

  // Calls a with retries until a request gets through; returns when the callee has it.
  int64_t call(int64_t t, const std::string& a, const std::string& b, const std::string& gid,
               const char* type) {
    for (int attempt = 1;; ++attempt) {
      bool lost = false;
      int64_t at = message(t, a, b, gid, type, lost);
      if (!lost || attempt == 4) return at;
      uint64_t req = msg_;
      t = at + 2000;
      add(t, a, "timeout", gid, 0, b, {{"request", req}});
      add(t + 1, a, "retry", gid, 0, b, {{"attempt", attempt + 1}});
      t += 2;
    }
  }

  int64_t branch(int64_t t, int s, const std::string& gid, bool two_phase, uint32_t evidence) {
    const Json txd = {{"txn", ++txn_[s]}};
    auto with = [&txd](Json more) {
      more.update(txd);
      return more;
    };
    add(t, "coord", "branch_call", gid, 0, svc(s), {{"branch", svc(s)}, {"op", "try"}});
    t = call(t + 5, "coord", svc(s), gid, "try");
    add(t += 20, db(s), "db_begin", gid, 0, {}, txd);
    if (chance(10))
      add(t += 50 + static_cast<int64_t>(below(2000)), db(s), "db_lock_wait", gid, 0, {}, txd);
    uint64_t amount = 1 + below(500);
    std::string account = "acct-" + std::to_string(below(1000));
    add(t += 30 + static_cast<int64_t>(below(300)), db(s), "db_exec", gid, 0, {},
        with({{"sql", "UPDATE accounts SET balance = balance - ? WHERE id = ?"},
              {"params", Json::array({amount, account})},
              {"rows", 1}}));
    add(t += 30, db(s), "db_exec", gid, 0, {},
        with({{"sql", "INSERT INTO outbox (gid, payload) VALUES (?, ?)"},
              {"params", Json::array({gid, "{}"})},
              {"rows", 1}}));
    if (two_phase) add(t += 40, db(s), "db_prepare", gid, 0, {}, txd);
    if (two_phase && unresolved_left_ > 0 && chance(50)) {
      --unresolved_left_;  // a participant left in doubt: its span stays open to the end
      return t;
    }
    t += 50 + static_cast<int64_t>(below(400));
    if (chance(8))
      add(t, db(s), "db_rollback", gid, 0, {}, with({{"reason", "insufficient_funds"}}));
    else
      add(t, db(s), "db_commit", gid, 0, {}, txd, evidence);
    bool lost = false;
    return message(t + 10, svc(s), "coord", gid, "reply", lost);
  }

  void gen_transaction(int64_t t) {
    std::string gid = "g";  // not "g" + to_string(): GCC 12 -Wrestrict false positive
    gid += std::to_string(++gid_);
    uint32_t evidence = kNoSlot;
    if (gid_ == 1 || (gid_ % 150 == 0 && violations_.size() < 20)) {
      evidence = static_cast<uint32_t>(violations_.size());
      violations_.push_back({gid, {}});
    }
    bool two_phase = chance(50);
    t = call(t, "client", "coord", gid, "transfer");
    add(t += 5, "coord", "gtx", gid, 0, {}, {{"state", "started"}}, evidence);
    int a = static_cast<int>(below(kServices)),
        b = (a + 1 + static_cast<int>(below(kServices - 1))) % kServices;
    int64_t end = std::max(branch(t + 10, a, gid, two_phase, evidence),
                           branch(t + 15, b, gid, two_phase, kNoSlot));
    if (chance(30)) end = broker_path(end, b, gid);
    add(end += 10, "coord", "gtx", gid, 0, {}, {{"state", "committed"}});
    add(end += 5, "coord", "effect", gid, 0, {}, {{"op", "transfer"}, {"amount", below(500)}},
        evidence);
    bool lost = false;
    message(end + 5, "coord", "client", gid, "result", lost);
  }

  int64_t broker_path(int64_t t, int s, const std::string& gid) {
    bool lost = false;
    bool half = chance(30);
    t = message(t, svc(s), "mq", gid, half ? "half" : "publish", lost);
    const Json q = {{"queue", "transfers"}};
    add(t += 5, "mq", half ? "broker_half" : "broker_publish", gid, 0, {}, q);
    if (half) {
      add(t += 3000, "mq", "checkback", gid, 0, svc(s),
          {{"queue", "transfers"}, {"answer", "commit"}});
      add(t += 200, "mq", "broker_commit", gid, 0, {}, q);
    }
    add(t += 10, "mq", "broker_deliver", gid, 0, "relay", q);
    t = message(t + 1, "mq", "relay", gid, "event", lost);
    if (chance(5)) add(t += 500, "mq", "broker_redeliver", gid, 0, "relay", q);
    add(t += 20, "relay", "broker_ack", gid, 0, "mq", q);
    return t;
  }

  void gen_fault(int64_t t) {
    int s = static_cast<int>(below(kServices));
    int64_t dur = 5'000 + static_cast<int64_t>(below(55'000));
    // Every kind once early so even small traces show them all; then at random.
    uint64_t kind = faults_ < 7 ? faults_ : below(7);
    ++faults_;
    if (kind <= 3) {  // one window of each kind per service at a time, as a real run would
      int64_t& busy = busy_until_[kind][s];
      if (busy > t)
        kind = 5;
      else
        busy = t + dur + 1;
    }
    switch (kind) {
      case 0:
        add(t, svc(s), "crash", {});
        add(t + dur, svc(s), "restart", {});
        break;
      case 1:
        add(t, db(s), "pause", {});
        add(t + dur / 4, db(s), "resume", {});
        break;
      case 2: {
        std::string name = "p";  // not "p" + to_string(): GCC 12 -Wrestrict false positive
        name += std::to_string(++partitions_);
        add(t, "coord", "partition", {}, 0, {},
            {{"name", name},
             {"cut", Json::array({Json::array({svc(s), "coord"}), Json::array({svc(s), "mq"})})}});
        add(t + dur, "coord", "heal", {}, 0, {}, {{"name", name}});
        break;
      }
      case 3:
        add(t, "coord", "clog", {}, 0, svc(s));
        add(t + dur / 2, "coord", "unclog", {}, 0, svc(s));
        break;
      case 4:
        add(t, "coord", "fault", {}, 0, {}, {{"fault", "drop_rate"}, {"value", 0.05}});
        break;
      case 5:
        add(t, svc(s), "note", {}, 0, {}, {{"text", "cache warmed"}});
        break;
      default:
        add(t, svc(s), "probe_sample", {}, 0, {}, {{"value", below(100)}});
    }
  }

  void write_header() {
    // Node objects keep the trace's order (name, role, group); the header's keys ascend.
    OrderedJson nodes = OrderedJson::array();
    auto node = [&nodes](const std::string& name, const char* role, const std::string& group) {
      nodes.push_back({{"name", name}, {"role", role}, {"group", group}});
    };
    node("client", "client", "clients");
    for (const char* infra : {"coord", "mq", "relay"})
      node(infra,
           infra == std::string("coord") ? "coordinator"
           : infra == std::string("mq")  ? "broker"
                                         : "relay",
           "infra");
    for (int s = 0; s < kServices; ++s) {
      node(svc(s), "service", svc(s));
      node(db(s), "database", svc(s));
    }
    OrderedJson header = {{"build", "dtxview_gentrace"},
                          {"format", "dtxsim-trace"},
                          {"nodes", nodes},
                          {"pattern", "mixed"},
                          {"scenario", "synthetic"},
                          {"seed", seed_},
                          {"variant", "synthetic"},
                          {"version", 1}};
    line(header.dump(), true);
  }

  void emit(const Pending& p) {
    uint64_t id = emitted_++;
    if (p.evidence != kNoSlot) violations_[p.evidence].ids.push_back(id);
    last_t_ = p.t_us;
    OrderedJson e = {{"id", id}, {"t", p.t_us}};
    e.update(p.body);
    line(e.dump(), true);
  }

  void line(const std::string& s, bool hashed) {
    buf_ += s;
    buf_ += '\n';
    if (hashed) hash_ = trace_hash_line(hash_, s);
    if (buf_.size() > (1u << 20)) flush();
  }

  void flush() {
    out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    buf_.clear();
  }

  SynthStats finish() {
    SynthStats st;
    for (const auto& v : violations_) {
      if (v.ids.empty()) continue;
      Json violation = {{"events", v.ids},
                        {"gid", v.gid},
                        {"invariant", "no_lost_update"},
                        {"kind", "violation"},
                        {"message", "balance of " + v.gid + " changed twice (synthetic)"}};
      line(violation.dump(), false);
      ++st.violations;
    }
    char hex[20];
    std::snprintf(hex, sizeof hex, "%016" PRIx64, hash_);
    st.events = emitted_;
    st.t_end_us = last_t_ + 1000;
    Json end = {{"events", emitted_}, {"kind", "end"}, {"t_end", st.t_end_us}, {"trace_hash", hex}};
    line(end.dump(), false);
    flush();
    return st;
  }

  struct PendingViolation {
    std::string gid;
    std::vector<uint64_t> ids;
  };

  std::ostream& out_;
  uint64_t rng_;
  uint64_t seed_;
  std::vector<Pending> heap_;
  std::vector<PendingViolation> violations_;
  std::array<uint64_t, kServices> txn_{};
  std::string buf_;
  std::array<std::array<int64_t, kServices>, 4> busy_until_{};
  uint64_t faults_ = 0;
  uint64_t seq_ = 0, emitted_ = 0, msg_ = 0, gid_ = 0, partitions_ = 0;
  uint64_t hash_ = kTraceHashSeed;
  int64_t last_t_ = 0;
  int unresolved_left_ = 1;
};

}  // namespace

SynthStats write_synthetic_trace(std::ostream& out, uint64_t n_events, uint64_t seed) {
  return Synth(out, seed).run(n_events);
}

}  // namespace dtxview
