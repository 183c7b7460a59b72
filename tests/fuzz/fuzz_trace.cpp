// Fuzz target: a trace file read by `dtxsim explain` and `export` (each output format) and, in
// builds with the viewer, by the viewer's loader (dtxview::TraceModel, which never throws).
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "app/explain.hpp"
#include "fuzz_input.hpp"
#ifdef DTXSIM_FUZZ_VIEWER
#include "trace_model.hpp"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = dtx::fuzz::temp_path(".trace.jsonl");
  dtx::fuzz::write_file(path, data, size);
  for (const char* format : {"story", "mermaid", "perfetto"}) {
    for (const char* gid : {"", "g000001"}) {
      dtx::ExplainOptions o;
      o.trace = path;
      o.format = format;
      o.gid = gid;
      std::ostringstream out;
      dtx::fuzz::expect_input_errors_only([&] { dtx::run_explain(o, out); });
      if (o.format == "perfetto") break;  // the whole trace: no transaction picked
    }
  }
#ifdef DTXSIM_FUZZ_VIEWER
  dtxview::TraceModel m = dtxview::TraceModel::load_text(
      std::string(reinterpret_cast<const char*>(data), size), "fuzz");
  (void)m.readable();
#endif
  std::remove(path.c_str());
  return 0;
}
