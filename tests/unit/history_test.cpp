// The history and its trace file: same seed => byte-identical trace and hash, another seed
// => another hash; the header comes first with format/version, ids are dense, the end
// trailer closes the file, and the hash covers exactly the header and event lines.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <charconv>
#include <climits>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/kernel/json_writer.hpp"
#include "sim/kernel/random.hpp"
#include "sim/world/context.hpp"
#include "sim/world/world.hpp"

using namespace dtx;

namespace {

struct TraceRun {
  std::string bytes;
  uint64_t hash = 0;
  size_t events = 0;
};

std::string temp_path(const std::string& tag) {
  auto dir = std::filesystem::temp_directory_path();
  return (dir / ("dtxsim-unit-" + std::to_string(::getpid()) + "-" + tag + ".jsonl")).string();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string line; std::getline(ss, line);) out.push_back(line);
  return out;
}

// A node that pings random peers over a lossy network, so the seed shapes the trace.
Task<void> pinger(Context ctx, int rounds) {
  std::vector<std::string> peers = {"b", "c"};
  for (int i = 0; i < rounds; ++i) {
    Message m;
    m.type = "ping";
    m.body = Json{{"n", i}};
    std::string to = ctx.rng().choice(peers);
    co_await ctx.call(to, std::move(m), 50 * kUsPerMs);
    co_await ctx.sleep(ctx.rng().exponential(5 * kUsPerMs));
  }
}

void build_small_world(World& w) {
  LinkModel lossy;
  lossy.drop = 0.1;
  lossy.duplicate = 0.05;
  w.net().set_default_model(lossy);
  Node& a = w.add_node("a", "client");
  for (const char* name : {"b", "c"}) {
    Node& n = w.add_node(name, "service", "svc");
    n.handle("ping", [](Message m) -> Task<Body> {
      const Json* j = m.body.as<Json>();
      co_return Json{{"pong", j ? j->value("n", 0) : 0}};
    });
  }
  a.on_start([&w, &a] { Context(w, a).spawn(pinger(Context(w, a), 30)); });
}

TraceRun run_small_world(uint64_t seed, const std::string& tag, std::vector<Json> violations = {}) {
  std::string path = temp_path(tag);
  TraceRun out;
  {
    World w(seed);
    build_small_world(w);
    std::string error;
    REQUIRE(w.history().open_trace(path, error));
    TraceHeader h{"unit-history", "none", "none", seed, build_id(), w.node_infos()};
    w.history().write_header(h);
    w.start();
    w.run_until(2 * kUsPerS);
    w.history().finish(violations, {}, w.now_us());
    out.hash = w.history().trace_hash();
    out.events = w.history().events().size();
  }
  out.bytes = read_file(path);
  std::filesystem::remove(path);
  return out;
}

}  // namespace

TEST_CASE("the same seed gives a byte-identical trace file and hash", "[history]") {
  TraceRun first = run_small_world(11, "same-1");
  TraceRun second = run_small_world(11, "same-2");
  REQUIRE(first.events > 50);  // the world really did something
  REQUIRE(first.bytes == second.bytes);
  REQUIRE(first.hash == second.hash);
}

TEST_CASE("a different seed gives a different trace hash", "[history]") {
  TraceRun a = run_small_world(11, "seed-11");
  TraceRun b = run_small_world(12, "seed-12");
  REQUIRE(a.hash != b.hash);
  REQUIRE(a.bytes != b.bytes);
}

TEST_CASE("the header is the first line and names the format, version, seed and nodes",
          "[history]") {
  auto lines = split_lines(run_small_world(5, "header").bytes);
  REQUIRE(lines.size() > 2);
  const std::string& first = lines.front();
  // Documented key order: format first, then version.
  REQUIRE(first.rfind("{\"format\":\"dtxsim-trace\",\"version\":1,", 0) == 0);
  Json h = Json::parse(first);
  REQUIRE(h["seed"] == 5);
  REQUIRE(h["scenario"] == "unit-history");
  REQUIRE(h["build"] == build_id());
  REQUIRE(h["nodes"].size() == 5);  // three nodes, then the network and world pseudo-nodes
  REQUIRE(h["nodes"][3]["name"] == "network");
  REQUIRE(h["nodes"][0]["name"] == "a");
  REQUIRE(h["nodes"][2]["group"] == "svc");
}

