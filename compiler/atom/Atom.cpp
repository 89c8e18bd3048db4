// Python semantics for atoms.
#include "compiler/atom/Atom.h"

#include "compiler/support/FloatFormat.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>

using namespace rasp;

namespace {

/// Strings built by `*` and `+` may not grow past this many bytes.
constexpr size_t MaxStringBytes = size_t(1) << 26;

[[noreturn]] void fail(std::string message) { throw AtomError{std::move(message)}; }

[[noreturn]] void unsupported(AtomOpKind op, const Atom &a, const Atom &b) {
  fail(std::string("unsupported operand types for ") + atomOpSpelling(op) + ": " + a.typeName() +
       " and " + b.typeName());
}

/// Fails if an overflow flag is set (callers compute the flag first: the
/// order of evaluation of arguments is unspecified).
void checkOverflow(bool overflow) {
  if (overflow)
    fail("integer overflow: the result does not fit in 64 bits");
}

/// A float result, which must be finite: Python gives inf or nan where a
/// float operation overflows, but no weight can hold those, so here the
/// operation fails (the compiled model and the evaluator then agree that
/// the input has no value).
Atom finiteReal(double r) {
  if (!std::isfinite(r))
    fail("float overflow: the result is not a finite number");
  return Atom::real(r);
}

/// Fails unless a string of `bytes` (a number past size_t: `huge`) fits
/// the budget.
void checkStringBytes(size_t bytes, bool huge) {
  if (huge || bytes > MaxStringBytes)
    fail("the string would be " + (huge ? std::string("over 2^64") : std::to_string(bytes)) +
         " bytes long, more than the budget of " + std::to_string(MaxStringBytes) +
         " bytes (64 MiB)");
}

Atom repeat(const std::string &s, int64_t times) {
  if (times <= 0 || s.empty())
    return Atom::string("");
  size_t bytes = 0;
  // (The flag first: the order of evaluation of arguments is unspecified,
  // and Clang would pass `bytes` before the product is stored in it.)
  bool huge = __builtin_mul_overflow(s.size(), static_cast<uint64_t>(times), &bytes);
  checkStringBytes(bytes, huge);
  std::string out;
  out.reserve(s.size() * times);
  for (int64_t i = 0; i < times; ++i)
    out += s;
  return Atom::string(std::move(out));
}

double pythonFloatMod(double a, double b) {
  double r = std::fmod(a, b);
  if (r != 0 && ((r < 0) != (b < 0)))
    r += b;
  if (r == 0)
    r = std::copysign(0.0, b);
  return r;
}

int64_t pythonIntMod(int64_t a, int64_t b) {
  if (b == -1)
    return 0; // Avoids INT64_MIN % -1.
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0)))
    r += b;
  return r;
}

Atom power(const Atom &a, const Atom &b) {
  if (a.isIntegral() && b.isIntegral() && b.integral() >= 0) {
    int64_t base = a.integral(), exponent = b.integral(), result = 1;
    while (exponent > 0) {
      if (exponent & 1)
        checkOverflow(__builtin_mul_overflow(result, base, &result));
      exponent >>= 1;
      if (exponent > 0)
        checkOverflow(__builtin_mul_overflow(base, base, &base));
    }
    return Atom::integer(result);
  }
  double x = a.number(), y = b.number();
  if (x == 0 && y < 0)
    fail("0.0 cannot be raised to a negative power");
  if (x < 0 && std::floor(y) != y)
    fail("a negative number raised to a fractional power is a complex "
         "number, which RASP values cannot hold");
  double r = std::pow(x, y);
  if (std::isinf(r) && std::isfinite(x) && std::isfinite(y))
    fail("numerical result out of range");
  return Atom::real(r);
}

int compareNumbers(const Atom &a, const Atom &b) {
  if (a.isIntegral() && b.isIntegral())
    return a.integral() < b.integral() ? -1 : a.integral() > b.integral();
  double x = a.number(), y = b.number();
  if (x < y)
    return -1;
  if (x > y)
    return 1;
  return x == y ? 0 : 2; // 2: unordered (NaN).
}

bool order(AtomOpKind op, const Atom &a, const Atom &b) {
  int c;
  if (a.isString() && b.isString())
    c = a.asString().compare(b.asString()), c = (c > 0) - (c < 0);
  else if (a.isNumber() && b.isNumber())
    c = compareNumbers(a, b);
  else
    fail(std::string("'") + atomOpSpelling(op) + "' is not supported between " + a.typeName() +
         " and " + b.typeName());
  if (c == 2)
    return false;
  switch (op) {
  case AtomOpKind::Lt:
    return c < 0;
  case AtomOpKind::Gt:
    return c > 0;
  case AtomOpKind::Le:
    return c <= 0;
  default:
    return c >= 0;
  }
}

} // namespace

bool Atom::truthy() const {
  switch (kind()) {
  case AtomKind::Bool:
    return asBool();
  case AtomKind::Int:
    return asInt() != 0;
  case AtomKind::Float:
    return asFloat() != 0;
  case AtomKind::String:
    return !asString().empty();
  }
  return false;
}

bool Atom::equals(const Atom &other) const {
  if (isString() || other.isString())
    return isString() && other.isString() && asString() == other.asString();
  return compareNumbers(*this, other) == 0;
}

