// Findings group violations by the transactions' signatures: the same invariants broken with
// the same kind of evidence are one finding, whatever the numbers in the messages.
#include <catch2/catch.hpp>

#include "sim/check/findings.hpp"

using namespace dtx;

namespace {
Violation v(const std::string& inv, const std::string& gid, const std::string& msg) {
  return Violation{inv, gid, msg, {1}};
}
}  // namespace

TEST_CASE("a message's shape drops its numbers", "[findings]") {
  CHECK(message_shape("money changed by -41 in this transaction's effects") ==
        "money changed by N in this transaction's effects");
  CHECK(message_shape("a reservation (amount 12.5) is held") == "a reservation (amount N) is held");
  CHECK(message_shape("g000039 and key-7") == "gN and key-N");
  CHECK(message_shape("no digits here") == "no digits here");
}

TEST_CASE("transactions that break the same invariants the same way are one finding",
          "[findings]") {
  std::vector<Violation> all = {
      v("conservation", "g1", "money changed by -41"),
      v("atomicity", "g1", "partial outcome: debit applied, credit not applied"),
      v("conservation", "g2", "money changed by -7"),
      v("atomicity", "g2", "partial outcome: debit applied, credit not applied"),
      v("exactly_once", "g3", "'credit' applied 2 times"),
      v("conservation", "g4", "money changed by 3"),  // conservation alone: another finding
      v("termination", "", "the run ended with 2 messages in flight"),
  };
  std::vector<Finding> f = group_findings(all);
  REQUIRE(f.size() == 4);
  CHECK(f[0].gids == std::vector<std::string>{"g1", "g2"});
  CHECK(f[0].invariants == std::vector<std::string>{"atomicity", "conservation"});
  CHECK(f[0].violations == std::vector<size_t>{0, 1, 2, 3});
  CHECK(f[0].example_gid == "g1");
  CHECK(f[1].gids == std::vector<std::string>{"g3"});
  CHECK(f[2].gids == std::vector<std::string>{"g4"});
  CHECK(f[3].gids.empty());
  CHECK(f[3].violations == std::vector<size_t>{6});
  Json j = f[0].to_json(all, 1);
  CHECK(j["transactions"] == 2);
  CHECK(j["violations"] == 4);
  CHECK(j["example"].size() == 2);  // g1's two violations
}

TEST_CASE("no violations, no findings", "[findings]") {
  CHECK(group_findings({}).empty());
}
