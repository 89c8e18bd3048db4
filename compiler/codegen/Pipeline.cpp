// The compiler's pipeline: 6a value sets, 6b plan, 6c prune, 7 assemble.
#include "compiler/codegen/Pipeline.h"

#include "compiler/codegen/assemble/Assemble.h"
#include "compiler/codegen/assemble/Prune.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <exception>
#include <functional>
#include <unordered_map>

#include <pthread.h>
#include <sys/resource.h>

using namespace rasp;
using namespace rasp::codegen;

namespace {

/// The stack the stages run on (reserved, and touched only as deep as it
/// goes). The passes recurse along chains of s-ops: chains of 100,000 maps
/// take under 32 MiB, so this holds the longest chain the depth budget
/// lets through four times over.
constexpr size_t StackBytes = size_t(512) << 20;

/// Refuses a graph whose longest chain of nodes below `root` (counting
/// both) passes `maxDepth`: the stages would recurse past their stack.
void checkDepth(const graph::Node *root, size_t maxDepth) {
  std::unordered_map<const graph::Node *, size_t> depth;
  size_t deepest = 0;
  for (const graph::Node *node : graph::topologicalOrder(root)) {
    size_t d = 1;
    for (const graph::Node *input : node->inputs)
      d = std::max(d, depth.at(input) + 1);
    deepest = std::max(deepest, depth[node] = d);
  }
  if (deepest > maxDepth)
    throw CompileError{
        root, "'" + root->name + "' is computed through a chain of " + std::to_string(deepest) +
                  " s-ops and selectors, more than the budget of " + std::to_string(maxDepth)};
}

/// "1.5 GiB", "14.4 KiB": a size in the largest binary unit it reaches.
std::string bytesText(double bytes) {
  const char *units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  for (; unit < 4 && bytes >= 1024; ++unit)
    bytes /= 1024;
  return llvm::formatv(unit ? "{0:f1} {1}" : "{0:f0} {1}", bytes, units[unit]).str();
}

/// Refuses a plan whose dense matrices would pass the parameter budget.
void checkModelSize(const graph::Node *root, const ModelPlan &plan, int64_t maxParams) {
  int64_t params = denseParameters(plan);
  if (params <= maxParams)
    return;
  // The widest one-hot, when it is wide: a block of numbers that could be
  // held as one number.
  std::string widest;
  const Block *most = nullptr;
  for (const Block &b : plan.blocks)
    if (b.encoding == EncodingKind::Categorical && (!most || b.width() > most->width()))
      most = &b;
  // numerical(...) helps only where no select reads the block: a select
  // compares one-hots whatever the hint (every reason a select side gives,
  // Block::why, names the select).
  if (most && most->width() > 1000 &&
      std::all_of(most->values.begin(), most->values.end(),
                  [](const Atom &v) { return v.isNumber() && !v.isBool(); })) {
    widest = "; its widest block is '" + most->label + "', a one-hot of " +
             std::to_string(most->width()) + " numbers";
    if (most->why.find("select") == std::string::npos)
      widest += ": numerical(" + most->label + ") holds it as one number";
    else
      widest += " (" + most->why + "), which numerical(...) does not change";
  }
  throw CompileError{root,
                     "the model of '" + root->name + "' would have " + std::to_string(params) +
                         " parameters (" + bytesText(params * 4.0) +
                         " as float32), more than the budget of " + std::to_string(maxParams) +
                         " (--max-params); lower max_len or the vocabulary, or raise "
                         "--max-params" +
                         widest,
                     true};
}

/// The plan of `root` (6b), pruned (6c), within the parameter budget;
/// where that is refused for a limit that grows with max_len, planned again
/// with PlanOptions::spendLayers (the first refusal stands if that fails
/// too).
ModelPlan planWithinLimits(const graph::Node *root, const ValueSets &sets,
                           const CompileOptions &options) {
  PlanOptions planOptions{options.vocab, options.maxLen, options.maxUnits, options.maxParams};
  auto plan = [&] {
    ModelPlan out = planModel(root, sets, planOptions);
    pruneUnread(out);
    checkModelSize(root, out, options.maxParams);
    return out;
  };
  try {
    return plan();
  } catch (const CompileError &first) {
    if (!first.sizeLimit)
      throw;
    planOptions.spendLayers = true;
    try {
      return plan();
    } catch (const CompileError &) {
      throw first;
    }
  }
}

/// The stages, in order.
CompiledProgram compileStages(const graph::Node *root, const CompileOptions &options) {
  auto start = std::chrono::steady_clock::now();
  CompiledProgram out;
  // 6a: lazy, each set computed when the plan first asks for it.
  out.values = lazyValueSets(root, {options.vocab, options.maxLen, options.valueLimit});
  out.plan = planWithinLimits(root, out.values, options);      // 6b, 6c
  out.model = assembleModel(out.plan, &out.nonzeroParameters); // 7
  assert(out.model.validate().empty() && "assembly made inconsistent shapes");
  assert(out.model.parameters() == denseParameters(out.plan) && "the budget counts every weight");
  out.compileMs =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  struct rusage usage {};
  if (getrusage(RUSAGE_SELF, &usage) == 0)
    out.peakMemoryMiB = static_cast<double>(usage.ru_maxrss) / 1024.0; // (KiB on Linux)
  return out;
}

/// Runs `work` on a thread with a stack of `bytes`, and waits for it;
/// rethrows what it throws. Where no such thread can be made (a tight
/// ulimit), runs it here.
void onLargeStack(size_t bytes, const std::function<void()> &work) {
  struct Call {
    const std::function<void()> &work;
    std::exception_ptr failure;
  } call{work, nullptr};
  auto run = [](void *arg) -> void * {
    Call &call = *static_cast<Call *>(arg);
    try {
      call.work();
    } catch (...) {
      call.failure = std::current_exception();
    }
    return nullptr;
  };
  pthread_attr_t attributes;
  pthread_t thread;
  bool started = false;
  if (pthread_attr_init(&attributes) == 0) {
    started = pthread_attr_setstacksize(&attributes, bytes) == 0 &&
              pthread_create(&thread, &attributes, run, &call) == 0;
    pthread_attr_destroy(&attributes);
  }
  if (started)
    pthread_join(thread, nullptr);
  else
    run(&call);
  if (call.failure)
    std::rethrow_exception(call.failure);
}

} // namespace

