// Unit tests of the diagnostics engine: the located format, notes, ranges.
#include "compiler/support/Diagnostics.h"

#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace rasp;

TEST(DiagnosticsTest, ErrorPrintsLocationSourceLineAndCaret) {
  std::string text;
  llvm::raw_string_ostream out(text);
  DiagnosticEngine diags(&out);
  FileId file = diags.addFile("f.rasp", "a = 1;\nbb = oops;\n");
  diags.error(diags.locate(file, 12, 16), "undefined name 'oops'");
  EXPECT_EQ(out.str(), "f.rasp:2:6: error: undefined name 'oops'\n"
                       "bb = oops;\n"
                       "     ^~~~\n");
  EXPECT_EQ(diags.errorCount(), 1u);
}

TEST(DiagnosticsTest, NotesDoNotCountAsErrors) {
  std::string text;
  llvm::raw_string_ostream out(text);
  DiagnosticEngine diags(&out);
  FileId file = diags.addFile("f.rasp", "x = (1;\n");
  diags.note(diags.locate(file, 4, 5), "to match this '('");
  EXPECT_EQ(out.str(), "f.rasp:1:5: note: to match this '('\n"
                       "x = (1;\n"
                       "    ^\n");
  EXPECT_EQ(diags.errorCount(), 0u);
}

TEST(DiagnosticsTest, EmptyRangeAtEndOfFileIsPrintable) {
  std::string text;
  llvm::raw_string_ostream out(text);
  DiagnosticEngine diags(&out);
  FileId file = diags.addFile("f.rasp", "x = 1");
  diags.error(diags.locate(file, 5, 5), "expected ';' after statement");
  EXPECT_EQ(out.str(), "f.rasp:1:6: error: expected ';' after statement\n"
                       "x = 1\n"
                       "     ^\n");
}

TEST(DiagnosticsTest, MissingFileIsAnUnlocatedError) {
  std::string text;
  llvm::raw_string_ostream out(text);
  DiagnosticEngine diags(&out);
  EXPECT_FALSE(diags.loadFile("/nonexistent/x.rasp"));
  EXPECT_EQ(out.str(), "rasp: error: cannot open '/nonexistent/x.rasp': no such "
                       "file or directory\n");
}

// The source line never passes a terminal escape through: control bytes show
// as \xNN, and the caret stays under the character it points at, after the
// escape's four columns.
TEST(DiagnosticsTest, ControlCharactersInTheSourceLineAreEscaped) {
  std::string text;
  llvm::raw_string_ostream out(text);
  DiagnosticEngine diags(&out);
  FileId file = diags.addFile("f.rasp", "x = \x1b[31m + y\x07;\n");
  diags.error(diags.locate(file, 12, 13), "undefined name 'y'");
  EXPECT_EQ(out.str(), "f.rasp:1:13: error: undefined name 'y'\n"
                       "x = \\x1b[31m + y\\x07;\n"
                       "               ^\n");
}

// A byte that is not UTF-8 is escaped like a control character; a
// bidirectional override (which reorders what a terminal shows) as its code
// point; a wide character takes two columns; tabs expand to 8 columns. The
// caret's column: 8 (tab) + 4 (\xff) + 1 + 8 (\u{202e}) + 1 + 2 (wide) + 1.
TEST(DiagnosticsTest, CaretStaysAlignedAfterEscapesWideCharactersAndTabs) {
  std::string text;
  llvm::raw_string_ostream out(text);
  DiagnosticEngine diags(&out);
  FileId file = diags.addFile("f.rasp", "\t\xff \xe2\x80\xae \xe4\xb8\xad oops;\n");
  diags.error(diags.locate(file, 11, 15), "undefined name 'oops'");
  EXPECT_EQ(out.str(), "f.rasp:1:12: error: undefined name 'oops'\n"
                       "        \\xff \\u{202e} \xe4\xb8\xad oops;\n"
                       "                         ^~~~\n");
}

// Messages and file names are escaped the same way.
TEST(DiagnosticsTest, ControlCharactersInMessagesAreEscaped) {
  std::string text;
  llvm::raw_string_ostream out(text);
  DiagnosticEngine diags(&out);
  diags.error("cannot open 'a\x1b]0;b': no such file or directory");
  EXPECT_EQ(out.str(), "rasp: error: cannot open 'a\\x1b]0;b': no such file or directory\n");
}
