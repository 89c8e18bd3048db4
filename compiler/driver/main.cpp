// The `rasp` executable.
#include "compiler/driver/Driver.h"

int main(int argc, char **argv) { return rasp::driver::runDriver(argc, argv); }