CompiledProgram codegen::compileProgram(const graph::Node *root, const CompileOptions &options) {
  checkDepth(root, options.maxDepth);
  CompiledProgram out;
  onLargeStack(StackBytes, [&] { out = compileStages(root, options); });
  return out;
}

LowerMaxLen codegen::largestCompilingMaxLen(const graph::Node *root, const CompileOptions &options,
                                            double budgetMs) {
  auto start = std::chrono::steady_clock::now();
  auto spent = [&] {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
  };
  auto plans = [&](int64_t maxLen) {
    CompileOptions at = options;
    at.maxLen = maxLen;
    bool ok = true;
    try {
      onLargeStack(StackBytes, [&] {
        ValueSets sets = lazyValueSets(root, {at.vocab, at.maxLen, at.valueLimit});
        planWithinLimits(root, sets, at);
      });
    } catch (const CompileError &) {
      ok = false;
    } catch (const ValueSetError &) {
      ok = false;
    }
    return ok;
  };
  // (Refusals need not be monotone in max_len: a lookup may fail at 1 and
  // another strategy succeed at 30. Only a max_len that planned is named.)
  int64_t good = 0, bad = options.maxLen;
  while (bad - good > 1 && spent() < budgetMs) {
    int64_t mid = good + (bad - good) / 2;
    (plans(mid) ? good : bad) = mid;
  }
  LowerMaxLen out;
  if (good >= 1)
    out.compiles = good;
  return out;
}

void codegen::dumpValueSets(const graph::Node *root, const ValueSets &sets,
                            llvm::raw_ostream &out) {
  sets.computeAll(root);
  for (const graph::Node *node : graph::topologicalOrder(root)) {
    if (auto unknown = sets.unknown.find(node); unknown != sets.unknown.end()) {
      out << "'" << node->name << "': unknown: " << unknown->second.message << "\n";
      continue;
    }
    auto it = sets.known.find(node);
    if (it == sets.known.end())
      continue;
    out << "'" << node->name << "': " << it->second.size() << " values {";
    size_t shown = std::min<size_t>(it->second.size(), 20);
    for (size_t i = 0; i < shown; ++i)
      out << (i ? ", " : "") << it->second[i].repr();
    if (shown < it->second.size())
      out << ", ...";
    out << "}\n";
  }
}
