// Fuzz target: a baseline file read by `dtxsim regress` (read_baseline), then checked against
// no stored runs and written back, as regress does with what it read.
#include <cstddef>
#include <cstdint>
#include <string>

#include "app/regress.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = dtx::fuzz::temp_path(".baseline.json");
  dtx::fuzz::write_file(path, data, size);
  dtx::fuzz::expect_input_errors_only([&] {
    dtx::Baseline b = dtx::read_baseline(path);
    dtx::RegressResult r = dtx::check_baseline(b, {}, {});
    (void)r.text();
    (void)r.to_json().dump();
    (void)r.junit_xml();
    (void)b.to_json().dump();
  });
  std::remove(path.c_str());
  return 0;
}
