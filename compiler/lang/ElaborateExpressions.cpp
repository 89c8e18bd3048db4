// Elaboration of expressions: values, maps, comprehensions, ranges and
// indexing.
#include "compiler/lang/ElaborateImpl.h"

#include <cassert>

using namespace rasp;
using namespace rasp::lang;
using namespace rasp::lang::elab;

GNode *Elaborator::Impl::toSOp(const Value &value, SourceLoc loc, const std::string &what) {
  if (value.isSOp())
    return value.node();
  if (value.isAtom()) {
    GNode *node = g.add(NodeKind::Constant, value.atom().str(), loc);
    node->constant = value.atom();
    return node;
  }
  fail(loc, what + " must be an s-op or an atom, not " + brief(value));
}

GNode *Elaborator::Impl::makeMap(MapOpKind op, const std::vector<std::pair<Value, SourceLoc>> &args,
                                 SourceLoc loc, const std::string &name, AtomOpKind atomOp) {
  GNode *node = g.add(NodeKind::Map, "", loc);
  node->mapOp = op;
  node->atomOp = atomOp;
  for (const auto &[value, at] : args) {
    graph::Operand operand;
    if (value.isSOp()) {
      operand.input = static_cast<int>(node->inputs.size());
      node->inputs.push_back(value.node());
    } else if (value.isAtom()) {
      operand.constant = value.atom();
    } else {
      fail(at, "an elementwise operation on s-ops can combine them only "
               "with atoms, not with " +
                   brief(value));
    }
    node->operands.push_back(operand);
  }
  setName(node, name);
  return node;
}

std::string Elaborator::Impl::nameOf(const Value &value) {
  if (value.isNode())
    return value.node()->name;
  return value.isAtom() ? value.atom().str() : value.repr();
}

Value Elaborator::Impl::eval(const Expr &expr, const std::shared_ptr<Env> &env) {
  step(expr.loc());
  Value value = evalInner(expr, env);
  if (value.depth() > MaxValueDepth)
    fail(expr.loc(), "lists and dicts nest too deeply (more than " + std::to_string(MaxValueDepth) +
                         " levels)");
  // Every expression leaves its value in `out` (an application of an
  // s-op does not, as in the original).
  if (value.kind() != ValueKind::Applied)
    env->vars["out"] = value;
  if (trial && value.isNode()) {
    try {
      trial(value.node(), backups.empty() ? nullptr : backups.back(), expr.loc());
    } catch (const eval::EvalError &e) {
      // A built-in s-op (tokens_int ...) has no location of its own.
      throw eval::EvalError{e.loc.isValid() ? e.loc : expr.loc(), e.message};
    }
  }
  return value;
}

Value Elaborator::Impl::evalInner(const Expr &expr, const std::shared_ptr<Env> &env) {
  switch (expr.kind()) {
  case ExprKind::Int:
    return Value(Atom::integer(cast<IntExpr>(expr).value));
  case ExprKind::Float:
    return Value(Atom::real(cast<FloatExpr>(expr).value));
  case ExprKind::String:
    return Value(Atom::string(cast<StringExpr>(expr).value));
  case ExprKind::Name: {
    const std::string &name = cast<NameExpr>(expr).name;
    const Value *value = env->find(name);
    if (!value)
      fail(expr.loc(), "undefined name '" + name + "'");
    return *value;
  }
  case ExprKind::List: {
    std::vector<Value> items;
    for (const ExprPtr &e : cast<ListExpr>(expr).elements)
      items.push_back(eval(*e, env));
    return Value::list(std::move(items));
  }
  case ExprKind::Dict: {
    auto dict = std::make_shared<Dict>();
    for (const DictEntry &entry : cast<DictExpr>(expr).entries) {
      Value key = eval(*entry.key, env);
      if (!key.isAtom())
        fail(entry.key->loc(), "dict keys must be atoms, not " + brief(key));
      dict->set(key.atom(), eval(*entry.value, env));
    }
    return Value::dict(dict);
  }
  case ExprKind::ListComp:
    return evalListComp(cast<ListCompExpr>(expr), env);
  case ExprKind::DictComp:
    return evalDictComp(cast<DictCompExpr>(expr), env);
  case ExprKind::Index:
    return evalIndex(cast<IndexExpr>(expr), env);
  case ExprKind::Call:
    return evalCall(cast<CallExpr>(expr), env);
  case ExprKind::Unary:
    return evalUnary(cast<UnaryExpr>(expr), env);
  case ExprKind::Binary:
    return evalBinary(cast<BinaryExpr>(expr), env);
  case ExprKind::Ternary:
    return evalTernary(cast<TernaryExpr>(expr), env);
  case ExprKind::Select: {
    auto &s = cast<SelectExpr>(expr);
    Value keys = eval(*s.keys, env);
    Value queries = eval(*s.queries, env);
    GNode *k = toSOp(keys, s.keys->loc(), "the keys of select");
    GNode *q = toSOp(queries, s.queries->loc(), "the queries of select");
    // The original's default name for a select.
    GNode *node = g.add(NodeKind::Select, "plain select", expr.loc(), {k, q});
    node->cmp = compareOf(s.cmp);
    return Value::node(node);
  }
  case ExprKind::Aggregate:
    return evalAggregate(cast<AggregateExpr>(expr), env);
  case ExprKind::Range:
    return evalRange(cast<RangeExpr>(expr), env);
  case ExprKind::Zip:
    return evalZip(cast<ZipExpr>(expr), env);
  case ExprKind::Len: {
    auto &len = cast<LenExpr>(expr);
    Value list = eval(*len.operand, env);
    if (list.kind() != ValueKind::List)
      fail(len.operand->loc(), "len expects a list, not " + brief(list));
    return Value(Atom::integer(static_cast<int64_t>(list.listValue().items.size())));
  }
  }
  assert(false && "unknown expression kind");
  return Value();
}

