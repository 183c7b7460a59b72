// Damaged traces: each kind of damage must produce a LoadIssue naming the line and the problem,
// and the model must still hold everything that could be read.
#include <unistd.h>
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cstdio>

#include "small_trace.hpp"
#include "trace_model.hpp"

using namespace dtxview;
using dtxview_test::assemble;
using dtxview_test::small_trace_lines;

namespace {

// The first issue mentioning `what`, or nullptr.
const LoadIssue* issue_with(const TraceModel& m, const std::string& what) {
  for (const auto& i : m.issues())
    if (i.what.find(what) != std::string::npos) return &i;
  return nullptr;
}

std::string dump_issues(const TraceModel& m) {
  std::string s;
  for (const auto& i : m.issues()) s += "line " + std::to_string(i.line) + ": " + i.what + "\n";
  return s;
}

}  // namespace

TEST_CASE("the viewer's trace hash matches the documented algorithm", "[viz][errors]") {
  // The value TRACE_FORMAT.md's Python snippet gives for these two lines.
  uint64_t h = trace_hash_line(kTraceHashSeed, R"({"format":"dtxsim-trace"})");
  h = trace_hash_line(h, R"({"id":0,"t":15,"node":"bank-a","kind":"note"})");
  CHECK(h == 0x13ef6746ee8161d1ull);
  std::string_view line =
      R"x({"id":12,"t":2739,"node":"bank-a.db","kind":"db_exec","gid":"g000001","detail":)x"
      R"x({"params":[1,"g000001"],"rows":1,"sql":"INSERT INTO outbox(id) VALUES(?)","txn":2}})x";
  CHECK(trace_hash_line(kTraceHashSeed, line) == 0x5b049637e7d51a9bull);
  CHECK(trace_hash_line(kTraceHashSeed, line.substr(0, 96)) == 0x128380474beceedcull);
}

TEST_CASE("a bad JSON line is skipped and reported with its line number", "[viz][errors]") {
  auto lines = small_trace_lines();
  lines[5] = R"({"id":4,"t":170,"node":"bank-a.db","kind":)";  // file line 6
  TraceModel m = TraceModel::load_text(assemble(lines), "bad");
  INFO(dump_issues(m));
  const LoadIssue* i = issue_with(m, "bad JSON");
  REQUIRE(i != nullptr);
  CHECK(i->line == 6);
  CHECK(i->what.find("column") != std::string::npos);
  CHECK(m.readable());
  CHECK(m.events().size() == 26);
  CHECK(issue_with(m, "end line says 27 events, read 26") != nullptr);
  CHECK(m.spans().size() == 3);  // the rest still pairs
}

TEST_CASE("a trace cut mid-line reports the truncated line and the missing end", "[viz][errors]") {
  std::string text = assemble(small_trace_lines(), false);
  text.resize(text.size() - 12);  // inside line 28, the last event
  TraceModel m = TraceModel::load_text(text, "cut");
  INFO(dump_issues(m));
  const LoadIssue* t = issue_with(m, "truncated last line");
  REQUIRE(t != nullptr);
  CHECK(t->line == 28);
  const LoadIssue* e = issue_with(m, "missing end line");
  REQUIRE(e != nullptr);
  CHECK(e->what.find("26 events") != std::string::npos);
  CHECK_FALSE(m.complete());
  CHECK(m.events().size() == 26);
}

TEST_CASE("a trace without its end line is known to be truncated", "[viz][errors]") {
  TraceModel m = TraceModel::load_text(assemble(small_trace_lines(), false), "noend");
  INFO(dump_issues(m));
  REQUIRE(m.issues().size() == 1);
  CHECK(m.issues()[0].line == 29);
  CHECK(m.issues()[0].what.find("missing end line") != std::string::npos);
  CHECK(m.events().size() == 27);
  // Unclosed things end at the last event rather than at the (absent) t_end.
  CHECK(m.t_end_us() == 390);
}

TEST_CASE("a missing header is reported and lanes come from the events", "[viz][errors]") {
  auto lines = small_trace_lines();
  lines.erase(lines.begin());
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  TraceModel m = TraceModel::load_text(text, "nohdr");
  INFO(dump_issues(m));
  const LoadIssue* h = issue_with(m, "missing header");
  REQUIRE(h != nullptr);
  CHECK(h->line == 1);
  CHECK(m.readable());
  CHECK_FALSE(m.header().present);
  CHECK(m.events().size() == 27);
  CHECK(m.nodes().size() == 5);
  CHECK_FALSE(m.nodes()[0].declared);
}

