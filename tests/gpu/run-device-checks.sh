#!/usr/bin/env bash
# The CUDA backend's device check (issue 17), for a machine with an NVIDIA
# GPU, in one go and under 8 minutes on one H200:
#  1. configure and build with CUDA into build-cuda/ (fails if the backend
#     is not built: no nvcc or cuBLAS);
#  2. the GPU tests, none of which may be skipped: every kernel against its
#     plain loop (random values, odd sizes, causal and not, float and
#     double), the backend against the CPU backend, the differential table
#     on CUDA at max_len 16 (every program against the evaluator), and the
#     CLI's outputs on CUDA identical to the CPU's at max_len 64;
#  3. the differential table on CUDA at max_len 5 as well;
#  4. the benchmark bench_cuda: CUDA next to the CPU, tokens/s, latency and
#     the share of the cuBLAS SGEMM peak.
# Logs and the benchmark's JSON go to $OUT when set (the device tool), else
# build-cuda/device-checks/. --build-only stops after step 1 (for machines
# without a GPU); $RASP_CMAKE_ARGS adds configure arguments (a compiler
# launcher, say). Exit status: 0 when every step passed.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-build-cuda/device-checks}
mkdir -p "$out"
start=$SECONDS
step() { echo "== $* ($((SECONDS - start)) s)"; }

step "1. configure and build with CUDA"
if [[ -x /usr/local/cuda/bin/nvidia-smi ]] || command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/gpu.txt" || true
fi
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B build-cuda "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DRASP_CUDA=ON \
  -DRASP_WERROR=ON -DRASP_BENCH=ON -DRASP_TESTS=ON ${RASP_CMAKE_ARGS:-} >"$out/configure.log"
grep "CUDA backend" "$out/configure.log"
grep -q "CUDA backend: on" "$out/configure.log" || { echo "the CUDA backend is not built"; exit 1; }
cmake --build build-cuda -j "$(nproc)" --target rasp rasp_gpu_tests bench_cuda >"$out/build.log" 2>&1 ||
  { tail -40 "$out/build.log"; exit 1; }
[[ ${1:-} == --build-only ]] && { step "built (--build-only)"; exit 0; }

step "2. GPU tests (ctest -L gpu)"
ctest --test-dir build-cuda -L gpu --output-on-failure --timeout 300 2>&1 | tee "$out/ctest-gpu.log"
if grep -q "(Skipped)\|tests did not run" "$out/ctest-gpu.log"; then
  echo "some GPU tests were skipped: the device check needs them all to run"
  exit 1
fi

step "3. differential table on CUDA, max_len 5"
python3 tests/differential/run-table.py build-cuda/rasp . 5 --samples 500 --backend cuda \
  2>&1 | tee "$out/differential-5.log"

step "4. benchmark"
build-cuda/bench/bench_cuda --benchmark_out="$out/bench-cuda.json" --benchmark_out_format=json \
  2>&1 | tee "$out/bench-cuda.txt"
step "done: every check passed"
