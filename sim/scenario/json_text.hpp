// JSON text at the edge: parsing an input file so that any failure, a syntax error or a number
// no double can hold (1e999), is an InputError naming the file, the JSON path of the value
// and its line and column, never a library exception escaping as an internal error.
#pragma once

#include <string>
#include <string_view>

#include "sim/kernel/history.hpp"

namespace dtx {

// Deepest nesting of arrays and objects an input may have: deeper documents are rejected
// before any recursive code (the DOM's destructor, dump()) could overflow the stack.
constexpr int kMaxJsonDepth = 64;

// The byte offset of the first '[' or '{' nested deeper than `max_depth` in `text` (strings
// skipped), or npos. Iterative: safe on any input.
size_t json_too_deep_at(std::string_view text, int max_depth = kMaxJsonDepth);

// Throws InputError ("file: $.path: ... (line L, column C)") when `text` is not valid JSON,
// nests deeper than kMaxJsonDepth, or repeats a key within one object (a parser would keep
// only one of the two values, silently).
Json parse_json_file_text(const std::string& text, const std::string& file);

}  // namespace dtx
