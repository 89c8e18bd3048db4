// The CPU kernels built for avx2 (flags in runtime/CMakeLists.txt).
#define RASP_KERNEL_NAMESPACE avx2
#define RASP_KERNEL_ISA IsaKind::Avx2
#include "runtime/cpu/KernelsImpl.h"
