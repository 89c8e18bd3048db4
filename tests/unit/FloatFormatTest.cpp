// Unit tests of Python-compatible float formatting (values checked against
// CPython's repr).
#include "compiler/support/FloatFormat.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using rasp::formatPythonFloat;

TEST(FloatFormatTest, ShortestRoundTrip) {
  EXPECT_EQ(formatPythonFloat(0.1), "0.1");
  EXPECT_EQ(formatPythonFloat(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(formatPythonFloat(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(formatPythonFloat(2.5), "2.5");
}

TEST(FloatFormatTest, IntegralValuesKeepPointZero) {
  EXPECT_EQ(formatPythonFloat(2.0), "2.0");
  EXPECT_EQ(formatPythonFloat(-0.0), "-0.0");
  EXPECT_EQ(formatPythonFloat(1e15), "1000000000000000.0");
}

TEST(FloatFormatTest, ExponentThresholdsMatchPython) {
  EXPECT_EQ(formatPythonFloat(1e16), "1e+16");
  EXPECT_EQ(formatPythonFloat(1.5e16), "1.5e+16");
  EXPECT_EQ(formatPythonFloat(0.0001), "0.0001");
  EXPECT_EQ(formatPythonFloat(0.00001), "1e-05");
  EXPECT_EQ(formatPythonFloat(1.25e-7), "1.25e-07");
  EXPECT_EQ(formatPythonFloat(1e300 * 10), "1e+301");
}

TEST(FloatFormatTest, ExtremesMatchPython) {
  EXPECT_EQ(formatPythonFloat(5e-324), "5e-324");
  EXPECT_EQ(formatPythonFloat(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(formatPythonFloat(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(formatPythonFloat(9999999999999998.0), "9999999999999998.0");
}

TEST(FloatFormatTest, SpecialValues) {
  EXPECT_EQ(formatPythonFloat(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(formatPythonFloat(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(formatPythonFloat(std::nan("")), "nan");
}
