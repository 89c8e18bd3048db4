// Elaboration of aggregates, ternaries, operators, `in` and calls.
#include "compiler/lang/ElaborateImpl.h"

#include <cassert>

using namespace rasp;
using namespace rasp::lang;
using namespace rasp::lang::elab;

Value Elaborator::Impl::evalAggregate(const AggregateExpr &agg, const std::shared_ptr<Env> &env) {
  Value sel = eval(*agg.selector, env);
  Value values = eval(*agg.values, env);
  if (!sel.isSelector())
    fail(agg.selector->loc(), "aggregate expects a selector, not " + brief(sel));
  GNode *valuesNode = toSOp(values, agg.values->loc(), "the values of aggregate");
  Atom fallback = Atom::integer(0);
  if (agg.fallback) {
    Value v = eval(*agg.fallback, env);
    if (!v.isAtom())
      fail(agg.fallback->loc(), "the default of aggregate must be an atom, not " + brief(v));
    fallback = v.atom();
  }
  GNode *node = g.add(NodeKind::Aggregate, "", agg.loc(), {sel.node(), valuesNode});
  node->constant = fallback;
  setName(node, "aggregate(" + sel.node()->name + ", " + valuesNode->name + ")");
  return Value::node(node);
}

Value Elaborator::Impl::evalTernary(const TernaryExpr &t, const std::shared_ptr<Env> &env) {
  Value cond = eval(*t.cond, env);
  if (cond.isSelector())
    fail(t.cond->loc(), "the condition of a conditional expression cannot be "
                        "a selector");
  if (!cond.isSOp())
    return eval(cond.truthy() ? *t.thenValue : *t.elseValue, env);
  Value a = eval(*t.thenValue, env);
  Value b = eval(*t.elseValue, env);
  return Value::node(makeMap(
      MapOpKind::Ternary, {{cond, t.cond->loc()}, {a, t.thenValue->loc()}, {b, t.elseValue->loc()}},
      t.loc(), nameOf(a) + " if " + nameOf(cond) + " else " + nameOf(b)));
}

Value Elaborator::Impl::evalUnary(const UnaryExpr &u, const std::shared_ptr<Env> &env) {
  Value v = eval(*u.operand, env);
  SourceLoc at = u.loc();
  try {
    switch (u.op) {
    case UnaryOpKind::Not:
      if (v.isSOp())
        return Value::node(
            makeMap(MapOpKind::Not, {{v, at}}, at, "( not " + v.node()->name + " )"));
      if (v.isSelector()) {
        GNode *node = g.add(NodeKind::SelectorNot, "", at, {v.node()});
        setName(node, "( not " + v.node()->name + " )");
        return Value::node(node);
      }
      return Value(Atom::boolean(!v.truthy()));
    case UnaryOpKind::Neg:
    case UnaryOpKind::Plus: {
      bool neg = u.op == UnaryOpKind::Neg;
      if (v.isSOp())
        return Value::node(makeMap(neg ? MapOpKind::Neg : MapOpKind::Plus, {{v, at}}, at,
                                   (neg ? "-" : "+") + v.node()->name));
      if (v.isAtom())
        return Value(neg ? negate(v.atom()) : unaryPlus(v.atom()));
      fail(at, std::string("cannot apply unary ") + (neg ? "-" : "+") + " to " + brief(v));
    }
    case UnaryOpKind::Round:
      if (v.isSOp())
        return Value::node(
            makeMap(MapOpKind::Round, {{v, at}}, at, "round(" + v.node()->name + ")"));
      if (v.isAtom())
        return Value(pythonRound(v.atom()));
      fail(at, "round expects a number or an s-op, not " + brief(v));
    case UnaryOpKind::Indicator:
      if (v.isSOp())
        return Value::node(
            makeMap(MapOpKind::Indicator, {{v, at}}, at, "I(" + v.node()->name + ")"));
      fail(at, "indicator expects an s-op, not " + brief(v));
    }
  } catch (const AtomError &e) {
    fail(at, e.message);
  }
  assert(false && "unknown unary operator");
  return Value();
}

