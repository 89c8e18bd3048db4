// A fixed pseudo-random input for the evaluator's benchmarks.
#pragma once

#include "compiler/atom/Atom.h"

#include <random>
#include <string>
#include <vector>

namespace rasp::bench {

/// n one-character tokens drawn from `alphabet` (seed 42: the same input
/// every run).
inline std::vector<Atom> randomInput(size_t n, const std::string &alphabet) {
  std::mt19937 random(42);
  std::vector<Atom> input;
  for (size_t i = 0; i < n; ++i)
    input.push_back(Atom::string(std::string(1, alphabet[random() % alphabet.size()])));
  return input;
}

} // namespace rasp::bench
