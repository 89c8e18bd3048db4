// Prints located diagnostics through llvm::SourceMgr.
#include "compiler/support/Diagnostics.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cassert>
#include <cctype>

using namespace rasp;

DiagnosticEngine::DiagnosticEngine(llvm::raw_ostream *out)
    : out(out ? *out : llvm::errs()) {}

FileId DiagnosticEngine::addFile(llvm::StringRef name, llvm::StringRef text) {
  auto buffer = llvm::MemoryBuffer::getMemBufferCopy(text, name);
  return sources.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
}

std::optional<FileId> DiagnosticEngine::loadFile(llvm::StringRef path,
                                                 SourceLoc requestedAt) {
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

SourceLoc DiagnosticEngine::locate(FileId file, uint32_t begin,
                                   uint32_t end) const {
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
  return SourceLoc{file, static_cast<uint32_t>(line - starts.begin() + 1),
                   begin - *line + 1, begin, end};
}

void DiagnosticEngine::error(SourceLoc loc, const llvm::Twine &message) {
  ++errors;
  print(loc, llvm::SourceMgr::DK_Error, message);
}

void DiagnosticEngine::note(SourceLoc loc, const llvm::Twine &message) {
  print(loc, llvm::SourceMgr::DK_Note, message);
}

void DiagnosticEngine::error(const llvm::Twine &message) {
  ++errors;
  out << "rasp: error: " << message << "\n";
}

void DiagnosticEngine::print(SourceLoc loc, llvm::SourceMgr::DiagKind kind,
                             const llvm::Twine &message) {
  assert(loc.isValid() && "diagnostic without a location");
  const char *start = fileText(loc.file).data();
  llvm::SMLoc at = llvm::SMLoc::getFromPointer(start + loc.begin);
  llvm::SmallVector<llvm::SMRange, 1> ranges;
  // A range of more than one character is underlined; the caret marks its
  // start.
  if (loc.end > loc.begin + 1)
    ranges.push_back(
        llvm::SMRange(at, llvm::SMLoc::getFromPointer(start + loc.end)));
  sources.PrintMessage(out, at, kind, message, ranges, {}, out.has_colors());
}