Value Elaborator::Impl::evalBinary(const BinaryExpr &b, const std::shared_ptr<Env> &env) {
  if (b.op == BinaryOpKind::In)
    return evalIn(b, env);
  Value lhs = eval(*b.lhs, env);
  Value rhs = eval(*b.rhs, env);
  SourceLoc at = b.loc();
  bool anySOp = lhs.isSOp() || rhs.isSOp();
  bool anySelector = lhs.isSelector() || rhs.isSelector();
  std::string name = "(" + nameOf(lhs) + " " + binarySpelling(b.op) + " " + nameOf(rhs) + ")";
  if (b.op == BinaryOpKind::And || b.op == BinaryOpKind::Or) {
    bool both = b.op == BinaryOpKind::And;
    if (anySOp || anySelector) {
      if (anySelector) {
        if (!(lhs.isSelector() && rhs.isSelector()))
          fail(b.opLoc, std::string("cannot apply '") + binarySpelling(b.op) +
                            "' between a selector and a non-selector");
        GNode *node = g.add(both ? NodeKind::SelectorAnd : NodeKind::SelectorOr, "", at,
                            {lhs.node(), rhs.node()});
        setName(node, name);
        return Value::node(node);
      }
      return Value::node(makeMap(both ? MapOpKind::And : MapOpKind::Or,
                                 {{lhs, b.lhs->loc()}, {rhs, b.rhs->loc()}}, at, name));
    }
    // Python's and/or return one of their operands.
    if (both)
      return lhs.truthy() ? rhs : lhs;
    return lhs.truthy() ? lhs : rhs;
  }
  if (anySelector)
    fail(b.opLoc, std::string("cannot apply '") + binarySpelling(b.op) + "' to a selector");
  AtomOpKind op = atomOpOf(b.op);
  if (anySOp)
    return Value::node(
        makeMap(MapOpKind::Atom, {{lhs, b.lhs->loc()}, {rhs, b.rhs->loc()}}, at, name, op));
  try {
    if (lhs.isAtom() && rhs.isAtom())
      return Value(applyAtomOp(op, lhs.atom(), rhs.atom()));
    return Value(listOp(op, lhs, rhs, at));
  } catch (const AtomError &e) {
    fail(b.opLoc, e.message);
  }
}

Value Elaborator::Impl::listOp(AtomOpKind op, const Value &lhs, const Value &rhs, SourceLoc at) {
  if (op == AtomOpKind::Eq)
    return Value(Atom::boolean(lhs.equals(rhs)));
  bool leftList = lhs.kind() == ValueKind::List;
  bool rightList = rhs.kind() == ValueKind::List;
  if (op == AtomOpKind::Add && leftList && rightList) {
    checkListSize(lhs.listValue().items.size() + rhs.listValue().items.size(), at);
    std::vector<Value> items = lhs.listValue().items;
    for (const Value &v : rhs.listValue().items)
      items.push_back(v);
    return Value::list(std::move(items));
  }
  if (op == AtomOpKind::Mul && (leftList || rightList)) {
    const Value &list = leftList ? lhs : rhs;
    const Value &times = leftList ? rhs : lhs;
    if (times.isAtom() && times.atom().isIntegral()) {
      int64_t n = std::max<int64_t>(0, times.atom().integral());
      size_t size = list.listValue().items.size();
      if (size && static_cast<uint64_t>(n) > MaxListSize / size)
        checkListSize(static_cast<double>(size) * static_cast<double>(n), at);
      std::vector<Value> items;
      for (int64_t i = 0; i < n; ++i)
        for (const Value &v : list.listValue().items)
          items.push_back(v);
      return Value::list(std::move(items));
    }
  }
  throw AtomError{std::string("unsupported operand types for ") + atomOpSpelling(op) + ": " +
                  brief(lhs) + " and " + brief(rhs)};
}

Value Elaborator::Impl::evalIn(const BinaryExpr &b, const std::shared_ptr<Env> &env) {
  Value item = eval(*b.lhs, env);
  Value container = eval(*b.rhs, env);
  SourceLoc at = b.loc();
  if (item.isSOp()) {
    if (container.kind() != ValueKind::List)
      fail(b.rhs->loc(), "'s-op in X' expects X to be a list of atoms, not " + brief(container));
    auto table = std::make_shared<graph::Table>();
    table->kind = graph::Table::TableKind::List;
    for (const Value &v : container.listValue().items) {
      if (!v.isAtom())
        fail(b.rhs->loc(), "'s-op in X' expects X to be a list of atoms, "
                           "but it holds " +
                               brief(v));
      table->entries.push_back(v.atom());
      table->entryText.push_back("");
    }
    table->text = container.repr();
    std::string containerName =
        llvm::isa<NameExpr>(*b.rhs) ? cast<NameExpr>(*b.rhs).name : container.repr();
    GNode *node = makeMap(MapOpKind::InList, {{item, b.lhs->loc()}}, at,
                          item.node()->name + " in " + containerName);
    node->table = table;
    return Value::node(node);
  }
  if (item.isAtom()) {
    if (container.kind() == ValueKind::List) {
      for (const Value &v : container.listValue().items)
        if (v.equals(item))
          return Value(Atom::boolean(true));
      return Value(Atom::boolean(false));
    }
    if (container.isSOp()) {
      // aggregate(full, indicator(sop == atom)) > 0: one attention layer.
      // As in the original, every `atom in sop` shares one full selector.
      if (!fullAverage) {
        fullAverage = g.add(NodeKind::Select, "full average", SourceLoc());
        fullAverage->cmp = graph::CompareKind::Eq;
        GNode *one = toSOp(Value(Atom::integer(1)), SourceLoc(), "");
        fullAverage->inputs = {one, one};
      }
      GNode *full = fullAverage;
      GNode *same =
          makeMap(MapOpKind::Atom, {{container, b.rhs->loc()}, {item, b.lhs->loc()}}, at,
                  "(" + container.node()->name + " == " + item.atom().str() + ")", AtomOpKind::Eq);
      GNode *indicator =
          makeMap(MapOpKind::Indicator, {{Value::node(same), at}}, at, "I(" + same->name + ")");
      GNode *mean = g.add(NodeKind::Aggregate, "", at, {full, indicator});
      mean->constant = Atom::integer(0);
      setName(mean, "aggregate(full average, " + indicator->name + ")");
      return Value::node(
          makeMap(MapOpKind::Atom, {{Value::node(mean), at}, {Value(Atom::integer(0)), at}}, at,
                  "(" + item.atom().str() + " in " + container.node()->name + ")", AtomOpKind::Gt));
    }
    fail(b.rhs->loc(), "'atom in X' expects X to be a list or an s-op, not " + brief(container));
  }
  if (item.isSelector() || item.kind() == ValueKind::Function)
    fail(b.lhs->loc(), "cannot test whether " + brief(item) +
                           " is in a container: such values are only equal "
                           "to themselves");
  fail(b.lhs->loc(), "'A in X' expects A to be an s-op or an atom, not " + brief(item));
}

