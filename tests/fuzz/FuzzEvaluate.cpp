// libFuzzer target: elaborate arbitrary programs and evaluate every s-op and
// selector they define on a few inputs. Diagnostics are fine; any crash,
// hang, leak, sanitizer report or unbounded memory is a bug.
#include "compiler/eval/Evaluate.h"
#include "tests/fuzz/FuzzProgram.h"

#include <cstddef>
#include <cstdint>

using namespace rasp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz::FuzzProgram program(data, size);
  const auto &scope = program.scope;
  const std::vector<std::vector<Atom>> inputs = {
      {Atom::string("h"), Atom::string("e"), Atom::string("l"), Atom::string("l"),
       Atom::string("o")},
      {Atom::integer(3), Atom::integer(-1), Atom::real(2.5)},
      {Atom::boolean(true)}};
  for (const auto &input : inputs) {
    eval::Evaluator evaluator(input);
    for (const auto &[name, value] : scope->vars) {
      if (!value.isNode())
        continue;
      try {
        if (value.isSelector())
          evaluator.selector(value.node());
        else
          evaluator.sequence(value.node());
      } catch (const eval::EvalError &) {
      }
    }
  }
  return 0;
}
