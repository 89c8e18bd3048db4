# Warning flags for the project's own code (generated code is compiled without them).
# RASP_WERROR makes them errors; CI's builds (scripts/test.sh) turn it on.
option(RASP_WERROR "Treat warnings in the project's own code as errors" OFF)
add_library(rasp_warnings INTERFACE)
# CUDA sources (runtime/cuda/) pass the same flags to the host compiler.
target_compile_options(rasp_warnings INTERFACE "$<$<COMPILE_LANGUAGE:C,CXX>:-Wall;-Wextra>"
                       "$<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra>")
if(RASP_WERROR)
  target_compile_options(rasp_warnings INTERFACE "$<$<COMPILE_LANGUAGE:C,CXX>:-Werror>"
                         "$<$<COMPILE_LANGUAGE:CUDA>:-Werror=all-warnings;-Xcompiler=-Werror>")
endif()