TEST_CASE("event ids are dense from 0 and times never go backwards", "[history]") {
  TraceRun run = run_small_world(6, "dense");
  auto lines = split_lines(run.bytes);
  size_t n_events = lines.size() - 2;  // minus header and end trailer
  REQUIRE(n_events == run.events);
  int64_t last_t = 0;
  for (size_t i = 0; i < n_events; ++i) {
    Json e = Json::parse(lines[i + 1]);
    REQUIRE(e["id"] == i);
    REQUIRE(e.contains("node"));
    REQUIRE(e.contains("kind"));
    REQUIRE(e["t"].get<int64_t>() >= last_t);
    last_t = e["t"];
  }
}

TEST_CASE("every recording path writes the event's id, past each power of ten", "[history]") {
  std::string path = temp_path("ids");
  constexpr int kEvents = 12'345;
  {
    History h;
    std::string error;
    REQUIRE(h.open_trace(path, error));
    for (int i = 0; i < kEvents; ++i) {
      switch (i % 3) {
        case 0:
          h.record(i, "n", Kind::note, "g", Detail::of({{"i", i}}));
          break;
        case 1:
          h.record_fields(i, "n", Kind::note, "g", {{"i", i}});
          break;
        default:
          h.begin_traced(i, "n", Kind::note, "g").append("{}");
          h.end_traced();
      }
    }
    REQUIRE(h.recorded() == static_cast<uint64_t>(kEvents));
    REQUIRE(h.events().size() == static_cast<size_t>(kEvents));
    for (int i = 0; i < kEvents; ++i) REQUIRE(h.events()[i].id == static_cast<uint64_t>(i));
    h.finish({}, {}, kEvents);
  }
  auto lines = split_lines(read_file(path));
  std::filesystem::remove(path);
  REQUIRE(lines.size() == static_cast<size_t>(kEvents) + 1);  // the end trailer
  for (int i = 0; i < kEvents; ++i) {
    Json e = Json::parse(lines[i]);
    REQUIRE(e["id"] == i);
    REQUIRE(e["t"] == i);
  }
}

TEST_CASE("the end trailer closes the file after violation lines and is not hashed", "[history]") {
  Json v = {{"invariant", "no_lost"}, {"gid", "g1"}, {"message", "lost"}, {"events", {1, 2}}};
  TraceRun run = run_small_world(7, "trailer", {v});
  auto lines = split_lines(run.bytes);
  Json end = Json::parse(lines.back());
  REQUIRE(end["kind"] == "end");
  REQUIRE(end["events"] == run.events);
  REQUIRE(end["t_end"] == 2 * kUsPerS);
  Json violation = Json::parse(lines[lines.size() - 2]);
  REQUIRE(violation["kind"] == "violation");
  REQUIRE(violation["invariant"] == "no_lost");

  // The hash covers the header and event lines only.
  uint64_t h = kTraceHashSeed;
  for (size_t i = 0; i + 2 < lines.size(); ++i) h = trace_hash_line(h, lines[i]);
  REQUIRE(h == run.hash);
  char hex[20];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  REQUIRE(end["trace_hash"] == std::string(hex));
}

