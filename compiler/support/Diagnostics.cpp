// Prints located diagnostics through llvm::SourceMgr.
#include "compiler/support/Diagnostics.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Unicode.h"
#include "llvm/Support/WithColor.h"
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

bool DiagnosticEngine::countError() {
  ++errors;
  if (sink || !silenced())
    return true;
  if (errors == errorLimit + 1)
    out << "rasp: note: more than " << errorLimit
        << " errors; the rest are not shown (--error-limit 0 shows them all)\n";
  return false;
}

void DiagnosticEngine::error(SourceLoc loc, const llvm::Twine &message) {
  if (!loc.isValid())
    return error(message);
  if (!countError())
    return;
  if (sink)
    return sink(Diagnostic{false, loc, message.str()});
  print(loc, llvm::SourceMgr::DK_Error, message);
}

namespace {

/// `\xNN`, lower-case.
std::string escapedByte(unsigned char byte) {
  const char *digits = "0123456789abcdef";
  return std::string("\\x") + digits[byte >> 4] + digits[byte & 15];
}

/// Calls `emit(piece, width, bytes)` for each character of `text`, in
/// order: `bytes` bytes of the text shown as `piece`, `width` columns wide.
/// Control characters (C0 but tab and line feed, which are passed on as
/// they are, and DEL) and bytes that are not UTF-8 show as `\xNN`; code
/// points a terminal does not print (C1 controls, bidirectional overrides,
/// ...) as `\u{N}`; other characters as they are, as wide as a terminal
/// shows them.
template <typename Emit> void showCharacters(llvm::StringRef text, Emit emit) {
  for (size_t i = 0; i < text.size();) {
    auto byte = static_cast<unsigned char>(text[i]);
    size_t size = byte < 0x80 ? 1 : llvm::getNumBytesForUTF8(byte);
    auto *first = reinterpret_cast<const llvm::UTF8 *>(text.data() + i);
    if (byte >= 0x80 && (i + size > text.size() || !llvm::isLegalUTF8Sequence(first, first + size)))
      size = 0; // Not UTF-8: the byte alone, escaped.
    llvm::StringRef character = text.substr(i, std::max<size_t>(size, 1));
    i += character.size();
    int width = size ? llvm::sys::unicode::columnWidthUTF8(character) : -1;
    if (byte == '\t' || byte == '\n') {
      emit(character, 1, 1);
    } else if (width >= 0) {
      emit(character, static_cast<unsigned>(width), character.size());
    } else if (size <= 1) {
      emit(escapedByte(byte), 4, 1);
    } else {
      llvm::UTF32 point = 0;
      llvm::convertUTF8Sequence(&first, first + size, &point, llvm::strictConversion);
      std::string escaped = "\\u{" + llvm::utohexstr(point, /*LowerCase=*/true) + "}";
      emit(escaped, static_cast<unsigned>(escaped.size()), size);
    }
  }
}

/// `text` (a message, a file name) with what a terminal would act on
/// escaped, as showCharacters does.
std::string escapeControls(llvm::StringRef text) {
  std::string out;
  showCharacters(text, [&](llvm::StringRef piece, unsigned, size_t) { out += piece; });
  return out;
}

/// A source line as it is shown under a diagnostic, and where each byte of
/// it is shown.
struct SourceLine {
  std::string text;
  /// The display column at which byte i of the line starts; one more entry
  /// for the end of the line.
  std::vector<unsigned> columns;
};

/// Shows `line` as showCharacters does, tabs expanded to the next multiple
/// of 8 columns, and keeps track of the columns.
SourceLine showLine(llvm::StringRef line) {
  SourceLine shown;
  unsigned column = 0;
  showCharacters(line, [&](llvm::StringRef piece, unsigned width, size_t bytes) {
    if (piece == "\t") {
      width = 8 - column % 8;
      piece = llvm::StringRef("        ", width);
    }
    shown.text += piece;
    shown.columns.insert(shown.columns.end(), bytes, column);
    column += width;
  });
  shown.columns.push_back(column);
  return shown;
}

} // namespace

void DiagnosticEngine::note(SourceLoc loc, const llvm::Twine &message) {
  if (sink)
    return sink(Diagnostic{true, loc, message.str()});
  if (silenced())
    return;
  if (!loc.isValid()) {
    out << "rasp: note: " << escapeControls(message.str()) << "\n";
    return;
  }
  print(loc, llvm::SourceMgr::DK_Note, message);
}

void DiagnosticEngine::error(const llvm::Twine &message) {
  if (!countError())
    return;
  if (sink)
    return sink(Diagnostic{false, SourceLoc(), message.str()});
  out << "rasp: error: " << escapeControls(message.str()) << "\n";
}

void DiagnosticEngine::print(SourceLoc loc, llvm::SourceMgr::DiagKind kind,
                             const llvm::Twine &message) {
  assert(loc.isValid() && "diagnostic without a location");
  llvm::StringRef text = fileText(loc.file);
  // The source line, and the range within it.
  size_t newline = text.substr(0, loc.begin).rfind('\n');
  size_t lineStart = newline == llvm::StringRef::npos ? 0 : newline + 1;
  size_t lineEnd = text.find_first_of("\r\n", loc.begin);
  if (lineEnd == llvm::StringRef::npos)
    lineEnd = text.size();
  llvm::StringRef lineText = text.slice(lineStart, lineEnd);
  llvm::ColorMode mode = out.has_colors() ? llvm::ColorMode::Auto : llvm::ColorMode::Disable;
  llvm::WithColor(out, llvm::raw_ostream::SAVEDCOLOR, true, false, mode)
      << escapeControls(fileName(loc.file)) << ':' << loc.line << ':' << loc.col << ": ";
  if (kind == llvm::SourceMgr::DK_Error)
    llvm::WithColor::error(out, "", mode == llvm::ColorMode::Disable);
  else
    llvm::WithColor::note(out, "", mode == llvm::ColorMode::Disable);
  llvm::WithColor(out, llvm::raw_ostream::SAVEDCOLOR, true, false, mode)
      << escapeControls(message.str()) << '\n';
  SourceLine shown = showLine(lineText);
  // A range of more than one character is underlined; the caret marks its
  // start (or the end of the line, for a location past it).
  size_t begin = std::min<size_t>(loc.begin - lineStart, lineText.size());
  size_t end = std::min<size_t>(std::max(loc.end, loc.begin) - lineStart, lineText.size());
  std::string caret(shown.columns.back() + 1, ' ');
  if (loc.end > loc.begin + 1)
    std::fill(caret.begin() + shown.columns[begin], caret.begin() + shown.columns[end], '~');
  caret[shown.columns[begin]] = '^';
  caret.erase(caret.find_last_not_of(' ') + 1);
  out << shown.text << '\n';
  llvm::WithColor(out, llvm::raw_ostream::GREEN, true, false, mode) << caret << '\n';
}
