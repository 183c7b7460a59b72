// The tidy check: sim/ and patterns/ (app/ is not scanned: sweeps may use threads) must not use
// the wall clock, unseeded or library-dependent randomness, threads, or the standard unordered
// containers (whose iteration order could reach the history: LookupMap, which cannot be
// iterated, is the one hash map, in sim/kernel/lookup_map.hpp), and no function there is
// longer than kMaxFunctionLines. A failure lists file:line of every
// hit. Line comments are ignored.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Banned {
  const char* name;
  std::regex pattern;
};

// Identifier chars, '.', and "->" before a call mean a member or a longer name, not the C call.
const char* const kNotAfter = "(^|[^A-Za-z0-9_.>])";

const std::vector<Banned>& banned() {
  static const std::vector<Banned> list = {
      {"system_clock", std::regex(R"(\bsystem_clock\b)")},
      {"steady_clock", std::regex(R"(\bsteady_clock\b)")},
      {"high_resolution_clock", std::regex(R"(\bhigh_resolution_clock\b)")},
      {"time(", std::regex(std::string(kNotAfter) + R"(time\s*\()")},
      {"rand(", std::regex(std::string(kNotAfter) + R"(rand\s*\()")},
      {"srand(", std::regex(std::string(kNotAfter) + R"(srand\s*\()")},
      {"random_device", std::regex(R"(\brandom_device\b)")},
      {"uniform_int_distribution", std::regex(R"(\buniform_int_distribution\b)")},
      {"uniform_real_distribution", std::regex(R"(\buniform_real_distribution\b)")},
      {"exponential_distribution", std::regex(R"(\bexponential_distribution\b)")},
      {"mt19937", std::regex(R"(\bmt19937(_64)?\b)")},
      {"std::thread", std::regex(R"(\bstd::(thread|jthread)\b)")},
      {"std::async", std::regex(R"(\bstd::async\b)")},
      {"unordered_map", std::regex(R"(\bunordered_(multi)?map\b)")},
      {"unordered_set", std::regex(R"(\bunordered_(multi)?set\b)")},
  };
  return list;
}

// Drops a trailing // comment (outside string literals).
std::string strip_line_comment(const std::string& line) {
  bool in_string = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (in_string && c == '\\') {
      ++i;
    } else if (c == '"') {
      in_string = !in_string;
    } else if (!in_string && c == '/' && i + 1 < line.size() && line[i + 1] == '/') {
      return line.substr(0, i);
    }
  }
  return line;
}

// Names of the banned patterns this line uses.
std::vector<std::string> banned_in(const std::string& line) {
  std::vector<std::string> out;
  std::string code = strip_line_comment(line);
  for (const auto& b : banned()) {
    if (std::regex_search(code, b.pattern)) out.push_back(b.name);
  }
  return out;
}

bool is_source(const fs::path& p) {
  return p.extension() == ".cpp" || p.extension() == ".hpp";
}

// "file:line: name" for every hit under root/dir, in a stable (sorted) order.
std::vector<std::string> scan(const fs::path& root, const std::string& dir, size_t* files_seen) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root / dir)) {
    if (e.is_regular_file() && is_source(e.path())) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> hits;
  for (const auto& f : files) {
    std::ifstream in(f);
    std::string line;
    // LookupMap wraps the one unordered_map; everything else goes through it.
    bool lookup_map = fs::relative(f, root).generic_string() == "sim/kernel/lookup_map.hpp";
    for (int n = 1; std::getline(in, line); ++n) {
      for (const auto& name : banned_in(line)) {
        if (lookup_map && name.rfind("unordered_", 0) == 0) continue;
        hits.push_back(fs::relative(f, root).generic_string() + ":" + std::to_string(n) + ": " +
                       name);
      }
    }
  }
  *files_seen += files.size();
  return hits;
}

// Functions longer than this are split (TigerBeetle's limit): a function should fit a screen.
constexpr size_t kMaxFunctionLines = 70;

// Does `line` open a function body? It ends with '{' and has a parameter list, and is not a
// control statement, a type, a namespace, or a lambda (which belongs to its function).
bool opens_function(const std::string& raw) {
  static const std::regex control(
      R"(^\s*(\}\s*)?(if|for|while|switch|else|do|try|catch|namespace|class|struct|enum|union|return|case|default)\b)");
  static const std::regex lambda(R"(\[[^\]]*\]\s*(\([^)]*\))?\s*(mutable\s*)?(->[^{]*)?\{\s*$)");
  std::string line = strip_line_comment(raw);
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
  if (line.empty() || line.back() != '{' || line.find('(') == std::string::npos) return false;
  if (std::regex_search(line, control) || std::regex_search(line, lambda)) return false;
  std::string head = line.substr(0, line.find('('));
  return head.find('=') == std::string::npos && head.find('[') == std::string::npos;
}

