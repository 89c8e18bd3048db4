// makeCudaBackend: opens the CUDA backend's module (built where nvcc was
// found) on first use, so that rasp loads the CUDA runtime and cuBLAS, some
// hundreds of megabytes, only when a GPU is asked for. In a build without
// CUDA it says so.
#include "runtime/cuda/CudaBackend.h"

#include <dlfcn.h>

#include <string>

using namespace rasp::runtime;

#ifdef RASP_CUDA_MODULE

namespace {

using CreateFn = Backend *(*)(PrecisionKind, std::string *);

/// The module's entry point, or null with `why` set; opened once, never closed.
CreateFn entryPoint(std::string &why) {
  static std::string error;
  static CreateFn create = []() -> CreateFn {
    void *module = dlopen(RASP_CUDA_MODULE, RTLD_NOW | RTLD_LOCAL);
    if (!module) {
      error = std::string("cannot load the CUDA backend: ") + dlerror();
      return nullptr;
    }
    auto found = reinterpret_cast<CreateFn>(dlsym(module, "raspCudaBackendCreate"));
    if (!found)
      error = std::string("the CUDA backend module has no entry point: ") + dlerror();
    return found;
  }();
  why = error;
  return create;
}

} // namespace

std::unique_ptr<Backend> rasp::runtime::makeCudaBackend(PrecisionKind precision) {
  std::string why;
  CreateFn create = entryPoint(why);
  if (!create)
    throw CudaUnavailable(why);
  std::unique_ptr<Backend> backend(create(precision, &why));
  if (!backend)
    throw CudaUnavailable(why);
  return backend;
}

bool rasp::runtime::cudaBackendBuilt() { return true; }

#else

std::unique_ptr<Backend> rasp::runtime::makeCudaBackend(PrecisionKind) {
  throw CudaUnavailable("this rasp was built without CUDA (no nvcc found at configure time, "
                        "or -DRASP_CUDA=OFF)");
}

bool rasp::runtime::cudaBackendBuilt() { return false; }

#endif