TEST_CASE("a garbage first line is both bad JSON and a missing header", "[viz][errors]") {
  auto lines = small_trace_lines();
  lines[0] = "PK\x03\x04 not a trace";
  TraceModel m = TraceModel::load_text(assemble(lines), "zip");
  INFO(dump_issues(m));
  CHECK(issue_with(m, "bad JSON") != nullptr);
  CHECK(issue_with(m, "missing header") != nullptr);
  CHECK(m.events().size() == 27);
}

TEST_CASE("events missing required fields are skipped with the field named", "[viz][errors]") {
  auto lines = small_trace_lines();
  lines[3] = R"({"id":2,"t":150,"kind":"deliver","gid":"g1","msg":1,"peer":"coord"})";
  lines[4] = R"({"id":3,"t":"160","node":"bank-a.db","kind":"db_begin","detail":{"txn":1}})";
  TraceModel m = TraceModel::load_text(assemble(lines), "fields");
  INFO(dump_issues(m));
  const LoadIssue* n = issue_with(m, "missing 'node'");
  REQUIRE(n != nullptr);
  CHECK(n->line == 4);
  const LoadIssue* t = issue_with(m, "is a string");
  REQUIRE(t != nullptr);
  CHECK(t->line == 5);
  CHECK(m.events().size() == 25);
}

TEST_CASE("hash, ordering, unknown nodes and dangling evidence are flagged", "[viz][errors]") {
  SECTION("an edited event breaks trace_hash") {
    std::string text = dtxview_test::small_trace();
    auto at = text.find("\"alice\"");
    text.replace(at, 7, "\"alicf\"");
    TraceModel m = TraceModel::load_text(text, "edited");
    INFO(dump_issues(m));
    const LoadIssue* h = issue_with(m, "trace_hash mismatch");
    REQUIRE(h != nullptr);
    CHECK(h->line == 30);
  }
  SECTION("time going backwards is reported and events are re-sorted") {
    auto lines = small_trace_lines();
    lines[10] =
        R"({"id":9,"t":105,"node":"bank-b","kind":"drop","gid":"g1","msg":2,"peer":"coord"})";
    TraceModel m = TraceModel::load_text(assemble(lines), "backwards");
    INFO(dump_issues(m));
    const LoadIssue* b = issue_with(m, "time goes backwards");
    REQUIRE(b != nullptr);
    CHECK(b->line == 11);
    CHECK(m.event(1).id == 9);
    CHECK(m.event_by_id(9) == 1);
    for (size_t i = 1; i < m.events().size(); ++i) CHECK(m.event(i - 1).t_us <= m.event(i).t_us);
  }
  SECTION("a node missing from the header gets its own lane") {
    auto lines = small_trace_lines();
    lines[26] = R"({"id":25,"t":380,"node":"ghost","kind":"note"})";
    TraceModel m = TraceModel::load_text(assemble(lines), "ghost");
    const LoadIssue* g = issue_with(m, "'ghost' is not in the header");
    REQUIRE(g != nullptr);
    CHECK(g->line == 27);
    CHECK(m.nodes().size() == 6);
    CHECK(m.nodes().back().group == "(undeclared)");
  }
  SECTION("a violation citing unknown ids keeps the ids it can resolve") {
    std::string text = dtxview_test::small_trace();
    auto at = text.find("[21,11]");
    text.replace(at, 7, "[21,999]");
    TraceModel m = TraceModel::load_text(text, "dangling");
    CHECK(issue_with(m, "1 event ids not in the trace") != nullptr);
    REQUIRE(m.violations().size() == 1);
    CHECK(m.violations()[0].events == std::vector<uint32_t>{21});
  }
}

TEST_CASE("unreadable inputs say why and are not readable", "[viz][errors]") {
  TraceModel missing = TraceModel::load_file("/nonexistent/dir/trace.jsonl");
  CHECK_FALSE(missing.readable());
  REQUIRE(missing.issues().size() == 1);
  CHECK(missing.issues()[0].what.find("cannot read '/nonexistent/dir/trace.jsonl'") !=
        std::string::npos);
  TraceModel dir = TraceModel::load_file("/tmp");
  CHECK_FALSE(dir.readable());
  CHECK(dir.issues()[0].what.find("directory") != std::string::npos);
  TraceModel empty = TraceModel::load_text("", "empty");
  CHECK_FALSE(empty.readable());
  CHECK(empty.events().empty());
}

