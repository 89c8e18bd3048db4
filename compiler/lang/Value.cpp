// Values of the RASP meta-language.
#include "compiler/lang/Value.h"

using namespace rasp;
using namespace rasp::lang;

const Value *Dict::find(const Atom &key) const {
  auto found = index.find(key);
  return found == index.end() ? nullptr : &entries[found->second].second;
}

void Dict::set(const Atom &key, Value value) {
  depth = std::max(depth, value.depth() + 1);
  auto found = index.find(key);
  if (found != index.end()) {
    entries[found->second].second = std::move(value);
    return;
  }
  index.emplace(key, entries.size());
  entries.emplace_back(key, std::move(value));
}

Value Value::list(std::vector<Value> items) {
  auto list = std::make_shared<List>();
  for (const Value &item : items)
    list->depth = std::max(list->depth, item.depth() + 1);
  list->items = std::move(items);
  return Value(Data(std::move(list)));
}

ValueKind Value::kind() const {
  switch (data.index()) {
  case 0:
    return ValueKind::Atom;
  case 1:
    return ValueKind::List;
  case 2:
    return ValueKind::Dict;
  case 3:
    return node()->isSelector() ? ValueKind::Selector : ValueKind::SOp;
  case 4:
    return ValueKind::Function;
  default:
    return ValueKind::Applied;
  }
}

unsigned Value::depth() const {
  if (kind() == ValueKind::List)
    return listValue().depth;
  if (kind() == ValueKind::Dict)
    return dictValue().depth;
  return 0;
}

bool Value::truthy() const {
  switch (kind()) {
  case ValueKind::Atom:
    return atom().truthy();
  case ValueKind::List:
    return !listValue().items.empty();
  case ValueKind::Dict:
    return !dictValue().entries.empty();
  default:
    return true;
  }
}

bool Value::equals(const Value &other) const {
  if (kind() != other.kind())
    return false;
  switch (kind()) {
  case ValueKind::Atom:
    return atom().equals(other.atom());
  case ValueKind::List: {
    const auto &a = listValue().items, &b = other.listValue().items;
    if (a.size() != b.size())
      return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!a[i].equals(b[i]))
        return false;
    return true;
  }
  case ValueKind::Dict: {
    const Dict &a = dictValue(), &b = other.dictValue();
    if (a.entries.size() != b.entries.size())
      return false;
    for (const auto &[key, value] : a.entries) {
      const Value *theirs = b.find(key);
      if (!theirs || !value.equals(*theirs))
        return false;
    }
    return true;
  }
  case ValueKind::SOp:
  case ValueKind::Selector:
    return node() == other.node();
  case ValueKind::Function:
    return function() == other.function();
  case ValueKind::Applied:
    return &appliedValue() == &other.appliedValue();
  }
  return false;
}

std::string Value::repr() const {
  switch (kind()) {
  case ValueKind::Atom:
    return atom().repr();
  case ValueKind::List: {
    std::string out = "[";
    bool first = true;
    for (const Value &item : listValue().items) {
      out += (first ? "" : ", ") + item.repr();
      first = false;
    }
    return out + "]";
  }
  case ValueKind::Dict: {
    std::string out = "{";
    bool first = true;
    for (const auto &[key, value] : dictValue().entries) {
      out += (first ? "" : ", ") + key.repr() + ": " + value.repr();
      first = false;
    }
    return out + "}";
  }
  case ValueKind::SOp:
  case ValueKind::Selector:
    return node()->name;
  case ValueKind::Function:
    return function()->name;
  case ValueKind::Applied:
    return appliedValue().node->name + "(...)";
  }
  return "";
}

std::string Value::describe() const {
  switch (kind()) {
  case ValueKind::Atom:
    return std::string(atom().typeName()) + " " + atom().repr();
  case ValueKind::List:
    return "list " + repr();
  case ValueKind::Dict:
    return "dict " + repr();
  case ValueKind::SOp:
    return "s-op " + node()->name;
  case ValueKind::Selector:
    return "selector " + node()->name;
  case ValueKind::Function:
    return "function " + function()->name;
  case ValueKind::Applied:
    return "the value of " + appliedValue().node->name + " on an input";
  }
  return "";
}
