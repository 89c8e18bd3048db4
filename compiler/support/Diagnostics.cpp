// Prints located diagnostics through llvm::SourceMgr.
#include "compiler/support/Diagnostics.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cassert>
#include <cctype>
#include <cerrno>

#include <unistd.h>

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

namespace {

/// An error's text as a diagnostic's: lower-case first letter.
std::string reason(std::error_code error) {
  std::string why = error.message();
  if (!why.empty())
    why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
  return why;
}

/// Why `status` is not a source to read, or nothing.
std::optional<std::string> refusal(const llvm::sys::fs::file_status &status) {
  if (status.type() != llvm::sys::fs::file_type::regular_file)
    return std::string("not a regular file");
  if (status.getSize() > MaxSourceBytes)
    return std::to_string(status.getSize()) + " bytes, more than the limit of " +
           std::to_string(MaxSourceBytes >> 20) + " MiB";
  return std::nullopt;
}

/// Reads the open file `fd` into `buffer` if it still passes the checks;
/// otherwise says why not.
std::optional<std::string> readOpenFile(int fd, llvm::StringRef path,
                                        std::unique_ptr<llvm::MemoryBuffer> &buffer) {
  llvm::sys::fs::file_status status;
  if (std::error_code failed = llvm::sys::fs::status(fd, status))
    return reason(failed);
  if (std::optional<std::string> why = refusal(status))
    return why;
  auto read = llvm::MemoryBuffer::getOpenFile(fd, path, status.getSize());
  if (!read)
    return reason(read.getError());
  buffer = std::move(*read);
  return std::nullopt;
}

} // namespace

std::optional<FileId> DiagnosticEngine::loadFile(llvm::StringRef path, SourceLoc requestedAt) {
  auto fail = [&](const llvm::Twine &message) -> std::optional<FileId> {
    error(requestedAt, message); // Unlocated when `requestedAt` is invalid.
    return std::nullopt;
  };
  // Checked before opening, so that a FIFO does not block and /dev/zero is
  // not read; then again on the open file, which may have been replaced.
  llvm::sys::fs::file_status status;
  if (std::error_code failed = llvm::sys::fs::status(path, status))
    return fail("cannot open '" + path + "': " + reason(failed));
  if (std::optional<std::string> why = refusal(status))
    return fail("cannot read '" + path + "': " + *why);
  int fd = -1;
  if (std::error_code failed = llvm::sys::fs::openFileForRead(path, fd))
    return fail("cannot open '" + path + "': " + reason(failed));
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  std::optional<std::string> why = readOpenFile(fd, path, buffer);
  llvm::sys::Process::SafelyCloseFileDescriptor(fd);
  if (why)
    return fail("cannot read '" + path + "': " + *why);
  return sources.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
}

std::optional<FileId> DiagnosticEngine::loadStdin(llvm::StringRef name) {
  std::string text;
  char chunk[1 << 16];
  while (true) {
    ssize_t got = ::read(STDIN_FILENO, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      error("cannot read standard input: " +
            reason(std::error_code(errno, std::generic_category())));
      return std::nullopt;
    }
    if (got == 0)
      return addFile(name, text);
    if (text.size() + static_cast<size_t>(got) > MaxSourceBytes) {
      error("cannot read standard input: more than the limit of " +
            std::to_string(MaxSourceBytes >> 20) + " MiB");
      return std::nullopt;
    }
    text.append(chunk, static_cast<size_t>(got));
  }
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
