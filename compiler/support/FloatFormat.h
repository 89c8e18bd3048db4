// Formats doubles the way Python's repr() does (the original's atom display).
#pragma once

#include <string>

namespace rasp {

/// The shortest text that reads back as `value`, laid out as Python's
/// repr(float): `0.1`, `2.0`, `1e-05`, `1e+16`, `inf`, `nan`.
std::string formatPythonFloat(double value);

} // namespace rasp