Value Elaborator::Impl::evalListComp(const ListCompExpr &comp, const std::shared_ptr<Env> &env) {
  Value iterable = eval(*comp.iterable, env);
  std::vector<Value> out;
  for (const Value &item : iterate(iterable, comp.iterable->loc(), "loop over this value")) {
    auto scope = newEnv(env, env->name);
    unpack(*scope, comp.ids, item, comp.loc());
    out.push_back(eval(*comp.value, scope));
  }
  return Value::list(std::move(out));
}

Value Elaborator::Impl::evalDictComp(const DictCompExpr &comp, const std::shared_ptr<Env> &env) {
  Value iterable = eval(*comp.iterable, env);
  auto dict = std::make_shared<Dict>();
  for (const Value &item : iterate(iterable, comp.iterable->loc(), "loop over this value")) {
    auto scope = newEnv(env, env->name);
    unpack(*scope, comp.ids, item, comp.loc());
    Value key = eval(*comp.key, scope);
    if (!key.isAtom())
      fail(comp.key->loc(), "dict keys must be atoms, not " + brief(key));
    dict->set(key.atom(), eval(*comp.value, scope));
  }
  return Value::dict(dict);
}

Value Elaborator::Impl::evalRange(const RangeExpr &range, const std::shared_ptr<Env> &env) {
  std::vector<int64_t> args;
  for (const ExprPtr &e : range.args) {
    Value v = eval(*e, env);
    if (!v.isAtom() || !v.atom().isIntegral())
      fail(e->loc(), "range expects integers, not " + brief(v));
    args.push_back(v.atom().integral());
  }
  if (args.empty() || args.size() > 3)
    fail(range.loc(), "range expects 1, 2 or 3 arguments, got " + std::to_string(args.size()));
  int64_t start = args.size() > 1 ? args[0] : 0;
  int64_t stop = args.size() > 1 ? args[1] : args[0];
  int64_t step = args.size() > 2 ? args[2] : 1;
  if (step == 0)
    fail(range.args[2]->loc(), "the step of range must not be zero");
  __int128 count = step > 0 ? ((__int128)stop - start + step - 1) / step
                            : ((__int128)start - stop - step - 1) / -step;
  if (count < 0)
    count = 0;
  checkListSize(static_cast<double>(count), range.loc());
  std::vector<Value> items;
  items.reserve(static_cast<size_t>(count));
  for (__int128 i = 0; i < count; ++i)
    items.push_back(Value(Atom::integer(static_cast<int64_t>(start + i * step))));
  return Value::list(std::move(items));
}

Value Elaborator::Impl::evalZip(const ZipExpr &zip, const std::shared_ptr<Env> &env) {
  std::vector<Value> lists;
  for (const ExprPtr &e : zip.args) {
    Value v = eval(*e, env);
    if (v.kind() != ValueKind::List)
      fail(e->loc(), "zip expects lists, not " + brief(v));
    lists.push_back(v);
  }
  size_t n = lists[0].listValue().items.size();
  for (size_t i = 0; i < lists.size(); ++i)
    if (lists[i].listValue().items.size() != n)
      fail(zip.args[i]->loc(), "zip expects lists of equal length: the first has " +
                                   std::to_string(n) + " items, list " + std::to_string(i + 1) +
                                   " has " + std::to_string(lists[i].listValue().items.size()));
  std::vector<Value> out;
  for (size_t k = 0; k < n; ++k) {
    std::vector<Value> row;
    for (const Value &list : lists)
      row.push_back(list.listValue().items[k]);
    out.push_back(Value::list(std::move(row)));
  }
  return Value::list(std::move(out));
}

