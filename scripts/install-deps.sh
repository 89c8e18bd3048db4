#!/usr/bin/env bash
# Installs every build, test and tool dependency from Debian 12 packages. Idempotent.
set -euo pipefail

packages=(
  # build
  g++ cmake make ninja-build pkg-config
  # parser generator (Java tool) and its C++ runtime
  antlr4 default-jre-headless libantlr4-runtime-dev
  # LLVM support library, FileCheck and lit, libFuzzer
  llvm-14-dev llvm-14-tools clang-14 libfuzzer-14-dev libclang-rt-14-dev
  # linear algebra, command line, line editing
  libeigen3-dev libboost-program-options-dev libedit-dev
  # tests and benchmarks
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  # the formatting check (scripts/check-format.sh)
  clang-format-14
  # lit runs on python3; graphviz renders drawings
  python3 graphviz
  # the PyTorch check of exported models (examples/python/load_compiled.py)
  python3-torch python3-numpy
  # editors that test the language server (tests/lsp)
  neovim emacs-nox elpa-eglot
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