TEST_CASE("an event time of 2^63 or more is skipped, not read as negative", "[viz][errors]") {
  auto lines = small_trace_lines();
  lines[4] =
      R"({"id":3,"t":9223372036854775808,"node":"bank-a.db","kind":"db_begin","detail":{"txn":1}})";
  TraceModel m = TraceModel::load_text(assemble(lines), "huge-time");
  INFO(dump_issues(m));
  const LoadIssue* t = issue_with(m, "2^63 or more");
  REQUIRE(t != nullptr);
  CHECK(t->line == 5);
  CHECK(m.events().size() == 26);  // the other 26 of 27
  for (const auto& e : m.events()) CHECK(e.t_us >= 0);
}

TEST_CASE("a line nested 60,000 levels deep is skipped, not parsed into a document",
          "[viz][errors]") {
  auto lines = small_trace_lines();
  lines[0] = "{\"format\":\"dtxsim-trace\",\"version\":" + std::string(60000, '[') +
             std::string(60000, ']') + "}";
  TraceModel m = TraceModel::load_text(assemble(lines), "deep");
  INFO(dump_issues(m));
  const LoadIssue* d = issue_with(m, "nested deeper than 64 levels");
  REQUIRE(d != nullptr);
  CHECK(d->line == 1);
  CHECK(m.events().size() == 27);
}

TEST_CASE("a gzip-compressed trace loads as the plain one, a cut-off one up to the cut",
          "[viz][errors]") {
  std::string text = assemble(small_trace_lines());
  std::string plain_path = "/tmp/dtxview_test_plain.jsonl", gz_path = "/tmp/dtxview_test.jsonl.gz";
  {
    std::FILE* f = std::fopen(plain_path.c_str(), "wb");
    REQUIRE(f);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
    gzFile z = gzopen(gz_path.c_str(), "wb");
    REQUIRE(z);
    gzwrite(z, text.data(), static_cast<unsigned>(text.size()));
    gzclose(z);
  }
  TraceModel plain = TraceModel::load_file(plain_path);
  TraceModel gz = TraceModel::load_file(gz_path);
  INFO(dump_issues(gz));
  CHECK(gz.issues().empty());
  REQUIRE(gz.events().size() == plain.events().size());
  CHECK(gz.events().size() > 3);
  // The compressed file cut in half: what it holds loads, and the damage is reported.
  std::FILE* f = std::fopen(gz_path.c_str(), "rb+");
  REQUIRE(f);
  std::fseek(f, 0, SEEK_END);
  long size = std::ftell(f);
  std::fclose(f);
  REQUIRE(truncate(gz_path.c_str(), size / 2) == 0);
  TraceModel cut = TraceModel::load_file(gz_path);
  CHECK(cut.events().size() < plain.events().size());
  CHECK_FALSE(cut.issues().empty());
  std::remove(plain_path.c_str());
  std::remove(gz_path.c_str());
}

TEST_CASE("a filtered trace (its end line says so) is not reported as damaged", "[viz][errors]") {
  // The whole trace, then without the send and delivery of message 1 (ids 1 and 2), as run
  // --trace-gids would leave them out.
  auto cut = [](bool mark) {
    std::string full = assemble(small_trace_lines()), out;
    size_t at = 0;
    for (int n = 0; at < full.size(); ++n) {
      size_t end = full.find('\n', at);
      std::string line = full.substr(at, end - at);
      at = end + 1;
      if (n == 2 || n == 3) continue;
      if (mark && line.find("\"kind\":\"end\"") != std::string::npos)
        line.insert(line.size() - 1, ",\"filter\":{\"gids\":[\"g1\"]},\"written\":24");
      out += line + "\n";
    }
    return out;
  };
  TraceModel m = TraceModel::load_text(cut(true), "filtered");
  INFO(dump_issues(m));
  CHECK(m.issues().empty());
  CHECK(m.events().size() + 2 == small_trace_lines().size() - 1);
  // The same cut without the mark is damage.
  CHECK_FALSE(TraceModel::load_text(cut(false), "cut").issues().empty());
}
