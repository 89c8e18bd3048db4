// Atoms of the RASP meta-language (int, float, string, bool) with Python's semantics.
//
// The original runs on Python values; these are the rules it inherits:
// bools are ints (True == 1, True + 1 == 2), `/` always gives a float, `%`
// takes the sign of the divisor, `round` rounds ties to even, and ints and
// floats compare by value. Ints are 64-bit here (Python's are unbounded):
// an operation that overflows is an error rather than a wrong value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace rasp {

enum class AtomKind { Bool, Int, Float, String };

class Atom {
public:
  Atom() : value(int64_t(0)) {}
  static Atom boolean(bool b) { return Atom(b); }
  static Atom integer(int64_t i) { return Atom(i); }
  static Atom real(double d) { return Atom(d); }
  static Atom string(std::string s) { return Atom(std::move(s)); }

  AtomKind kind() const { return static_cast<AtomKind>(value.index()); }
  bool isBool() const { return kind() == AtomKind::Bool; }
  bool isInt() const { return kind() == AtomKind::Int; }
  bool isFloat() const { return kind() == AtomKind::Float; }
  bool isString() const { return kind() == AtomKind::String; }
  /// A bool, int or float (bools are numbers in Python).
  bool isNumber() const { return !isString(); }
  /// A bool or an int.
  bool isIntegral() const { return isBool() || isInt(); }

  bool asBool() const { return std::get<bool>(value); }
  int64_t asInt() const { return std::get<int64_t>(value); }
  double asFloat() const { return std::get<double>(value); }
  const std::string &asString() const { return std::get<std::string>(value); }
  /// The integer value of a bool or int.
  int64_t integral() const { return isBool() ? asBool() : asInt(); }
  /// The numeric value of a bool, int or float.
  double number() const { return isFloat() ? asFloat() : double(integral()); }

  /// Python truthiness.
  bool truthy() const;
  /// Python `==` (1 == 1.0 == True; a string never equals a number).
  bool equals(const Atom &other) const;
  /// A hash consistent with `equals`, for dict keys and sets.
  size_t hash() const;

  /// Python's repr: 'a', 1, 2.5, True (strings in single quotes).
  std::string repr() const;
  /// Python's str: a, 1, 2.5, True.
  std::string str() const;
  /// The Python type name: bool, int, float, str.
  const char *typeName() const;

private:
  explicit Atom(bool b) : value(b) {}
  explicit Atom(int64_t i) : value(i) {}
  explicit Atom(double d) : value(d) {}
  explicit Atom(std::string s) : value(std::move(s)) {}

  std::variant<bool, int64_t, double, std::string> value;
};

/// A Python operation on atoms failed: the message says why, in the
/// project's words (for example `unsupported operand types for +: int and
/// str`).
struct AtomError {
  std::string message;
};

enum class AtomOpKind {
  Add,
  Sub,
  Mul,
  Div,
  Mod,
  Pow,
  Eq,
  Lt,
  Gt,
  Le,
  Ge,
  Ne,
};

/// Hashing and equality for containers of atoms, by Python's rules (1 == 1.0 == True).
struct AtomHash {
  size_t operator()(const Atom &a) const { return a.hash(); }
};
struct AtomEq {
  bool operator()(const Atom &a, const Atom &b) const { return a.equals(b); }
};

/// `a OP b` as Python computes it on two atoms; throws AtomError.
Atom applyAtomOp(AtomOpKind op, const Atom &a, const Atom &b);
/// The operator's spelling in RASP, for messages.
const char *atomOpSpelling(AtomOpKind op);
/// Python's `-a` and `+a` (of a number; bools become ints); throws AtomError.
Atom negate(const Atom &a);
Atom unaryPlus(const Atom &a);
/// Python's round(a): ties to even, an int result; throws AtomError.
Atom pythonRound(const Atom &a);
/// Python's round(x, 3), as `small_str` shows floats.
double roundTo3(double x);

} // namespace rasp
