// The progress bar of long runs (rasp verify).
#include "compiler/driver/Progress.h"

#include <cstdio>
#include <unistd.h>

using namespace rasp::driver;

ProgressBar::ProgressBar(std::string what)
    : what(std::move(what)), terminal(isatty(STDERR_FILENO)),
      start(std::chrono::steady_clock::now()), last(start) {}

ProgressBar::~ProgressBar() {
  if (drawn)
    std::fprintf(stderr, "\r\033[K");
}

void ProgressBar::update(size_t done, size_t total) {
  if (!terminal || total == 0)
    return;
  auto now = std::chrono::steady_clock::now();
  double seconds = std::chrono::duration<double>(now - start).count();
  if (seconds < 1.0 || (drawn && now - last < std::chrono::milliseconds(100)))
    return;
  last = now;
  drawn = true;
  constexpr size_t Width = 30;
  size_t filled = Width * done / total;
  std::string bar(filled, '#');
  bar.append(Width - filled, '.');
  std::fprintf(stderr, "\r\033[K%s [%s] %zu/%zu, %.1f s", what.c_str(), bar.c_str(), done, total,
               seconds);
  std::fflush(stderr);
}
