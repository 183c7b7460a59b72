// The kernel's JSON primitives: text written by pointer into room the caller has already
// made (put_*: a piece of text, an integer, a string escaped), each within a bound known up
// front, and the same appended to a std::string (append_*). JsonWriter (json_writer.hpp)
// writes whole values with them; nothing outside the kernel writes JSON text otherwise.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace dtx {

// A string escaped as JSON: append_json_string passes non-ASCII bytes through;
// append_dump_string writes exactly what nlohmann's compact dump writes (invalid UTF-8
// replaced). An integer as std::to_chars writes it.
void append_json_string(std::string& out, std::string_view s);
void append_dump_string(std::string& out, std::string_view s);
void append_integer(std::string& out, int64_t v);

// Trace text written by pointer into room the caller has already made (the string grown
// once to a bound): a piece of text, and a number (at most 20 characters).
inline char* put_text(char* p, std::string_view text) {
  std::memcpy(p, text.data(), text.size());
  return p + text.size();
}
// Integers are written as std::to_chars writes them, two digits at a time from the end once
// the length is known (the trace writes several numbers per event).
namespace detail {
inline constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";
inline constexpr uint64_t kPow10[] = {1ull,
                                      10ull,
                                      100ull,
                                      1000ull,
                                      10000ull,
                                      100000ull,
                                      1000000ull,
                                      10000000ull,
                                      100000000ull,
                                      1000000000ull,
                                      10000000000ull,
                                      100000000000ull,
                                      1000000000000ull,
                                      10000000000000ull,
                                      100000000000000ull,
                                      1000000000000000ull,
                                      10000000000000000ull,
                                      100000000000000000ull,
                                      1000000000000000000ull,
                                      10000000000000000000ull};
// How many decimal digits `v` has (0 has one): log10 estimated from the bit width
// (1233 / 4096 ~ log10 2), then corrected by one comparison.
inline unsigned decimal_digits(uint64_t v) {
  v |= 1;
  unsigned t = (static_cast<unsigned>(std::bit_width(v)) * 1233) >> 12;
  return t + (v >= kPow10[t]);
}
inline char* put_unsigned(char* p, uint64_t v) {
  char* end = p + decimal_digits(v);
  char* q = end;
  while (v >= 100) {
    q -= 2;
    std::memcpy(q, kDigitPairs + 2 * (v % 100), 2);
    v /= 100;
  }
  if (v >= 10) {
    std::memcpy(q - 2, kDigitPairs + 2 * v, 2);
  } else {
    q[-1] = static_cast<char>('0' + v);
  }
  return end;
}
}  // namespace detail

template <typename T>
char* put_number(char* p, T v) {
  static_assert(std::is_integral_v<T>);
  if constexpr (std::is_signed_v<T>) {
    if (v < 0) {
      *p++ = '-';
      return detail::put_unsigned(p, 0 - static_cast<uint64_t>(v));
    }
  }
  return detail::put_unsigned(p, static_cast<uint64_t>(v));
}
// The same for strings: room for at most json_string_bound(s) characters. put_json_string
// escapes as append_json_string, put_dump_string as append_dump_string.
inline size_t json_string_bound(std::string_view s) {
  return 6 * s.size() + 2;
}
namespace detail {
// Bytes a JSON string carries as they are: printable ASCII other than '"' and '\\'.
inline constexpr std::array<bool, 256> kPlainByte = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[c] = c != '"' && c != '\\';
  return t;
}();
// Short strings are mostly plain: copied and checked in one pass, inline. Returns the end,
// or null when `s` needs the general path (what was written at p is then overwritten).
constexpr size_t kShortString = 32;
inline char* put_plain_short(char* p, std::string_view s) {
  *p++ = '"';
  for (char c : s) {
    if (!kPlainByte[static_cast<unsigned char>(c)]) return nullptr;
    *p++ = c;
  }
  *p++ = '"';
  return p;
}
char* put_json_string_general(char* p, std::string_view s);
char* put_dump_string_general(char* p, std::string_view s);
}  // namespace detail
inline char* put_json_string(char* p, std::string_view s) {
  if (s.size() <= detail::kShortString) {
    if (char* end = detail::put_plain_short(p, s)) return end;
  }
  return detail::put_json_string_general(p, s);
}
inline char* put_dump_string(char* p, std::string_view s) {
  if (s.size() <= detail::kShortString) {
    if (char* end = detail::put_plain_short(p, s)) return end;
  }
  return detail::put_dump_string_general(p, s);
}

}  // namespace dtx