TEST_CASE("the trace hash matches the value TRACE_FORMAT.md's Python snippet gives", "[history]") {
  // Computed with the documented Python function, independently of this code.
  uint64_t h = trace_hash_line(kTraceHashSeed, R"({"format":"dtxsim-trace"})");
  h = trace_hash_line(h, R"({"id":0,"t":15,"node":"bank-a","kind":"note"})");
  REQUIRE(h == 0x13ef6746ee8161d1ull);
  REQUIRE(trace_hash_line(kTraceHashSeed, "a") == 0x31abfe6a83541ee3ull);
  REQUIRE(trace_hash_line(kTraceHashSeed, std::string_view("a\0", 2)) == 0x43591bb6810125a3ull);
  REQUIRE(trace_hash_line(kTraceHashSeed, "") == 0x2c8d906334ba971full);
  // Longer than one 32-byte block, with a tail: every lane and the tail path.
  std::string_view line =
      R"x({"id":12,"t":2739,"node":"bank-a.db","kind":"db_exec","gid":"g000001","detail":)x"
      R"x({"params":[1,"g000001"],"rows":1,"sql":"INSERT INTO outbox(id) VALUES(?)","txn":2}})x";
  REQUIRE(line.size() == 162);
  REQUIRE(trace_hash_line(kTraceHashSeed, line) == 0x5b049637e7d51a9bull);
  REQUIRE(trace_hash_line(kTraceHashSeed, line.substr(0, 64)) == 0x328c1793c02447e4ull);
  REQUIRE(trace_hash_line(kTraceHashSeed, line.substr(0, 96)) == 0x128380474beceedcull);
  // Every length from 0 to 48 (each size of the zero-padded last word, with and without whole
  // blocks before it), from the same Python function.
  constexpr uint64_t kPrefix[] = {
      0x2c8d906334ba971full, 0x37a5546f102c1619ull, 0x31ff58f2e61e95abull, 0x3ef56037e60bdf31ull,
      0x09c303757b352f13ull, 0xbd7dc34290ab353bull, 0x9a52bedec3b89596ull, 0xc0a90f8e904c8907ull,
      0x70175ca252c2a734ull, 0x01dba35db6d174b5ull, 0xf58afa0d66592d93ull, 0x0bd1a39f0b5ad69eull,
      0xff4d2190eb1509a4ull, 0xb4a9f8429537cf36ull, 0x4ef1618b457fc0a7ull, 0x451c68d8e80ffe59ull,
      0x9a14fea53ffab129ull, 0x50f0b94a8e228f51ull, 0x34d283986ddeb2daull, 0x3b8a98ab8e3e4f00ull,
      0x9eabfc8216b3bf34ull, 0xc5e62af23843b4e7ull, 0x8570a552d325064dull, 0xacc195e4e2a73455ull,
      0x6fcc1a8576f01a0dull, 0x999d2100ede7fe7aull, 0xc978822a7aee38d8ull, 0x373e1ec1a19080c2ull,
      0xc793b4d139a5ddbdull, 0x9ab155b6e31b8c40ull, 0x673a30433a4e19c1ull, 0x3eb21f3cc71d036cull,
      0x03921451343592a4ull, 0xd34b7eb1aaae5174ull, 0xf3f89c94e380bfd8ull, 0xd76800416945a75aull,
      0x9c7a110a71b7eba4ull, 0x94e381b3761587ecull, 0x624db7ee3f30523bull, 0x98beeb0ca4c2b51dull,
      0xab8b7e4dc17a8bb4ull, 0x7717d4e7dc2f442cull, 0x02b8bd25c4b6b394ull, 0xb88f7ad4b49447bfull,
      0xee44721eaba93f51ull, 0x9774d358e304db42ull, 0x1823f13ac1dab5a6ull, 0xe3c9729faa346376ull,
      0xb8239108d72bdc01ull,
  };
  for (size_t n = 0; n < std::size(kPrefix); ++n) {
    INFO("prefix of " << n << " bytes");
    CHECK(trace_hash_line(kTraceHashSeed, line.substr(0, n)) == kPrefix[n]);
  }
}

