// A progress bar on stderr for long runs, drawn only on a terminal.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace rasp::driver {

/// Draws `what  [#####.....]  done/total` on stderr, from one second into the
/// run on, at most ten times a second, when stderr is a terminal; erases it
/// when destroyed. update() is not thread-safe: callers serialise it.
class ProgressBar {
public:
  explicit ProgressBar(std::string what);
  ~ProgressBar();
  ProgressBar(const ProgressBar &) = delete;
  ProgressBar &operator=(const ProgressBar &) = delete;

  void update(size_t done, size_t total);

private:
  std::string what;
  bool terminal;
  bool drawn = false;
  std::chrono::steady_clock::time_point start, last;
};

} // namespace rasp::driver
