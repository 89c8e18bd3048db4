#!/usr/bin/env bash
# Configures and builds the Release configuration into build/ (binary: build/rasp).
# Extra arguments go to CMake's configure step (scripts/test.sh adds -DRASP_WERROR=ON).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build build
