// JSON text at the edge: parsing an input file so that any failure, a syntax error or a number
// no double can hold (1e999), is an InputError naming the file, the JSON path of the value
// and its line and column, never a library exception escaping as an internal error.
#pragma once

#include <string>

#include "sim/kernel/history.hpp"

namespace dtx {

// Throws InputError ("file: $.path: ... (line L, column C)") when `text` is not valid JSON.
Json parse_json_file_text(const std::string& text, const std::string& file);

}  // namespace dtx
