# Third-party dependencies: Debian packages plus the static libcurl built by scripts/build-curl.sh.
include_guard(GLOBAL)

set(DN_CURL_ROOT "${CMAKE_CURRENT_SOURCE_DIR}/.deps/curl" CACHE PATH "Prefix of the static libcurl")
if(NOT EXISTS "${DN_CURL_ROOT}/lib/libcurl.a")
  message(FATAL_ERROR "static libcurl not found at ${DN_CURL_ROOT}; run scripts/build-curl.sh (make deps)")
endif()

# The whole TLS stack is linked statically so a zip needs nothing but glibc at run time.
set(OPENSSL_USE_STATIC_LIBS TRUE)
find_package(OpenSSL 3 REQUIRED COMPONENTS SSL Crypto)
find_library(DN_ZLIB_STATIC NAMES libz.a REQUIRED)
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)

add_library(dn_curl INTERFACE)
target_include_directories(dn_curl SYSTEM INTERFACE "${DN_CURL_ROOT}/include")
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