TEST_CASE("the trace hash does not depend on keeping events in memory or on a file", "[history]") {
  auto record_some = [](History& h) {
    for (int i = 0; i < 20; ++i) {
      std::string node = "n";
      node += std::to_string(i % 3);
      h.record(i * 10, node, Kind::note, "g", Json{{"i", i}});
    }
  };
  History kept, streamed;
  streamed.set_keep_in_memory(false);
  record_some(kept);
  record_some(streamed);
  REQUIRE(kept.trace_hash() == streamed.trace_hash());
  REQUIRE(kept.events().size() == 20);
  REQUIRE(streamed.events().size() <= 1);
  History other;
  record_some(other);
  other.record(999, "x", Kind::note);
  REQUIRE(other.trace_hash() != kept.trace_hash());
}

TEST_CASE("every kind name round-trips and unknown names are refused", "[history]") {
  for (uint16_t i = 0; i <= static_cast<uint16_t>(Kind::note); ++i) {
    Kind k = static_cast<Kind>(i);
    Kind back = Kind::send;
    REQUIRE(kind_from_name(kind_name(k), back));
    REQUIRE(back == k);
  }
  Kind unused;
  REQUIRE_FALSE(kind_from_name("no_such_kind", unused));
  REQUIRE(kind_name(Kind::broker_dlq) == "broker_dlq");
}

TEST_CASE("event lines escape awkward strings and parse back as JSON", "[history]") {
  Event e;
  e.id = 3;
  e.t_us = 42;
  e.node = std::string("we\"ird\\node\n\t") + '\x01';
  e.kind = Kind::deliver;
  e.gid = "g\"1";
  e.msg = 9;
  e.peer = "p";
  e.detail = Json{{"text", "x\ny"}};
  Json j = Json::parse(event_to_line(e));
  REQUIRE(j["node"] == e.node);
  REQUIRE(j["gid"] == e.gid);
  REQUIRE(j["msg"] == 9);
  REQUIRE(j["kind"] == "deliver");
  REQUIRE(j["detail"]["text"] == "x\ny");
  // Optional fields are omitted when they do not apply.
  Event bare;
  Json b = Json::parse(event_to_line(bare));
  REQUIRE_FALSE(b.contains("gid"));
  REQUIRE_FALSE(b.contains("msg"));
  REQUIRE_FALSE(b.contains("peer"));
  REQUIRE_FALSE(b.contains("detail"));
}

TEST_CASE("opening a trace in a missing directory fails with a message naming the path",
          "[history]") {
  History h;
  std::string error;
  std::string path = "/nonexistent-dtxsim-dir/trace.jsonl";
  REQUIRE_FALSE(h.open_trace(path, error));
  REQUIRE(error.find(path) != std::string::npos);
}

TEST_CASE("a chunked log keeps elements in place across chunks and moves out whole", "[history]") {
  Chunked<int, 4> log;
  std::vector<const int*> where;
  for (int i = 0; i < 10; ++i) {
    log.push_back(i);
    where.push_back(&log.back());
  }
  REQUIRE(log.size() == 10);
  for (int i = 0; i < 10; ++i) {
    REQUIRE(log[i] == i);
    REQUIRE(&log[i] == where[i]);  // appending never moved an earlier element
  }
  REQUIRE(std::count_if(log.begin(), log.end(), [](int v) { return v % 2 == 0; }) == 5);
  REQUIRE(log.end() - log.begin() == 10);
  Chunked<int, 4> taken = std::move(log);
  REQUIRE(taken.size() == 10);
  REQUIRE(&taken[7] == where[7]);
  REQUIRE(log.empty());  // NOLINT(bugprone-use-after-move): the moved-from log is empty
  Chunked<int, 4> copy = taken;
  REQUIRE(copy.size() == 10);
  REQUIRE(copy.back() == 9);
  REQUIRE(&copy[3] != &taken[3]);
}

TEST_CASE("a history handed over keeps the events and the history records on", "[history]") {
  History h;
  h.record(1, "n", Kind::note, "g", Detail::of({{"text", "a"}}));
  h.record(2, "n", Kind::note, "g", Json{{"text", "b"}});
  EventLog events = h.take_events();
  REQUIRE(events.size() == 2);
  REQUIRE(events[0].detail["text"] == "a");  // parsed on first use
  REQUIRE(events[1].detail.text() == R"({"text":"b"})");
  REQUIRE(h.events().empty());
  h.record(3, "n", Kind::note);
  REQUIRE(h.events().size() == 1);
  REQUIRE(h.events().back().id == 2);
}