size_t Atom::hash() const {
  if (isString())
    return std::hash<std::string>()(asString()) ^ 0x9e3779b97f4a7c15ull;
  if (isIntegral())
    return std::hash<int64_t>()(integral());
  double d = asFloat();
  if (std::floor(d) == d && std::fabs(d) < 9.2e18)
    return std::hash<int64_t>()(static_cast<int64_t>(d));
  return std::hash<double>()(d);
}

const char *Atom::typeName() const {
  switch (kind()) {
  case AtomKind::Bool:
    return "bool";
  case AtomKind::Int:
    return "int";
  case AtomKind::Float:
    return "float";
  case AtomKind::String:
    return "str";
  }
  return "?";
}

std::string Atom::str() const {
  switch (kind()) {
  case AtomKind::Bool:
    return asBool() ? "True" : "False";
  case AtomKind::Int:
    return std::to_string(asInt());
  case AtomKind::Float:
    return formatPythonFloat(asFloat());
  case AtomKind::String:
    return asString();
  }
  return "";
}

std::string Atom::repr() const {
  if (!isString())
    return str();
  const std::string &s = asString();
  // Python prefers single quotes, unless the text has one and no double.
  char quote = s.find('\'') != std::string::npos && s.find('"') == std::string::npos ? '"' : '\'';
  std::string out(1, quote);
  for (unsigned char c : s) {
    if (c == '\\' || c == static_cast<unsigned char>(quote)) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + quote;
}

const char *rasp::atomOpSpelling(AtomOpKind op) {
  static const char *const names[] = {"+",  "-", "*", "/",  "%",  "^",
                                      "==", "<", ">", "<=", ">=", "!="};
  return names[static_cast<int>(op)];
}

Atom rasp::applyAtomOp(AtomOpKind op, const Atom &a, const Atom &b) {
  switch (op) {
  case AtomOpKind::Eq:
    return Atom::boolean(a.equals(b));
  case AtomOpKind::Ne:
    return Atom::boolean(!a.equals(b));
  case AtomOpKind::Lt:
  case AtomOpKind::Gt:
  case AtomOpKind::Le:
  case AtomOpKind::Ge:
    return Atom::boolean(order(op, a, b));
  case AtomOpKind::Add:
    if (a.isString() && b.isString()) {
      checkStringBytes(a.asString().size() + b.asString().size(), false);
      return Atom::string(a.asString() + b.asString());
    }
    break;
  case AtomOpKind::Mul:
    if (a.isString() && b.isIntegral())
      return repeat(a.asString(), b.integral());
    if (a.isIntegral() && b.isString())
      return repeat(b.asString(), a.integral());
    break;
  default:
    break;
  }
  if (!a.isNumber() || !b.isNumber())
    unsupported(op, a, b);
  bool integral = a.isIntegral() && b.isIntegral();
  switch (op) {
  case AtomOpKind::Add: {
    int64_t r;
    if (integral) {
      checkOverflow(__builtin_add_overflow(a.integral(), b.integral(), &r));
      return Atom::integer(r);
    }
    return finiteReal(a.number() + b.number());
  }
  case AtomOpKind::Sub: {
    int64_t r;
    if (integral) {
      checkOverflow(__builtin_sub_overflow(a.integral(), b.integral(), &r));
      return Atom::integer(r);
    }
    return finiteReal(a.number() - b.number());
  }
  case AtomOpKind::Mul: {
    int64_t r;
    if (integral) {
      checkOverflow(__builtin_mul_overflow(a.integral(), b.integral(), &r));
      return Atom::integer(r);
    }
    return finiteReal(a.number() * b.number());
  }
  case AtomOpKind::Div:
    if (b.number() == 0)
      fail("division by zero");
    return finiteReal(a.number() / b.number());
  case AtomOpKind::Mod:
    if (b.number() == 0)
      fail("modulo by zero");
    if (integral)
      return Atom::integer(pythonIntMod(a.integral(), b.integral()));
    return Atom::real(pythonFloatMod(a.number(), b.number()));
  case AtomOpKind::Pow:
    return power(a, b);
  default:
    break;
  }
  fail("unknown operator");
}

Atom rasp::negate(const Atom &a) {
  if (a.isString())
    fail("bad operand type for unary -: str");
  if (a.isFloat())
    return Atom::real(-a.asFloat());
  if (a.integral() == std::numeric_limits<int64_t>::min())
    fail("integer overflow: the result does not fit in 64 bits");
  return Atom::integer(-a.integral());
}

Atom rasp::unaryPlus(const Atom &a) {
  if (a.isString())
    fail("bad operand type for unary +: str");
  return a.isFloat() ? a : Atom::integer(a.integral());
}

Atom rasp::pythonRound(const Atom &a) {
  if (a.isString())
    fail("type str doesn't define round()");
  if (a.isIntegral())
    return Atom::integer(a.integral());
  double x = a.asFloat();
  if (std::isnan(x))
    fail("cannot convert float NaN to integer");
  if (std::isinf(x))
    fail("cannot convert float infinity to integer");
  double r = std::nearbyint(x); // The default rounding mode: ties to even.
  if (r >= 9.2233720368547758e18 || r < -9.2233720368547758e18)
    fail("integer overflow: the result does not fit in 64 bits");
  return Atom::integer(static_cast<int64_t>(r));
}

double rasp::roundTo3(double x) {
  if (!std::isfinite(x))
    return x;
  // printf rounds the exact binary value correctly, as Python's round does.
  char buf[400];
  std::snprintf(buf, sizeof buf, "%.3f", x);
  return std::strtod(buf, nullptr);
}
