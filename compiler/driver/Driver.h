// The `rasp` command line: subcommand dispatch, --help and --version.
//
// Exit codes (DESIGN.md §3): 0 success; 1 an error in a RASP program or its
// input; 2 bad usage; 3 a verification mismatch. Output that could not be
// written (a full disk, a closed stdout or stderr) makes the exit code 1.
#pragma once

namespace rasp::driver {

int runDriver(int argc, char **argv);

} // namespace rasp::driver
