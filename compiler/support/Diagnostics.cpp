// Prints located diagnostics through llvm::SourceMgr.
#include "compiler/support/Diagnostics.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cassert>
#include <cctype>

using namespace rasp;

DiagnosticEngine::DiagnosticEngine(llvm::raw_ostream *out) : out(out ? *out : llvm::errs()) {}

FileId DiagnosticEngine::addFile(llvm::StringRef name, llvm::StringRef text, unsigned firstLine) {
  auto buffer = llvm::MemoryBuffer::getMemBufferCopy(text, name);
  FileId file = sources.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  if (lineOffsets.size() <= file)
    lineOffsets.resize(file + 1, 0);
  lineOffsets[file] = firstLine - 1;
  return file;
}

std::optional<FileId> DiagnosticEngine::loadFile(llvm::StringRef path, SourceLoc requestedAt) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer) {
    std::string why = buffer.getError().message();
    if (!why.empty())
      why[0] = static_cast<char>(std::tolower(why[0]));
    if (requestedAt.isValid())
      error(requestedAt, "cannot open '" + path + "': " + why);
    else
      error("cannot open '" + path + "': " + why);
    return std::nullopt;
  }
  return sources.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
}

llvm::StringRef DiagnosticEngine::fileName(FileId file) const {
  return sources.getMemoryBuffer(file)->getBufferIdentifier();
}

llvm::StringRef DiagnosticEngine::fileText(FileId file) const {
  return sources.getMemoryBuffer(file)->getBuffer();
}

SourceLoc DiagnosticEngine::locate(FileId file, uint32_t begin, uint32_t end) const {
  llvm::StringRef text = fileText(file);
  assert(begin <= end && end <= text.size() && "range outside the file");
  if (lineStarts.size() <= file)
    lineStarts.resize(file + 1);
  std::vector<uint32_t> &starts = lineStarts[file];
  if (starts.empty()) {
    starts.push_back(0);
    for (uint32_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n')
        starts.push_back(i + 1);
  }
  // The last line that starts at or before `begin`.
  auto line = std::upper_bound(starts.begin(), starts.end(), begin) - 1;
  unsigned offset = file < lineOffsets.size() ? lineOffsets[file] : 0;
  return SourceLoc{file, static_cast<uint32_t>(line - starts.begin() + 1 + offset),
                   begin - *line + 1, begin, end};
}

void DiagnosticEngine::error(SourceLoc loc, const llvm::Twine &message) {
  if (!loc.isValid())
    return error(message);
  ++errors;
  print(loc, llvm::SourceMgr::DK_Error, message);
}

void DiagnosticEngine::note(SourceLoc loc, const llvm::Twine &message) {
  if (!loc.isValid()) {
    out << "rasp: note: " << message << "\n";
    return;
  }
  print(loc, llvm::SourceMgr::DK_Note, message);
}

void DiagnosticEngine::error(const llvm::Twine &message) {
  ++errors;
  out << "rasp: error: " << message << "\n";
}

void DiagnosticEngine::print(SourceLoc loc, llvm::SourceMgr::DiagKind kind,
                             const llvm::Twine &message) {
  assert(loc.isValid() && "diagnostic without a location");
  llvm::StringRef text = fileText(loc.file);
  // The source line, and the columns of the range within it.
  size_t newline = text.substr(0, loc.begin).rfind('\n');
  size_t lineStart = newline == llvm::StringRef::npos ? 0 : newline + 1;
  size_t lineEnd = text.find_first_of("\r\n", loc.begin);
  if (lineEnd == llvm::StringRef::npos)
    lineEnd = text.size();
  llvm::StringRef lineText = text.slice(lineStart, lineEnd);
  llvm::SmallVector<std::pair<unsigned, unsigned>, 1> ranges;
  // A range of more than one character is underlined; the caret marks its start.
  if (loc.end > loc.begin + 1)
    ranges.push_back({static_cast<unsigned>(loc.begin - lineStart),
                      static_cast<unsigned>(std::min<size_t>(loc.end, lineEnd) - lineStart)});
  llvm::SMDiagnostic diagnostic(sources, llvm::SMLoc::getFromPointer(text.data() + loc.begin),
                                fileName(loc.file), static_cast<int>(loc.line),
                                static_cast<int>(loc.begin - lineStart), kind, message.str(),
                                lineText, ranges);
  diagnostic.print(nullptr, out, out.has_colors());
}