Value Elaborator::Impl::evalCall(const CallExpr &call, const std::shared_ptr<Env> &env) {
  // As in the original, a single argument is evaluated first, and serves
  // as the example on which the callee's s-ops are tried.
  std::vector<Value> args;
  for (const ExprPtr &e : call.args)
    args.push_back(eval(*e, env));
  std::vector<Atom> backup;
  if (args.size() == 1) {
    try {
      backup = inputAtoms(args[0], call.loc());
    } catch (const LangError &) {
    }
  }
  if (!backup.empty())
    backups.push_back(&backup);
  struct PopBackup {
    std::vector<const std::vector<Atom> *> &stack;
    bool pushed;
    ~PopBackup() {
      if (pushed)
        stack.pop_back();
    }
  } popBackup{backups, !backup.empty()};
  Value callee = eval(*call.callee, env);
  if (callee.kind() == ValueKind::Function)
    return callFunction(*callee.function(), args, call);
  if (callee.isNode()) {
    if (!args.empty())
      env->vars["out"] = args.back(); // The original evaluates it last.
    if (args.size() != 1)
      fail(call.loc(), "an s-op or selector is applied to exactly one input, "
                       "got " +
                           std::to_string(args.size()) + " arguments");
    auto applied = std::make_shared<Applied>();
    applied->node = callee.node();
    applied->input = inputAtoms(args[0], call.args[0]->loc());
    eval::Evaluator evaluator(applied->input);
    try {
      if (callee.isSelector())
        applied->matrix = evaluator.selector(callee.node());
      else
        applied->sequence = evaluator.sequence(callee.node());
    } catch (const eval::EvalError &e) {
      throw eval::EvalError{e.loc.isValid() ? e.loc : call.loc(), e.message};
    }
    return Value::applied(applied);
  }
  fail(call.callee->loc(), "cannot call " + brief(callee) +
                               ": only functions, s-ops and selectors can be "
                               "called");
}

Value Elaborator::Impl::callFunction(const Function &f, const std::vector<Value> &args,
                                     const CallExpr &call) {
  if (args.size() != f.params.size())
    fail(call.loc(), f.name + " takes " + std::to_string(f.params.size()) +
                         (f.params.size() == 1 ? " argument" : " arguments") + ", but " +
                         std::to_string(args.size()) + (args.size() == 1 ? " was" : " were") +
                         " given");
  std::string resultName = f.name + "(";
  for (size_t i = 0; i < args.size(); ++i)
    resultName += (i ? " , " : "") + argumentText(args[i]);
  resultName += ")";
  if (f.builtin == BuiltinKind::SelectorWidth) {
    if (!args[0].isSelector())
      fail(call.args[0]->loc(), "selector_width expects a selector, not " + brief(args[0]));
    GNode *node = g.add(NodeKind::SelectorWidth, "", call.loc(), {args[0].node()});
    setName(node, resultName);
    return Value::node(node);
  }
  if (f.builtin == BuiltinKind::Categorical || f.builtin == BuiltinKind::Numerical) {
    if (!args[0].isSOp())
      fail(call.args[0]->loc(), f.name + " expects an s-op, not " + brief(args[0]));
    args[0].node()->encoding = f.builtin == BuiltinKind::Categorical
                                   ? graph::EncodingHintKind::Categorical
                                   : graph::EncodingHintKind::Numerical;
    args[0].node()->encodingLoc = call.loc();
    return args[0];
  }
  if (callDepth >= MaxCallDepth)
    fail(call.loc(),
         "maximum recursion depth (" + std::to_string(MaxCallDepth) + " calls) exceeded");
  auto scope = newEnv(f.closure, f.closure->name + "'");
  for (size_t i = 0; i < args.size(); ++i)
    scope->vars[f.params[i]] = args[i];
  ++callDepth;
  struct Leave {
    unsigned &depth;
    ~Leave() { --depth; }
  } leave{callDepth};
  for (const StmtPtr &stmt : f.def->body)
    exec(*stmt, scope);
  std::vector<Value> results;
  for (const ExprPtr &e : f.def->returnValues)
    results.push_back(eval(*e, scope));
  Value result = results.size() == 1 ? results[0] : Value::list(results);
  if (result.isNode())
    setName(result.node(), resultName);
  return result;
}