TEST_CASE("a detail's fields read from its text agree with the parsed JSON", "[history]") {
  Json j = {{"branch", "credit"},
            {"money", -22},
            {"big", 9007199254740993LL},
            {"final", true},
            {"nested", {{"branch", "inner"}, {"list", {1, "}", "{\"x\"]"}}}},
            {"names", {"debit", "credit"}},
            {"quoted", "say \"hi\"\n"},
            {"real", 1.5},
            {"empty", ""},
            {"nothing", nullptr}};
  for (const Detail& d : {Detail(j), Detail::from_text(j.dump(2))}) {
    CHECK(d.string_field("branch") == "credit");  // the top-level one, not the nested one
    CHECK(d.integer_field("money") == -22);
    CHECK(d.integer_field("big") == 9007199254740993LL);
    CHECK(d.raw("final") == "true");
    CHECK(Json::parse(d.raw("nested")) == j["nested"]);
    CHECK(Json::parse(d.raw("names")) == j["names"]);
    CHECK(d.string_field("quoted") == "say \"hi\"\n");  // unescaped through the parsed form
    CHECK(d.integer_field("real", 7) == 7);             // not an integer: the fallback
    CHECK(d.string_field("money").empty());             // not a string
    CHECK(d.string_field("empty").empty());
    CHECK(d.contains("empty"));
    CHECK(d.contains("nothing"));
    CHECK_FALSE(d.contains("missing"));
    CHECK(d.integer_field("missing", 3) == 3);
    CHECK_FALSE(d.contains("list"));  // nested keys are not top-level fields
  }
  CHECK_FALSE(Detail().contains("x"));
  CHECK(Detail::from_text("{\"a\":").raw("a").empty());  // truncated text: nothing, no crash
  CHECK(Detail::from_text("[1,2]").raw("a").empty());
}

TEST_CASE("strings are escaped exactly as nlohmann's dump escapes them", "[history]") {
  std::string every;
  for (int c = 1; c < 0x80; ++c) every.push_back(static_cast<char>(c));
  for (const std::string& s :
       {every, std::string(), std::string("plain"), std::string("\"\\\"\\"), every + every}) {
    std::string out = "x";
    append_json_string(out, s);
    CHECK(out == std::string("x").append(Json(s).dump()));
    std::string dumped;
    append_dump_string(dumped, s);
    CHECK(dumped == Json(s).dump());
  }
  std::string nul("a\0b", 3), out;
  append_json_string(out, nul);
  CHECK(out == Json(nul).dump());
}

TEST_CASE("integers are written as std::to_chars writes them", "[history]") {
  auto check_signed = [](int64_t v) {
    char want[24], got[24];
    std::string_view a(want, static_cast<size_t>(std::to_chars(want, want + 24, v).ptr - want));
    std::string_view b(got, static_cast<size_t>(put_number(got, v) - got));
    CHECK(a == b);
  };
  auto check_unsigned = [](uint64_t v) {
    char want[24], got[24];
    std::string_view a(want, static_cast<size_t>(std::to_chars(want, want + 24, v).ptr - want));
    std::string_view b(got, static_cast<size_t>(put_number(got, v) - got));
    CHECK(a == b);
  };
  // Every power of ten and its neighbours (where the digit count changes), the extremes, and
  // a spread of values from a fixed-seed generator.
  uint64_t p = 1;
  for (int k = 0; k < 20; ++k, p *= 10) {
    for (uint64_t v : {p - 1, p, p + 1}) {
      check_unsigned(v);
      check_signed(static_cast<int64_t>(v));
      check_signed(-static_cast<int64_t>(v));
    }
  }
  check_unsigned(UINT64_MAX);
  check_signed(INT64_MAX);
  check_signed(INT64_MIN);
  check_signed(0);
  uint64_t state = 42;
  for (int i = 0; i < 100000; ++i) {
    uint64_t r = splitmix64(state) >> (i % 64);
    check_unsigned(r);
    check_signed(static_cast<int64_t>(r));
  }
}

