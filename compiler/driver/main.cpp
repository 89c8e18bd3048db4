// The `rasp` executable.
#include "compiler/driver/Commands.h"
#include "compiler/driver/Driver.h"

#include <iostream>
#include <new>
#include <stdexcept>

int main(int argc, char **argv) {
  // Every size a program or an option can grow has a budget checked before
  // it is allocated; memory that runs out all the same (a tight ulimit, a
  // budget raised past what the machine holds) is an error, never an abort.
  try {
    return rasp::driver::runDriver(argc, argv);
  } catch (const std::bad_alloc &) {
    std::cerr << "rasp: error: out of memory: the program, its input or the model needs more "
                 "memory than the system allows\n";
  } catch (const std::length_error &e) {
    std::cerr << "rasp: error: out of memory: a container would exceed its largest size ("
              << e.what() << ")\n";
  }
  return rasp::driver::ExitProgramError;
}
