# Project-wide compile settings and helpers for our own targets (never applied to third parties).
include_guard(GLOBAL)

add_library(dn_options INTERFACE)
target_compile_options(dn_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                            -Wold-style-cast -Wcast-align -Werror)
if(DN_SANITIZE)
  target_compile_options(dn_options INTERFACE -fsanitize=address,undefined -fno-sanitize-recover=all
                                              -fno-omit-frame-pointer)
  target_link_options(dn_options INTERFACE -fsanitize=address,undefined)
endif()
if(DN_STATIC_RUNTIME)
  target_compile_options(dn_options INTERFACE -ffunction-sections -fdata-sections)
  target_link_options(dn_options INTERFACE -static-libstdc++ -static-libgcc -Wl,--gc-sections
                                           -Wl,-O1 -Wl,--as-needed)
  # glibc 2.35/2.36 symbols the static C++ runtime references, provided for glibc 2.34 (see file).
  enable_language(C)
  add_library(dn_glibc_compat OBJECT "${CMAKE_CURRENT_LIST_DIR}/glibc_compat.c")
  link_libraries("$<$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>:dn_glibc_compat>")
endif()

# dn_library(<name> SOURCES ... DEPS ...): a static library with include/ as its public headers.
function(dn_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}/include")
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE dn_options)
  # One unity source per 8 files: the headers they share (nlohmann::json, the standard library)
  # are parsed, and their inline templates optimised, once instead of once per file. The debug
  # build stays one unit per file, so a missing #include still fails there.
  if(DN_UNITY_BUILD)
    set_target_properties(${name} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 8)
  endif()
endfunction()

# dn_test(<name> SOURCES ... DEPS ...): a GoogleTest executable registered with CTest.
function(dn_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  if(DN_BUILD_TESTS)
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main dn_options)
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 30 PROPERTIES LABELS "unit;${ARG_LABELS}")
  endif()
endfunction()

# dn_function(<name> SOURCES ... [DEPS ...] [TESTS ...] [TEST_INCLUDES ...]), in apps/<name>/: a
# Lambda function as library dn_<id> (<id> is <name> with '_' for '-'; src/ holds its headers), the
# executable <name> from main.cpp (scripts/package.sh zips it as `bootstrap`) and, with TESTS, the
# test <id>_test, which also links the stub Runtime API and the loopback AWS stub (aws/test and
# TEST_INCLUDES are its include folders).
function(dn_function name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;TESTS;TEST_INCLUDES" ${ARGN})
  string(REPLACE "-" "_" id "${name}")
  dn_library(dn_${id}
    SOURCES ${ARG_SOURCES}
    DEPS dn_core dn_aws dn_runtime nlohmann_json::nlohmann_json ${ARG_DEPS})
  target_include_directories(dn_${id} PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}/src")
  add_executable(${name} main.cpp)
  target_link_libraries(${name} PRIVATE dn_${id} dn_options)
  if(DN_BUILD_TESTS AND ARG_TESTS)
    dn_test(${id}_test
      SOURCES ${ARG_TESTS}
      DEPS dn_${id} dn_runtime_stub dn_aws_stub
      LABELS ${name})
    target_include_directories(${id}_test PRIVATE "${CMAKE_SOURCE_DIR}/aws/test"
                               ${ARG_TEST_INCLUDES})
  endif()
endfunction()

# dn_fuzzer(<name> SOURCES ... DEPS ... SECONDS n): a libFuzzer target run by CTest for n seconds.
function(dn_fuzzer name)
  if(NOT DN_FUZZ)
    return()
  endif()
  cmake_parse_arguments(ARG "" "SECONDS" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  set(corpus "${CMAKE_CURRENT_BINARY_DIR}/${name}-corpus")
  file(MAKE_DIRECTORY "${corpus}")
  add_test(NAME ${name}
           COMMAND ${name} -max_total_time=${ARG_SECONDS} -timeout=10 -rss_limit_mb=2048 "${corpus}"
                   "${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${name}")
  set_tests_properties(${name} PROPERTIES LABELS "fuzz" TIMEOUT 300)
endfunction()
