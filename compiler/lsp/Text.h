// Positions in a document as the Language Server Protocol counts them: lines
// and UTF-16 code units, converted to and from byte offsets.
#pragma once

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace rasp::lsp {

/// A zero-based line and UTF-16 column.
struct Position {
  uint32_t line = 0;
  uint32_t character = 0;
};

/// The line starts of one text (which must outlive it).
class LineIndex {
public:
  explicit LineIndex(llvm::StringRef text);

  /// The position of byte `offset` (clamped to the text).
  Position position(uint32_t offset) const;
  /// The byte offset of `pos`; a line past the end gives the end of the
  /// text, a column past the end of its line the end of the line, and a
  /// column inside a character that character's first byte.
  uint32_t offset(Position pos) const;
  uint32_t lineCount() const { return static_cast<uint32_t>(starts.size()); }

private:
  llvm::StringRef text;
  std::vector<uint32_t> starts;
};

/// The length of a UTF-8 sequence starting with `lead` (1 for bytes that are
/// not UTF-8, so that every byte is counted once).
unsigned utf8Length(unsigned char lead);

} // namespace rasp::lsp
