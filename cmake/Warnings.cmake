# Warning flags for the project's own code (generated code is compiled without them).
add_library(rasp_warnings INTERFACE)
target_compile_options(rasp_warnings INTERFACE -Wall -Wextra)
