// Output files written whole and checked: a path that cannot be opened is bad input (exit 2),
// a write that fails part-way (a full disk, /dev/full) is an OutputError (exit 1). No output
// is ever lost silently.
#pragma once

#include <stdexcept>
#include <string>

namespace dtx {

// A write that failed after its file was opened: the command exits 1 with this message.
struct OutputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Writes `text` to `path` (truncating), flushed and closed. `label` names the option in
// messages ("--json"); throws InputError when the file cannot be opened, OutputError when the
// text cannot be written in full.
void write_file_checked(const std::string& path, const std::string& text, const std::string& label);

// Throws OutputError when standard output could not be written (e.g. `> /dev/full`).
void check_stdout();

}  // namespace dtx
