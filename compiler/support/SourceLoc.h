// A source range in a file held by the DiagnosticEngine.
#pragma once

#include <cstdint>

namespace rasp {

/// Identifies a file (or REPL input buffer) registered with a DiagnosticEngine.
using FileId = uint32_t;

/// Where a piece of syntax came from: its file, the line and column of its
/// first character (1-based; columns count bytes, as editors and compilers
/// do) and its byte range [begin, end) in the file's text.
struct SourceLoc {
  FileId file = 0;
  uint32_t line = 0;
  uint32_t col = 0;
  uint32_t begin = 0;
  uint32_t end = 0;

  bool isValid() const { return line != 0; }
};

} // namespace rasp
