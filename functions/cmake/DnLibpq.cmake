# Static libpq built by scripts/build-libpq.sh (Debian's libpq.a lacks the libpgcommon_shlib and
# libpgport_shlib archives it needs). TLS comes from the same static OpenSSL as libcurl.
include_guard(GLOBAL)

dn_static_prefix(dn_libpq libpq libpq.a build-libpq.sh)
target_link_libraries(dn_libpq INTERFACE "${DN_LIBPQ_ROOT}/lib/libpq.a"
                                         "${DN_LIBPQ_ROOT}/lib/libpgcommon_shlib.a"
                                         "${DN_LIBPQ_ROOT}/lib/libpgport_shlib.a"
                                         OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
