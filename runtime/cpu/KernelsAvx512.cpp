// The CPU kernels built for avx512 (flags in runtime/CMakeLists.txt).
#define RASP_KERNEL_NAMESPACE avx512
#define RASP_KERNEL_ISA IsaKind::Avx512
#include "runtime/cpu/KernelsImpl.h"
