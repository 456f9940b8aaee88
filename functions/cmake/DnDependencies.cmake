# Third-party dependencies: Debian packages plus the static libcurl built by scripts/build-curl.sh.
include_guard(GLOBAL)

# dn_static_prefix(<target> <dir> <archive> <script>): an INTERFACE target for a static library
# that scripts/<script> (run by make deps) installs under .deps/<dir> (cache variable
# DN_<DIR>_ROOT); configuring fails, naming the script, while lib/<archive> is missing there.
function(dn_static_prefix target dir archive script)
  string(TOUPPER "DN_${dir}_ROOT" root)
  set(${root} "${CMAKE_CURRENT_SOURCE_DIR}/.deps/${dir}" CACHE PATH "Prefix of the static ${archive}")
  if(NOT EXISTS "${${root}}/lib/${archive}")
    message(FATAL_ERROR "static ${archive} not found in ${${root}}/lib; run scripts/${script} (make deps)")
  endif()
  add_library(${target} INTERFACE)
  target_include_directories(${target} SYSTEM INTERFACE "${${root}}/include")
  set(${root} "${${root}}" PARENT_SCOPE)
endfunction()

# The whole TLS stack is linked statically so a zip needs nothing but glibc at run time.
set(OPENSSL_USE_STATIC_LIBS TRUE)
find_package(OpenSSL 3 REQUIRED COMPONENTS SSL Crypto)
find_library(DN_ZLIB_STATIC NAMES libz.a REQUIRED)
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)

dn_static_prefix(dn_curl curl libcurl.a build-curl.sh)
target_compile_definitions(dn_curl INTERFACE CURL_STATICLIB)
target_link_libraries(dn_curl INTERFACE "${DN_CURL_ROOT}/lib/libcurl.a" OpenSSL::SSL OpenSSL::Crypto
                                        "${DN_ZLIB_STATIC}" Threads::Threads ${CMAKE_DL_LIBS})

# CTest runs the unit suites and, under the fuzz preset (no unit suites), the fuzz targets.
enable_testing()
if(DN_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
if(DN_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
include(DnLibpq)
