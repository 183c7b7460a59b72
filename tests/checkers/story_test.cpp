// Stories: a transaction's causal chain from a small hand-made history, with the decisive step
// picked by its kind, and findings split by cause.
#include <catch2/catch.hpp>
#include <deque>

#include "sim/check/findings.hpp"
#include "sim/check/story.hpp"

using namespace dtx;

namespace {

struct Log {
  std::deque<Event> events;  // stable addresses
  Event& add(TimeUs t, std::string node, Kind kind, std::string gid, Json detail = nullptr,
             uint64_t msg = 0, std::string peer = "") {
    Event& e = events.emplace_back();
    e.id = events.size() - 1;
    e.t_us = t;
    e.node = std::move(node);
    e.kind = kind;
    e.gid = std::move(gid);
    e.msg = msg;
    e.peer = std::move(peer);
    if (!detail.is_null()) e.detail = Detail(std::move(detail));
    return e;
  }
  std::vector<const Event*> pointers() const {
    std::vector<const Event*> out;
    for (const auto& e : events) out.push_back(&e);
    return out;
  }
};

// g1 writes outbox row 5 in txn 1; a relay poll whose range already starts past it runs after
// the commit; the effect is the evidence.
void outbox_row_skipped(Log& h, const std::string& gid, int64_t row, TimeUs t) {
  std::string txn = std::to_string(row);
  h.add(t, "a.db", Kind::db_begin, gid, {{"owner", "a"}, {"txn", row}});
  h.add(t + 1, "a.db", Kind::db_exec, gid,
        {{"sql", "INSERT INTO outbox(id, gid) VALUES(?, ?)"},
         {"params", {row, gid}},
         {"rows", 1},
         {"txn", row}});
  h.add(t + 2, "a.db", Kind::db_commit, gid, {{"txn", row}});
  h.add(t + 2, "a.db", Kind::effect, gid, {{"op", "action"}, {"branch", "debit"}, {"money", -5}});
  h.add(t + 3, "a.db", Kind::db_begin, "", {{"owner", "a.relay"}, {"txn", row + 100}});
  h.add(t + 4, "a.db", Kind::db_exec, "",
        {{"sql", "SELECT id FROM outbox WHERE id > ? LIMIT ?"},
         {"params", {row + 2, 100}},
         {"rows", 0},
         {"txn", row + 100}});
}

}  // namespace

TEST_CASE("a poll whose range starts past the transaction's row is its decisive step", "[story]") {
  Log h;
  outbox_row_skipped(h, "g1", 5, 1000);
  std::vector<Violation> v = {{"no_lost", "g1", "credit never applied", {3}}};
  Storyteller teller(h.pointers());
  Story s = teller.tell("g1", v);
  REQUIRE(s.decisive < s.steps.size());
  CHECK(s.cause_kind == "scan_past_row");
  CHECK(s.steps[s.decisive].id == 5);
  CHECK(s.steps[s.decisive].text.find("past row 5 of outbox") != std::string::npos);
  CHECK(s.cause.find("a.relay reads outbox") != std::string::npos);
  CHECK(s.signature() == "no_lost|scan_past_row");
  // The effect is marked as the evidence the violation named.
  bool evidence = false;
  for (const auto& st : s.steps) evidence |= st.id == 3 && st.mark == StepMark::evidence;
  CHECK(evidence);
  CHECK(story_text(s, 40).find("DECISIVE") != std::string::npos);
}

TEST_CASE("a lost message outranks a fault in the same story; faults are marked", "[story]") {
  Log h;
  h.add(100, "a", Kind::crash, "");
  h.add(200, "a", Kind::send, "g2", {{"type", "mq.publish"}}, 7, "mq");
  h.add(300, "mq", Kind::drop, "g2", nullptr, 7, "a");
  h.add(400, "a.db", Kind::effect, "g2", {{"op", "action"}, {"branch", "debit"}, {"money", -1}});
  std::vector<Violation> v = {{"no_lost", "g2", "credit never applied", {3}}};
  Storyteller teller(h.pointers());
  Story s = teller.tell("g2", v);
  REQUIRE(s.steps.size() == 4);
  CHECK(s.steps[0].mark == StepMark::fault);
  CHECK(s.fault_kinds == std::vector<std::string>{"crash"});
  CHECK(s.cause_kind == "lost:mq.publish");
  CHECK(s.steps[s.decisive].kind == Kind::drop);
  CHECK(s.steps[s.decisive].text == "mq.publish from a is LOST on its way here");
}

TEST_CASE("a transaction with no linked events has an empty story", "[story]") {
  Log h;
  h.add(1, "a", Kind::note, "other", {{"text", "x"}});
  Storyteller teller(h.pointers());
  CHECK(teller.tell("nope", {}).empty());
}

TEST_CASE("findings with one shape split by cause, and keep their example's story",
          "[story][findings]") {
  Log h;
  outbox_row_skipped(h, "g1", 5, 1000);
  h.add(3000, "a", Kind::send, "g2", {{"type", "mq.publish"}}, 7, "mq");
  h.add(3100, "mq", Kind::drop, "g2", nullptr, 7, "a");
  outbox_row_skipped(h, "g3", 9, 5000);
  std::vector<Violation> v = {{"no_lost", "g1", "credit never applied", {3}},
                              {"no_lost", "g2", "credit never applied", {}},
                              {"no_lost", "g3", "credit never applied", {}}};
  Storyteller teller(h.pointers());
  std::vector<Finding> f = group_findings(v, &teller);
  REQUIRE(f.size() == 2);
  CHECK(f[0].gids == std::vector<std::string>{"g1", "g3"});
  CHECK(f[0].story.cause_kind == "scan_past_row");
  CHECK(f[1].gids == std::vector<std::string>{"g2"});
  CHECK(f[1].story.cause_kind == "lost:mq.publish");
  Json j = f[0].to_json(v, 1);
  CHECK(j["n"] == 1);
  CHECK(j["count"] == 2);
  CHECK(j["signature"] == "no_lost|scan_past_row");
  CHECK(j["steps"].is_array());
  CHECK(group_findings(v).size() == 1);  // without a history: by shape only
}
