// Hand-written JSON of business transactions: byte for byte what nlohmann's dump gives, since
// both reach traces and message payloads.
#include <catch2/catch.hpp>

#include "patterns/workloads/workload.hpp"

using namespace dtx;

namespace {

BusinessTxn sample(std::string gid, std::string key) {
  BusinessTxn t;
  t.gid = std::move(gid);
  t.order_key = key;
  t.branches.push_back({"debit", "bank-a", "bank-a.db", key, -42, false});
  t.branches.push_back({"credit", "bank \"b\"", "bank-b.db", "B\\7\n", 42, true});
  return t;
}

}  // namespace

TEST_CASE("a business transaction's text is its JSON dump", "[workload]") {
  for (const auto& t :
       {sample("g000001", "A1"), sample("g-\xc3\xa9t\xc3\xa9", "\x01ctl"), sample("", "")}) {
    CHECK(t.to_text() == t.to_json().dump());
    BusinessTxn back = BusinessTxn::from_json(Json::parse(t.to_text()));
    CHECK(back.gid == t.gid);
    CHECK(back.branches.size() == 2);
    CHECK(back.branches[1].refuse);
    CHECK(back.branches[1].key == "B\\7\n");
  }
}

TEST_CASE("the started record lists the branches and the origin", "[workload]") {
  BusinessTxn t = sample("g1", "A1");
  Json want = {{"state", "started"}, {"branches", {"debit", "credit"}}, {"origin", "debit"}};
  CHECK(t.started_detail().text() == want.dump());
}