// Braces of one line, outside string and character literals.
int brace_balance(const std::string& raw) {
  std::string line = strip_line_comment(raw);
  int depth = 0;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote) {
      if (c == '\\')
        ++i;
      else if (c == quote)
        quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}') {
      --depth;
    }
  }
  return depth;
}

// "file:line: N lines" for every function longer than the limit, in a stable order.
std::vector<std::string> long_functions(const fs::path& root, const std::string& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root / dir))
    if (e.is_regular_file() && is_source(e.path())) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<std::string> out;
  for (const auto& f : files) {
    std::ifstream in(f);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    for (size_t i = 0; i < lines.size(); ++i) {
      if (!opens_function(lines[i])) continue;
      size_t j = i;
      for (int depth = 0; j < lines.size(); ++j) {
        depth += brace_balance(lines[j]);
        if (depth <= 0) break;
      }
      size_t n = j - i + 1;
      if (n > kMaxFunctionLines)
        out.push_back(fs::relative(f, root).generic_string() + ":" + std::to_string(i + 1) + ": " +
                      std::to_string(n) + " lines");
      i = j;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("the function finder sees definitions and skips statements and lambdas", "[tidy]") {
  CHECK(opens_function("void Database::execute(const OpPtr& op) {"));
  CHECK(opens_function("  Task<void> poll_loop() {"));
  CHECK(opens_function("Json Metrics::to_json() const {"));
  CHECK_FALSE(opens_function("  if (x) {"));
  CHECK_FALSE(opens_function("  } else if (y) {"));
  CHECK_FALSE(opens_function("  auto f = [&](int a) {"));
  CHECK_FALSE(opens_function("  c.handle(\"t\", [c, w](Message m) -> Task<Json> {"));
  CHECK_FALSE(opens_function("  sim.schedule_at(t, [&w, n] {"));
  CHECK_FALSE(opens_function("struct Knobs {"));
  CHECK(brace_balance("f(\"{\", '}') { if (a) { b(); }") == 1);
}

TEST_CASE("no function in sim/ or patterns/ is longer than the limit", "[tidy]") {
  fs::path root(DTXSIM_SOURCE_DIR);
  std::vector<std::string> hits = long_functions(root, "sim");
  for (auto& h : long_functions(root, "patterns")) hits.push_back(std::move(h));
  std::string report;
  for (const auto& h : hits) report += h + "\n";
  INFO("functions over " << kMaxFunctionLines << " lines:\n" << report);
  REQUIRE(hits.empty());
}

TEST_CASE("the matcher flags banned calls and spares look-alikes", "[tidy]") {
  for (const char* bad : {"auto t = std::time(nullptr);", "srand(1);", "int x = rand();",
                          "  time (0);", "std::mt19937_64 gen;", "std::unordered_map<int, int> m;",
                          "std::thread t(f);", "auto n = std::chrono::steady_clock::now();",
                          "std::random_device rd;", "std::jthread j;", "auto f = std::async(g);"}) {
    INFO(bad);
    REQUIRE_FALSE(banned_in(bad).empty());
  }
  for (const char* fine :
       {"double runtime(int);", "x = t.time(3);", "p->time(1);", "operand(2);", "brand(7);",
        "TimeUs time_us = 0;", "std::this_thread_like x;", "my_unordered_mapping m;",
        "f(); // std::time(nullptr) in a comment", "s = \"//\"; g();"}) {
    INFO(fine);
    REQUIRE(banned_in(fine).empty());
  }
  REQUIRE_FALSE(banned_in("s = \"//\"; rand();").empty());  // a // inside a string is not a comment
}

TEST_CASE(
    "sim/ and patterns/ use no wall clock, unseeded randomness, threads or unordered containers",
    "[tidy]") {
  fs::path root(DTXSIM_SOURCE_DIR);
  size_t files = 0;
  std::vector<std::string> hits = scan(root, "sim", &files);
  for (auto& h : scan(root, "patterns", &files)) hits.push_back(std::move(h));
  REQUIRE(files > 10);  // the scan really found the sources
  std::string report;
  for (const auto& h : hits) report += h + "\n";
  INFO("banned names found:\n" << report);
  REQUIRE(hits.empty());
}