TEST_CASE("non-ASCII strings are written as nlohmann writes them, within their bound",
          "[history]") {
  // Valid UTF-8 stays as it is; invalid bytes become U+FFFD; control characters are escaped.
  for (std::string s : {std::string("caf\xc3\xa9"), std::string("\xff\xfe\x80"),
                        std::string("\x01\xe2\x82\xac\n\xc3"), std::string(40, '\x9f')}) {
    std::string out(json_string_bound(s), '\0');
    size_t n = static_cast<size_t>(put_dump_string(out.data(), s) - out.data());
    CHECK(n <= json_string_bound(s));
    out.resize(n);
    CHECK(out == Json(s).dump(-1, ' ', false, Json::error_handler_t::replace));
  }
}

TEST_CASE("a line buffer keeps what was written as it grows", "[history]") {
  LineBuffer line;
  std::string want;
  for (int i = 0; i < 2000; ++i) {
    std::string piece = std::to_string(i) + ",";
    char* p = line.room(piece.size() + 100);  // room beyond what is written
    line.set_end(put_text(p, piece));
    want += piece;
  }
  CHECK(line.view() == want);
  line.clear();
  line.append("x");
  CHECK(line.view() == "x");
}

TEST_CASE("the field walker ends strings at the right quote whatever backslashes precede it",
          "[history]") {
  // Values ending in an escaped backslash, holding escaped quotes, and a backslash run of
  // every length before a quote; the field after each must still be found whole.
  std::string_view text =
      R"({"a":"x\\","b":"q\"r\"","c":"\\\"","d":"\\\\","e":"","f":[")]\"",{"g":"}"}],"z":7})";
  CHECK(json_field(text, "a") == R"("x\\")");
  CHECK(json_field(text, "b") == R"("q\"r\"")");
  CHECK(json_field(text, "c") == R"("\\\"")");
  CHECK(json_field(text, "d") == R"("\\\\")");
  CHECK(json_field(text, "e") == R"("")");
  CHECK(json_field(text, "f") == R"([")]\"",{"g":"}"}])");
  CHECK(json_field(text, "z") == "7");
  Json parsed = Json::parse(text);
  std::string out;
  for (const char* key : {"a", "b", "c", "d", "e"}) {
    REQUIRE(json_string_value(json_field(text, key), out));
    CHECK(out == parsed[key].get<std::string>());
  }
  CHECK(json_field(R"({"a":"unterminated\"})", "a").empty());
}

TEST_CASE("several fields are read in one pass as json_field reads them one by one", "[history]") {
  Json j = {{"b", {{"a", 1}}}, {"a", "x\"y"}, {"c", {1, 2, "]"}}, {"d", false}};
  for (const std::string& text : {j.dump(), j.dump(2)}) {
    std::string_view got[4];
    json_fields(text, {"a", "c", "missing", "d"}, got);
    CHECK(got[0] == json_field(text, "a"));
    CHECK(got[1] == json_field(text, "c"));
    CHECK(got[2].empty());
    CHECK(got[3] == "false");
    CHECK(Json::parse(got[1]) == j["c"]);
    CHECK(plain_json_string(got[0]).empty());  // escaped: must be decoded
    std::string decoded;
    CHECK(json_string_value(got[0], decoded));
    CHECK(decoded == "x\"y");
    std::vector<std::string_view> items;
    json_elements(got[1], items);
    REQUIRE(items.size() == 3);
    CHECK(items[2] == "\"]\"");
  }
  CHECK(plain_json_string("\"plain\"") == "plain");
  CHECK(plain_json_string("12").empty());
}

