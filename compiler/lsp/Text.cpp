// UTF-16 positions over UTF-8 text.
#include "compiler/lsp/Text.h"

#include <algorithm>

namespace rasp::lsp {

unsigned utf8Length(unsigned char lead) {
  if (lead < 0xC0)
    return 1;
  if (lead < 0xE0)
    return 2;
  if (lead < 0xF0)
    return 3;
  return lead < 0xF8 ? 4 : 1;
}

LineIndex::LineIndex(llvm::StringRef text) : text(text) {
  starts.push_back(0);
  for (uint32_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n')
      starts.push_back(i + 1);
}

Position LineIndex::position(uint32_t offset) const {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text.size()));
  auto line = std::upper_bound(starts.begin(), starts.end(), offset) - 1;
  Position pos{static_cast<uint32_t>(line - starts.begin()), 0};
  for (uint32_t i = *line; i < offset;) {
    unsigned size = utf8Length(static_cast<unsigned char>(text[i]));
    pos.character += size == 4 ? 2 : 1; // Beyond the BMP: a surrogate pair.
    i += size;
  }
  return pos;
}

uint32_t LineIndex::offset(Position pos) const {
  if (pos.line >= starts.size())
    return static_cast<uint32_t>(text.size());
  uint32_t end =
      pos.line + 1 < starts.size() ? starts[pos.line + 1] - 1 : static_cast<uint32_t>(text.size());
  if (end > starts[pos.line] && text[end - 1] == '\r')
    --end;
  uint32_t i = starts[pos.line];
  for (uint32_t units = 0; i < end;) {
    unsigned size = utf8Length(static_cast<unsigned char>(text[i]));
    units += size == 4 ? 2 : 1;
    if (units > pos.character)
      break;
    i = std::min(i + size, end);
  }
  return i;
}

} // namespace rasp::lsp
