// The CPU kernels built for sse2 (flags in runtime/CMakeLists.txt).
#define RASP_KERNEL_NAMESPACE sse2
#define RASP_KERNEL_ISA IsaKind::Sse2
#include "runtime/cpu/KernelsImpl.h"