TEST_CASE("a detail from flat fields is what nlohmann's dump writes for the same object",
          "[history]") {
  std::string odd = std::string("caf\xc3\xa9 \"q\"\n") + '\x01' + "\xff";
  Detail d = Detail::of({{"text", odd},
                         {"n", -42},
                         {"big", 18446744073709551615ull},
                         {"yes", true},
                         {"a", std::string_view("plain")}});
  Json j = {
      {"text", odd}, {"n", -42}, {"big", 18446744073709551615ull}, {"yes", true}, {"a", "plain"}};
  CHECK(d.text() == j.dump(-1, ' ', false, Json::error_handler_t::replace));
  CHECK(Detail::of({}).text() == "{}");
}

TEST_CASE("the JSON writer writes what nlohmann's dump writes", "[history]") {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .key("a")
      .begin_array()
      .integer(-3)
      .string("q\"\n\xc3\xa9")
      .boolean(false)
      .begin_object()
      .end_object()
      .end_array()
      .field("b", int64_t{9007199254740993})
      .key("c")
      .raw("{\"x\":[1,2]}")
      .field("d", "")
      .end_object();
  Json want = {{"a", {-3, "q\"\n\xc3\xa9", false, Json::object()}},
               {"b", int64_t{9007199254740993}},
               {"c", {{"x", {1, 2}}}},
               {"d", ""}};
  CHECK(out == want.dump());
  std::string empty;
  JsonWriter(empty).begin_array().end_array();
  CHECK(empty == "[]");
}

TEST_CASE("a check-back's question and answer are distinct records, read back from a trace",
          "[history]") {
  Detail q = Detail::of(CheckbackRecord::question(2, 7));
  Detail a = Detail::of(CheckbackRecord::answered("ONGOING"));
  CHECK(q.text() == R"({"check":2,"id":7})");
  CHECK(a.text() == R"({"answer":"ONGOING"})");
  REQUIRE(q.checkback());
  CHECK_FALSE(q.checkback()->is_answer());
  CHECK(q.checkback()->check == 2);
  CHECK(q.effect() == nullptr);
  // A trace reader rebuilds the record from the text, for check-back events only.
  Detail back = Detail::read(Kind::checkback, Json::parse(a.text()));
  REQUIRE(back.checkback());
  CHECK(back.checkback()->is_answer());
  CHECK(back.checkback()->answer == "ONGOING");
  CHECK(back.text() == a.text());
  CHECK(Detail::read(Kind::note, Json::parse(a.text())).checkback() == nullptr);
  CHECK(Detail::read(Kind::checkback, Json::parse(R"({"text":"x"})")).checkback() == nullptr);
}

TEST_CASE("a local transaction's event keeps its id typed and writes it into the detail",
          "[history]") {
  History h;
  h.record_txn(10, "a.db", Kind::db_begin, "g1", LocalTxn::of(7), {{"owner", "a"}});
  h.record_txn(20, "a.db", Kind::db_lock_wait, "g2", LocalTxn::waiting(8, 0));
  h.record_txn(30, "a.db", Kind::db_rollback, "g2", LocalTxn::of(8), {{"reason", "timeout"}});
  const EventLog& ev = h.events();
  REQUIRE(ev.size() == 3);
  CHECK(ev[0].detail.text() == R"({"owner":"a","txn":7})");
  CHECK(ev[0].local.id == 7);
  CHECK_FALSE(ev[0].local.holder);
  CHECK(ev[1].detail.text() == R"({"holder":0,"txn":8})");  // 0: a batch writer holds it
  REQUIRE(ev[1].local.holder);
  CHECK(*ev[1].local.holder == 0);
  CHECK(ev[2].detail.text() == R"({"reason":"timeout","txn":8})");
  CHECK(
      event_to_line(ev[2]) ==
      R"({"id":2,"t":30,"node":"a.db","kind":"db_rollback","gid":"g2","detail":{"reason":"timeout","txn":8}})");
}
