#!/usr/bin/env bash
# README command 2: install the dependencies, build, and run the whole test suite.
#  0. Every tracked C++ file formatted as .clang-format says.
#  1. Release build with GCC (build/), warnings as errors: unit, golden and
#     differential tests.
#  2. Clang build with ASan + UBSan and libFuzzer (build-fuzz/): the same
#     tests under the sanitizers, then each fuzz target for 30 s (CI stays
#     under 30 minutes on 2 cores with eight targets).
# Both suites run two tests at a time (ctest -j2), one per core.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/check-format.sh
./scripts/build.sh -DRASP_WERROR=ON
ctest --test-dir build --output-on-failure -j2
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRASP_FUZZ=ON -DRASP_BENCH=OFF -DRASP_WERROR=ON \
  -DRASP_FUZZ_SECONDS=30
cmake --build build-fuzz
ctest --test-dir build-fuzz --output-on-failure -j2
