// Choosing the CPU kernels at run time from what the processor supports.
#include "runtime/cpu/Kernels.h"

#include <cassert>
#include <cstdlib>
#include <cstring>

using namespace rasp::runtime;
using namespace rasp::runtime::cpu;

namespace rasp::runtime::cpu {
#define RASP_DECLARE_KERNELS(ns)                                                                   \
  namespace ns {                                                                                   \
  const Kernels<float> &kernelsF32();                                                              \
  const Kernels<double> &kernelsF64();                                                             \
  }
RASP_DECLARE_KERNELS(sse2)
RASP_DECLARE_KERNELS(avx2)
RASP_DECLARE_KERNELS(avx512)
#undef RASP_DECLARE_KERNELS
} // namespace rasp::runtime::cpu

const char *cpu::isaName(IsaKind isa) {
  switch (isa) {
  case IsaKind::Sse2:
    return "sse2";
  case IsaKind::Avx2:
    return "avx2";
  case IsaKind::Avx512:
    return "avx512";
  }
  return "?";
}

bool cpu::isaSupported(IsaKind isa) {
#if !defined(__x86_64__)
  return isa == IsaKind::Sse2; // The portable build, under its x86-64 name.
#else
  __builtin_cpu_init();
  switch (isa) {
  case IsaKind::Sse2:
    return true;
  case IsaKind::Avx2:
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  case IsaKind::Avx512:
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }
  return false;
#endif
}

IsaKind cpu::bestIsa() {
  static const IsaKind best = [] {
    IsaKind widest = isaSupported(IsaKind::Avx512) ? IsaKind::Avx512
                     : isaSupported(IsaKind::Avx2) ? IsaKind::Avx2
                                                   : IsaKind::Sse2;
    const char *asked = std::getenv("RASP_CPU_ISA");
    for (IsaKind isa : {IsaKind::Sse2, IsaKind::Avx2, IsaKind::Avx512})
      if (asked && std::strcmp(asked, isaName(isa)) == 0 && isa < widest)
        return isa;
    return widest;
  }();
  return best;
}

const Kernels<float> &cpu::kernelsF32(IsaKind isa) {
  assert(isaSupported(isa) && "kernels for an instruction set this CPU lacks");
  switch (isa) {
  case IsaKind::Avx512:
    return avx512::kernelsF32();
  case IsaKind::Avx2:
    return avx2::kernelsF32();
  case IsaKind::Sse2:
    break;
  }
  return sse2::kernelsF32();
}

const Kernels<double> &cpu::kernelsF64(IsaKind isa) {
  assert(isaSupported(isa) && "kernels for an instruction set this CPU lacks");
  switch (isa) {
  case IsaKind::Avx512:
    return avx512::kernelsF64();
  case IsaKind::Avx2:
    return avx2::kernelsF64();
  case IsaKind::Sse2:
    break;
  }
  return sse2::kernelsF64();
}
