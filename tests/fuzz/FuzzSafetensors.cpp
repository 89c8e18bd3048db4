// libFuzzer target: the safetensors reader. Arbitrary bytes parsed as a
// file, and every float32 tensor it accepts read as a matrix. Errors are
// fine; any crash, hang, leak, sanitizer report or memory beyond the
// file's size is a bug.
#include "runtime/io/Safetensors.h"

#include <cstddef>
#include <cstdint>

using namespace rasp::runtime;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char *>(data), size);
  try {
    SafetensorsFile file = parseSafetensors(bytes);
    for (const TensorInfo &tensor : file.tensors)
      if (tensor.dtype == "F32" && !tensor.shape.empty() && tensor.shape.size() <= 2)
        tensorMatrix(file, tensor);
  } catch (const SafetensorsError &) {
  }
  return 0;
}
