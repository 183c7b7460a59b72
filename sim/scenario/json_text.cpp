// Located JSON parse errors: a SAX pass that follows the path of each value checks the text
// first (syntax, numbers a double can hold, nesting depth, repeated keys), so that the error
// can say which value was wrong (nlohmann reports a byte position at best, and a number
// overflow with no position at all); only a text that passes is parsed into a document.
#include "sim/scenario/json_text.hpp"

#include <algorithm>

#include "sim/scenario/reader.hpp"

namespace dtx {

namespace {

using Sax = nlohmann::json_sax<Json>;

// Follows where the parser is; records the first error with the path of the value it hit.
class PathTracker : public Sax {
 public:
  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override { return open(false); }
  bool key(string_t& k) override {
    Frame& f = frames_.back();
    f.key = k;
    if (std::find(f.keys.begin(), f.keys.end(), k) != f.keys.end())
      return structure_error("expected each key once in an object, got '" + k + "' again");
    f.keys.push_back(k);
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(true); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t position, const std::string& token,
                   const Json::exception& ex) override {
    failed_ = true;
    position_ = position;
    token_ = token;
    what_ = ex.what();
    overflow_ = ex.id == 406;  // out_of_range.406: "number overflow parsing"
    path_ = path();
    return false;
  }
  bool failed() const { return failed_; }

  // "file: $.path: what (line L, column C)".
  std::string message(const std::string& file, const std::string& text) const;

 private:
  struct Frame {
    bool array = false;
    size_t items = 0;               // array: values begun so far
    std::string key;                // object: the last key read
    std::vector<std::string> keys;  // object: every key read
  };

  // A value begins: in an array it takes the next index.
  bool value() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().items;
    return true;
  }
  bool open(bool array) {
    // Checked before the value begins, so the path names it (the next index of its array).
    if (frames_.size() >= static_cast<size_t>(kMaxJsonDepth))
      return structure_error("expected arrays and objects nested at most " +
                             std::to_string(kMaxJsonDepth) + " levels deep");
    value();
    frames_.push_back({array, 0, "", {}});
    return true;
  }
  // A well-formed text this reader refuses: the message names the value's path.
  bool structure_error(const std::string& what) {
    failed_ = true;
    structure_ = what;
    path_ = path();
    // 64 levels of "[0]" say nothing a reader needs: keep the start and the end of the path.
    if (path_.size() > 120) path_ = path_.substr(0, 60) + "..." + path_.substr(path_.size() - 30);
    return false;
  }
  bool close() {
    frames_.pop_back();
    return true;
  }
  // The path of the value being read; a value that failed was never begun, so in the
  // innermost array it is the next index.
  std::string path() const {
    std::string out = "$";
    for (size_t i = 0; i < frames_.size(); ++i) {
      const Frame& f = frames_[i];
      size_t index = i + 1 == frames_.size() ? f.items : f.items - 1;
      // Appended piece by piece (GCC 12 warns falsely on a chain of string temporaries).
      if (f.array) {
        out += '[';
        out += std::to_string(index);
        out += ']';
      } else {
        out += '.';
        out += f.key;
      }
    }
    return out;
  }

  std::vector<Frame> frames_;
  bool failed_ = false, overflow_ = false;
  size_t position_ = 0;
  std::string token_, what_, structure_, path_ = "$";
};

std::string line_column(const std::string& text, size_t position) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < position && i < text.size(); ++i) {
    column = text[i] == '\n' ? 1 : column + 1;
    line += text[i] == '\n';
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::string PathTracker::message(const std::string& file, const std::string& text) const {
  if (!failed_) return file + ": not valid JSON";
  if (!structure_.empty()) return file + ": " + path_ + ": " + structure_;
  if (overflow_) {
    // The position is just past the number: point at its first character instead.
    size_t start = position_ >= token_.size() ? position_ - token_.size() : 0;
    return file + ": " + path_ +
           ": expected a number a double can hold (magnitude at most 1.8e308), got " + token_ +
           " (" + line_column(text, start) + ")";
  }
  // nlohmann's syntax errors already say the line and column.
  return file + ": " + path_ + ": not valid JSON: " + what_;
}

}  // namespace

size_t json_too_deep_at(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // the escaped character cannot end the string
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return std::string_view::npos;
}

Json parse_json_file_text(const std::string& text, const std::string& file) {
  // The SAX pass keeps its own stack of frames (no recursion), so it is safe on any depth and
  // stops at the first value too deep, naming its path.
  PathTracker where;
  Json::sax_parse(text, &where);
  if (where.failed()) throw InputError(where.message(file, text));
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) throw InputError(file + ": not valid JSON");
  return doc;
}

}  // namespace dtx
