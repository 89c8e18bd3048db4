// Python-compatible shortest round-trip formatting of doubles.
#include "compiler/support/FloatFormat.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

std::string rasp::formatPythonFloat(double value) {
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value < 0 ? "-inf" : "inf";
  // Shortest scientific form that round-trips (the closest of that length):
  // d.ddde±X.
  char buf[40];
  auto result = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string sci(buf, result.ptr);
  size_t e = sci.find('e');
  int exponent = std::atoi(sci.c_str() + e + 1);
  std::string sign = sci[0] == '-' ? "-" : "";
  std::string digits;
  for (size_t i = sign.size(); i < e; ++i)
    if (sci[i] != '.')
      digits += sci[i];
  int decimalPoint = exponent + 1; // Digits before the point.
  if (decimalPoint > 16 || decimalPoint < -3) {
    std::string out = sign + digits.substr(0, 1);
    if (digits.size() > 1)
      out += "." + digits.substr(1);
    char exp[16];
    std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return out + exp;
  }
  if (decimalPoint <= 0)
    return sign + "0." + std::string(-decimalPoint, '0') + digits;
  if (static_cast<size_t>(decimalPoint) >= digits.size())
    return sign + digits + std::string(decimalPoint - digits.size(), '0') + ".0";
  return sign + digits.substr(0, decimalPoint) + "." + digits.substr(decimalPoint);
}
