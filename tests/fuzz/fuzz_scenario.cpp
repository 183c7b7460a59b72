// Fuzz target: a scenario file read and checked as `dtxsim validate` and `run` do (parse,
// every field, references, the pattern's parameters, the world built), short of simulating.
#include <cstddef>
#include <cstdint>
#include <string>

#include "app/runner.hpp"
#include "fuzz_input.hpp"
#include "sim/scenario/json_text.hpp"
#include "sim/scenario/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  dtx::fuzz::expect_input_errors_only([&] {
    // load_checked() without the file: the same parse, reading and checks.
    dtx::InputErrors errors;
    dtx::Scenario s =
        dtx::parse_scenario(dtx::parse_json_file_text(text, "fuzz.json"), "fuzz.json", errors);
    dtx::check_run(s, dtx::RunOptions{}, errors);
    errors.raise();
  });
  return 0;
}
