// Fuzz target: a trace file read by `dtxsim explain` and `export` (each output format) and, in
// builds with the viewer, by the viewer's loader (dtxview::TraceModel, which never throws).
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <utility>

#include "app/explain.hpp"
#include "fuzz_input.hpp"
#ifdef DTXSIM_FUZZ_VIEWER
#include "trace_model.hpp"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = dtx::fuzz::temp_path(".trace.jsonl");
  dtx::fuzz::write_file(path, data, size);
  // Each output once: the first finding's story, one transaction as Mermaid, the whole trace.
  const std::pair<const char*, const char*> runs[] = {
      {"story", ""}, {"mermaid", "g000001"}, {"perfetto", ""}};
  for (const auto& [format, gid] : runs) {
    dtx::ExplainOptions o;
    o.trace = path;
    o.format = format;
    o.gid = gid;
    std::ostringstream out;
    dtx::fuzz::expect_input_errors_only([&] { dtx::run_explain(o, out); });
  }
#ifdef DTXSIM_FUZZ_VIEWER
  dtxview::TraceModel m = dtxview::TraceModel::load_text(
      std::string(reinterpret_cast<const char*>(data), size), "fuzz");
  (void)m.readable();
#endif
  std::remove(path.c_str());
  return 0;
}
