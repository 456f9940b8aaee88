# Static libpq built by scripts/build-libpq.sh (Debian's libpq.a lacks the libpgcommon_shlib and
# libpgport_shlib archives it needs). TLS comes from the same static OpenSSL as libcurl.
include_guard(GLOBAL)

set(DN_LIBPQ_ROOT "${CMAKE_CURRENT_SOURCE_DIR}/.deps/libpq" CACHE PATH "Prefix of the static libpq")
if(NOT EXISTS "${DN_LIBPQ_ROOT}/lib/libpq.a")
  message(FATAL_ERROR "static libpq not found at ${DN_LIBPQ_ROOT}; run scripts/build-libpq.sh (make deps)")
endif()

add_library(dn_libpq INTERFACE)
target_include_directories(dn_libpq SYSTEM INTERFACE "${DN_LIBPQ_ROOT}/include")
target_link_libraries(dn_libpq INTERFACE "${DN_LIBPQ_ROOT}/lib/libpq.a"
                                         "${DN_LIBPQ_ROOT}/lib/libpgcommon_shlib.a"
                                         "${DN_LIBPQ_ROOT}/lib/libpgport_shlib.a"
                                         OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