Value Elaborator::Impl::evalIndex(const IndexExpr &index, const std::shared_ptr<Env> &env) {
  Value base = eval(*index.base, env);
  Value key = eval(*index.index, env);
  SourceLoc at = index.index->loc();
  switch (base.kind()) {
  case ValueKind::List:
  case ValueKind::Atom: {
    bool isString = base.isAtom() && base.atom().isString();
    if (base.isAtom() && !isString)
      break;
    if (key.isSOp())
      return lookupNode(base, key, index);
    if (!key.isAtom() || !key.atom().isIntegral())
      fail(at, std::string("an index into a ") + (isString ? "string" : "list") +
                   " must be an s-op or an integer, not " + brief(key));
    std::vector<std::string> chars;
    if (isString)
      chars = codePoints(base.atom().asString());
    int64_t size = isString ? static_cast<int64_t>(chars.size())
                            : static_cast<int64_t>(base.listValue().items.size());
    int64_t i = key.atom().integral();
    if (i < -size || i >= size)
      fail(at, "index " + std::to_string(i) + " is out of range for a " +
                   (isString ? "string" : "list") + " of length " + std::to_string(size));
    size_t position = static_cast<size_t>(i < 0 ? i + size : i);
    if (isString)
      return Value(Atom::string(chars[position]));
    return base.listValue().items[position];
  }
  case ValueKind::Dict:
    if (key.isSOp())
      return lookupNode(base, key, index);
    if (!key.isAtom())
      fail(at, "an index into a dict must be an s-op or an atom, not " + brief(key));
    if (const Value *found = base.dictValue().find(key.atom()))
      return *found;
    fail(at, "key " + key.atom().repr() + " is not in the dict");
  case ValueKind::SOp:
    return indexSOp(base, key, index, env);
  default:
    break;
  }
  fail(index.base->loc(), "only lists, strings, dicts and s-ops can be "
                          "indexed, not " +
                              brief(base));
}

Value Elaborator::Impl::lookupNode(const Value &container, const Value &key,
                                   const IndexExpr &index) {
  auto table = std::make_shared<graph::Table>();
  table->text = container.repr();
  if (table->text.size() > 40)
    table->text = table->text.substr(0, 37) + "...";
  auto add = [&](const Value &entry) {
    table->entries.push_back(entry.isAtom() ? std::optional<Atom>(entry.atom()) : std::nullopt);
    table->entryText.push_back(entry.isAtom() ? "" : brief(entry));
  };
  if (container.kind() == ValueKind::Dict) {
    table->kind = graph::Table::TableKind::Dict;
    for (const auto &[k, v] : container.dictValue().entries) {
      table->keys.push_back(k);
      add(v);
    }
  } else if (container.isAtom()) {
    table->kind = graph::Table::TableKind::String;
    for (std::string &c : codePoints(container.atom().asString()))
      add(Value(Atom::string(std::move(c))));
  } else {
    table->kind = graph::Table::TableKind::List;
    for (const Value &item : container.listValue().items)
      add(item);
  }
  GNode *node = makeMap(MapOpKind::Lookup, {{key, index.index->loc()}}, index.loc(),
                        nameOf(container) + "[" + nameOf(key) + "]");
  node->table = table;
  return Value::node(node);
}

Value Elaborator::Impl::indexSOp(const Value &sop, const Value &key, const IndexExpr &index,
                                 const std::shared_ptr<Env> &env) {
  if (!key.isAtom() || !key.atom().isIntegral())
    fail(index.index->loc(), "an index into an s-op must be an integer, not " + brief(key));
  int64_t i = key.atom().integral();
  GNode *query;
  if (i >= 0) {
    query = toSOp(key, index.index->loc(), "an index");
  } else {
    const Value *length = env->find("length");
    if (!length || !length->isSOp())
      fail(index.loc(), "a negative index into an s-op needs the library's "
                        "s-op 'length'");
    query = makeMap(MapOpKind::Atom, {{*length, index.loc()}, {key, index.loc()}}, index.loc(),
                    length->node()->name + std::to_string(i), AtomOpKind::Add);
  }
  GNode *select =
      g.add(NodeKind::Select, "load from " + std::to_string(i), index.loc(), {indicesNode, query});
  select->cmp = graph::CompareKind::Eq;
  GNode *node = g.add(NodeKind::Aggregate, "", index.loc(), {select, sop.node()});
  node->constant = Atom::integer(0);
  setName(node, sop.node()->name + "[" + std::to_string(i) + "]");
  return Value::node(node);
}
