// Values of the RASP meta-language: atoms, lists, dicts, s-ops, selectors,
// functions, and the concrete result of applying an s-op or selector.
#pragma once

#include "compiler/atom/Atom.h"
#include "compiler/eval/Evaluate.h"
#include "compiler/graph/Graph.h"

#include <memory>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace rasp::ast {
class DefStmt;
}

namespace rasp::lang {

class Value;
struct Env;

struct List {
  std::vector<Value> items;
  unsigned depth = 1; ///< Nesting depth, bounded so that values stay shallow.
};

/// A dict with atom keys, in insertion order (as Python's).
struct Dict {
  std::vector<std::pair<Atom, Value>> entries;
  std::unordered_map<Atom, size_t, AtomHash, AtomEq> index;
  unsigned depth = 1;

  const Value *find(const Atom &key) const;
  /// Adds or replaces (a replaced key keeps its first spelling, as in Python).
  void set(const Atom &key, Value value);
};

enum class BuiltinKind { None, SelectorWidth, Categorical, Numerical };

/// A function made by `def` (or a built-in primitive).
struct Function {
  std::string name;
  std::vector<std::string> params;
  const ast::DefStmt *def = nullptr; ///< Null for built-ins.
  std::shared_ptr<Env> closure;      ///< The defining scope.
  std::string creator;               ///< Display: `console`, `lib`, `lib'`.
  BuiltinKind builtin = BuiltinKind::None;
};

/// An s-op or selector applied to an input: `sop("abc")`.
struct Applied {
  const graph::Node *node;
  std::vector<Atom> input;
  eval::Sequence sequence;     ///< For an s-op.
  eval::SelectorMatrix matrix; ///< For a selector.
};

enum class ValueKind { Atom, List, Dict, SOp, Selector, Function, Applied };

class Value {
public:
  Value() : data(Atom()) {}
  Value(Atom atom) : data(std::move(atom)) {}
  static Value list(std::vector<Value> items);
  static Value dict(std::shared_ptr<Dict> dict) { return Value(Data(std::move(dict))); }
  static Value node(graph::Node *node) { return Value(Data(node)); }
  static Value function(std::shared_ptr<Function> f) { return Value(Data(std::move(f))); }
  static Value applied(std::shared_ptr<Applied> a) { return Value(Data(std::move(a))); }

  ValueKind kind() const;
  bool isAtom() const { return kind() == ValueKind::Atom; }
  bool isSOp() const { return kind() == ValueKind::SOp; }
  bool isSelector() const { return kind() == ValueKind::Selector; }
  bool isNode() const { return std::holds_alternative<graph::Node *>(data); }

  const Atom &atom() const { return std::get<Atom>(data); }
  const List &listValue() const { return *std::get<std::shared_ptr<List>>(data); }
  const Dict &dictValue() const { return *std::get<std::shared_ptr<Dict>>(data); }
  graph::Node *node() const { return std::get<graph::Node *>(data); }
  const std::shared_ptr<Function> &function() const {
    return std::get<std::shared_ptr<Function>>(data);
  }
  const Applied &appliedValue() const { return *std::get<std::shared_ptr<Applied>>(data); }
  /// How deeply lists and dicts nest in this value (0 for the rest).
  unsigned depth() const;

  /// Python truthiness (empty lists and dicts are false; s-ops, selectors
  /// and functions are true).
  bool truthy() const;
  /// Python `==` between values (s-ops, selectors and functions by identity).
  bool equals(const Value &other) const;
  /// What kind of value this is, for messages: `int 3`, `list [1, 2]`,
  /// `s-op tokens`, `selector s`, `function f`.
  std::string describe() const;
  /// Python's repr of atoms, lists and dicts (other values by description).
  std::string repr() const;

private:
  using Data = std::variant<Atom, std::shared_ptr<List>, std::shared_ptr<Dict>, graph::Node *,
                            std::shared_ptr<Function>, std::shared_ptr<Applied>>;
  explicit Value(Data data) : data(std::move(data)) {}
  Data data;
};

} // namespace rasp::lang
