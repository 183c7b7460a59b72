// Hand-written JSON of business transactions: byte for byte what nlohmann's dump gives, since
// both reach traces and message payloads.
#include <catch2/catch.hpp>

#include "sim/plugin/workload.hpp"

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
  CHECK(Detail::of(t.started_record()).text() == want.dump());
}

namespace {
void same_txn(const BusinessTxn& a, const BusinessTxn& b) {
  CHECK(a.to_text() == b.to_text());
}
}  // namespace

TEST_CASE("a business transaction read from text equals the one read from JSON", "[workload]") {
  for (const auto& t :
       {sample("g000001", "A1"), sample("g-\xc3\xa9t\xc3\xa9", "\x01ctl"), sample("", "")}) {
    std::string text = t.to_text();
    same_txn(BusinessTxn::from_text(text), BusinessTxn::from_json(Json::parse(text)));
    same_txn(BusinessTxn::from_text(text), t);
    // Pretty-printed text and a different key order read the same.
    same_txn(BusinessTxn::from_text(Json::parse(text).dump(2)), t);
  }
  // Optional fields absent; an integer-valued float goes through the JSON reader.
  std::string odd =
      R"({"gid":"g9","branches":[{"name":"debit","service":"a","db":"a.db","key":"K",)"
      R"("delta":5.0}]})";
  BusinessTxn t = BusinessTxn::from_text(odd);
  CHECK(t.gid == "g9");
  CHECK(t.order_key.empty());
  REQUIRE(t.branches.size() == 1);
  CHECK(t.branches[0].delta == 5);
  CHECK_FALSE(t.branches[0].refuse);
  // Malformed payloads are refused as from_json refuses them (an exception, not garbage).
  CHECK_THROWS(BusinessTxn::from_text(R"({"gid":"g1"})"));
  CHECK_THROWS(BusinessTxn::from_text(R"({"gid":"g1","branches":[{"name":"x"}]})"));
  CHECK_THROWS(BusinessTxn::from_text("not json"));
}
