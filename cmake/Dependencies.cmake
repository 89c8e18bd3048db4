# Finds every dependency among the Debian 12 packages that scripts/install-deps.sh installs.

find_program(ANTLR4_TOOL antlr4 REQUIRED DOC "the ANTLR 4 tool (Debian package antlr4)")
find_path(ANTLR4_RUNTIME_INCLUDE_DIR antlr4-runtime.h PATH_SUFFIXES antlr4-runtime REQUIRED)
find_library(ANTLR4_RUNTIME_LIBRARY NAMES antlr4-runtime REQUIRED)
add_library(antlr4_runtime INTERFACE)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # Clang rejects misc/InterpreterDataReader.h of the 4.9 runtime (a const
  # member without an initialiser; GCC accepts it). Nothing here uses that
  # header, so Clang builds see a copy of antlr4-runtime.h without it, placed
  # ahead of the real one; every other header still comes from the package.
  file(READ ${ANTLR4_RUNTIME_INCLUDE_DIR}/antlr4-runtime.h RASP_ANTLR_UMBRELLA)
  string(REPLACE "#include \"misc/InterpreterDataReader.h\"" ""
         RASP_ANTLR_UMBRELLA "${RASP_ANTLR_UMBRELLA}")
  file(WRITE ${CMAKE_BINARY_DIR}/antlr4-clang-compat/antlr4-runtime.h "${RASP_ANTLR_UMBRELLA}")
  target_include_directories(antlr4_runtime SYSTEM BEFORE INTERFACE
                             ${CMAKE_BINARY_DIR}/antlr4-clang-compat)
endif()
target_include_directories(antlr4_runtime SYSTEM INTERFACE ${ANTLR4_RUNTIME_INCLUDE_DIR})
target_link_libraries(antlr4_runtime INTERFACE ${ANTLR4_RUNTIME_LIBRARY})

find_package(LLVM 14 REQUIRED CONFIG PATHS /usr/lib/llvm-14/lib/cmake/llvm NO_DEFAULT_PATH)
add_library(llvm_support INTERFACE)
target_include_directories(llvm_support SYSTEM INTERFACE ${LLVM_INCLUDE_DIRS})
target_compile_definitions(llvm_support INTERFACE ${LLVM_DEFINITIONS})
llvm_map_components_to_libnames(RASP_LLVM_LIBS support)
target_link_libraries(llvm_support INTERFACE ${RASP_LLVM_LIBS})
set(LLVM_TOOLS_DIR ${LLVM_TOOLS_BINARY_DIR})

find_package(Boost 1.74 REQUIRED COMPONENTS program_options)
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_library(EDIT_LIBRARY edit REQUIRED DOC "libedit (Debian libedit-dev), for the REPL's line editing")

if(RASP_TESTS)
  find_package(GTest REQUIRED)
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  find_program(FILECHECK FileCheck PATHS ${LLVM_TOOLS_DIR} NO_DEFAULT_PATH REQUIRED)
  find_program(LIT_PY lit.py PATHS /usr/lib/llvm-14/build/utils/lit NO_DEFAULT_PATH REQUIRED)
endif()
if(RASP_BENCH)
  find_package(benchmark REQUIRED)
endif()
