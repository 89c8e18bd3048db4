# The optional CUDA backend (runtime/cuda/): built where a working nvcc and
# cuBLAS are found, /usr/local/cuda/bin/nvcc included when nvcc is not on
# PATH; -DRASP_CUDA=OFF turns it off. Without it, nothing else changes:
# `--backend cuda` reports that this build has no CUDA. Sets RASP_HAVE_CUDA.
if(RASP_SANITIZE)
  # nvcc takes no -fsanitize flags, and ASan's shadow memory conflicts with
  # the CUDA driver: sanitized builds leave the backend out unless asked.
  set(RASP_CUDA_DEFAULT OFF)
else()
  set(RASP_CUDA_DEFAULT ON)
endif()
option(RASP_CUDA "Build the CUDA backend where nvcc is found" ${RASP_CUDA_DEFAULT})
# sm_90 machine code (H100, H200) plus its PTX, which the driver compiles for
# newer GPUs; CMAKE_CUDA_ARCHITECTURES syntax ("90-real;100-real;100-virtual").
set(RASP_CUDA_ARCHITECTURES "90-real;90-virtual" CACHE STRING
    "the GPU architectures the CUDA backend is compiled for")

set(RASP_HAVE_CUDA OFF)
if(RASP_CUDA AND RASP_SANITIZE)
  message(FATAL_ERROR "RASP_CUDA does not combine with RASP_SANITIZE or RASP_FUZZ")
endif()
if(RASP_CUDA)
  # check_language tries the compiler in a scratch project, so a broken or
  # unsupported nvcc turns the backend off instead of failing the configure.
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
    set(ENV{CUDACXX} /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(CMAKE_CUDA_ARCHITECTURES ${RASP_CUDA_ARCHITECTURES})
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    enable_language(CUDA)
    find_package(CUDAToolkit)
    if(CUDAToolkit_FOUND AND TARGET CUDA::cublas AND TARGET CUDA::cudart)
      set(RASP_HAVE_CUDA ON)
    endif()
  endif()
endif()
if(RASP_HAVE_CUDA)
  message(STATUS "CUDA backend: on (${CMAKE_CUDA_COMPILER}, architectures ${RASP_CUDA_ARCHITECTURES})")
elseif(RASP_CUDA)
  message(STATUS "CUDA backend: off (no working nvcc with cuBLAS found)")
elseif(RASP_SANITIZE)
  message(STATUS "CUDA backend: off (sanitized or fuzzing build)")
else()
  message(STATUS "CUDA backend: off (RASP_CUDA=OFF)")
endif()
