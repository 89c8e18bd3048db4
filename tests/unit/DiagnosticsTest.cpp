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
