// Fuzz target: the input bytes as a results database file, opened as `report`, `regress` and
// `sweep` open one (ResultsDb, must exist), its runs read and summarised into a baseline.
#include <cstddef>
#include <cstdint>
#include <string>

#include "app/regress.hpp"
#include "app/results_db.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = dtx::fuzz::temp_path(".results.db");
  std::remove((path + "-journal").c_str());
  dtx::fuzz::write_file(path, data, size);
  dtx::fuzz::expect_input_errors_only([&] {
    dtx::ResultsDb db(path, true);
    std::vector<dtx::StoredRun> runs = db.runs();
    for (const auto& r : runs) (void)r.violated();
    dtx::Baseline b = dtx::make_baseline(runs);
    (void)dtx::check_baseline(b, runs, {}).text();
  });
  std::remove(path.c_str());
  std::remove((path + "-journal").c_str());
  return 0;
}
