// The original's display formats for values (REPL output, `rasp run`).
#pragma once

#include "compiler/eval/Evaluate.h"
#include "compiler/lang/Value.h"

#include <string>
#include <vector>

namespace rasp::lang {

/// One element of a sequence as `small_str` shows it: floats rounded to 3
/// places, bools as T/F, ints and strings plain.
std::string elementText(const Atom &value);
/// `[v0, v1, ...] (TYPE)`, or `[v]*n (TYPE)` when all n > 1 values are equal.
std::string sequenceText(const eval::Sequence &sequence);
/// An input as the original writes examples: strings in double quotes,
/// lists in Python notation.
std::string inputText(const Value &input);
/// The rows of a selector matrix, each with the query token, as the REPL
/// prints them (header line first), every line starting with ` \t\t\t`.
std::vector<std::string> selectorLines(const eval::SelectorMatrix &matrix,
                                       const std::vector<Atom> &input);

} // namespace rasp::lang
