// The one diagnostics engine: every user-facing error of every stage goes
// through it.
//
// It owns the text of every file it reports on (as an llvm::SourceMgr) and
// prints diagnostics in the form
//
//   file:line:col: error: message
//   the source line
//       ^~~~~
//
// followed by any notes, in the same form. Messages start lower-case and
// have no final period. Diagnostics without a location print as
// `rasp: error: message`. Nothing a terminal would act on is printed as it
// is: in the source line, the message and the file name, control
// characters and bytes that are not UTF-8 show as `\xNN` and unprintable
// code points (C1 controls, bidirectional overrides) as `\u{N}`; the caret
// stays under its character (tabs expand to 8 columns, wide characters
// take two).
#pragma once

#include "compiler/support/SourceLoc.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/SourceMgr.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class raw_ostream;
}

namespace rasp {

/// The largest source the engine reads: a file (`loadFile`, which `load`
/// and every command use) or standard input (`loadStdin`). Larger ones, and
/// files that are not regular files (/dev/zero, a FIFO, a directory), are
/// refused with an error naming them, before anything is read.
constexpr uint64_t MaxSourceBytes = uint64_t(64) << 20;

/// One diagnostic as a sink receives it: an error, or a note about the
/// error before it. `loc` is invalid for diagnostics without a location.
struct Diagnostic {
  bool isNote = false;
  SourceLoc loc;
  std::string message;
};

/// Receives diagnostics instead of the stream (the language server).
using DiagnosticSink = std::function<void(const Diagnostic &)>;

class DiagnosticEngine {
public:
  /// Diagnostics go to `out` (stderr by default).
  explicit DiagnosticEngine(llvm::raw_ostream *out = nullptr);

  /// Registers `text` under `name` and returns its id. Its first line is
  /// numbered `firstLine` (the REPL numbers the lines of a whole session).
  FileId addFile(llvm::StringRef name, llvm::StringRef text, unsigned firstLine = 1);
  /// Reads the file at `path` (a regular file of at most MaxSourceBytes); on
  /// failure reports an error (at `requestedAt` when given) and returns
  /// nothing.
  std::optional<FileId> loadFile(llvm::StringRef path, SourceLoc requestedAt = SourceLoc());
  /// Reads standard input to its end, registered as `name`; more than
  /// MaxSourceBytes is an error (reading stops there).
  std::optional<FileId> loadStdin(llvm::StringRef name);

  llvm::StringRef fileName(FileId file) const;
  llvm::StringRef fileText(FileId file) const;
  /// The location of the byte range [begin, end) of `file`.
  SourceLoc locate(FileId file, uint32_t begin, uint32_t end) const;

  /// An invalid `loc` (a built-in s-op has none) gives an unlocated error.
  void error(SourceLoc loc, const llvm::Twine &message);
  void note(SourceLoc loc, const llvm::Twine &message);
  /// An error that belongs to no source position.
  void error(const llvm::Twine &message);

  unsigned errorCount() const { return errors; }

  /// Prints at most `limit` errors (0: all), and the notes that follow
  /// them; past it, one note says how to see the rest. Errors are counted
  /// either way, and a sink gets them all.
  void setErrorLimit(unsigned limit) { errorLimit = limit; }

  /// Sends every later diagnostic to `sink` instead of printing it (an
  /// empty sink prints again). Errors are counted either way.
  void setSink(DiagnosticSink sink) { this->sink = std::move(sink); }

private:
  void print(SourceLoc loc, llvm::SourceMgr::DiagKind kind, const llvm::Twine &message);

  llvm::SourceMgr sources;
  /// Per file, the byte offset at which each line starts (built on first use).
  mutable std::vector<std::vector<uint32_t>> lineStarts;
  /// Per file, what to add to a line number within the file's text.
  std::vector<unsigned> lineOffsets;
  llvm::raw_ostream &out;
  DiagnosticSink sink;
  unsigned errors = 0;
  unsigned errorLimit = 0;
  /// Whether the limit was passed: later errors and notes are not printed.
  bool silenced() const { return errorLimit && errors > errorLimit; }
  /// Counts an error; true where it is to be printed (the first past the
  /// limit prints the note that says so instead).
  bool countError();
};

} // namespace rasp
