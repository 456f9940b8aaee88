#!/usr/bin/env bash
# Builds a static libpq (TLS over OpenSSL; no GSSAPI, LDAP, readline, ICU or zlib) from Debian's
# postgresql-15 source package. Debian's libpq-dev ships libpq.a without the libpgcommon_shlib /
# libpgport_shlib archives it needs, so the loader could not link it statically.
# Output: functions/.deps/libpq/{include,lib}.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/clean-make-env.sh
source "$root/scripts/clean-make-env.sh"
prefix="${DN_LIBPQ_PREFIX:-$root/functions/.deps/libpq}"
source_package="postgresql-15"
stamp="$prefix/.built-from"

if [[ -f "$stamp" && -f "$prefix/lib/libpq.a" ]]; then
  echo "build-libpq: using $(cat "$stamp") at $prefix"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$root/scripts/debian-source.sh" "$source_package" "$work/dl"
dsc="$(ls "$work"/dl/"$source_package"_*.dsc)"
version="$(sed -n 's/^Version: //p' "$dsc")"
if [[ "$version" != 15.* ]]; then
  echo "build-libpq: Debian now ships $source_package $version, expected 15.*; review first" >&2
  exit 1
fi
# Only the upstream tree is needed: Debian's patches touch the server and packaging.
tar -xf "$(ls "$work"/dl/"$source_package"_*.orig.tar.*)" -C "$work"
cd "$work"/postgresql-15.*/

./configure --prefix="$prefix" --with-ssl=openssl \
  --without-readline --without-zlib --without-icu --without-gssapi --without-ldap \
  --without-pam --without-libxml --without-libxslt --without-systemd --without-llvm \
  --without-lz4 --without-zstd --without-perl --without-python --without-tcl \
  CFLAGS="-O2 -fPIC -ffunction-sections -fdata-sections" >"$work/configure.log" 2>&1 ||
  {
    tail -40 "$work/configure.log" >&2
    exit 1
  }
# libpq.a refers to symbols of the *_shlib (position-independent) variants of src/common and
# src/port: build exactly those archives and the static client library. (A directory's `all`
# also builds its static and server variants, a third more compiles; SHLIB_PREREQS= stops
# libpq's rule from making `all` of src/common and src/port again.)
jobs="$(nproc)"
targets=(
  "src/include all"
  "src/common libpgcommon_shlib.a"
  "src/port libpgport_shlib.a"
  "src/interfaces/libpq libpq.a SHLIB_PREREQS="
)
for target in "${targets[@]}"; do
  read -r -a args <<<"$target"
  make -j"$jobs" -C "${args[@]}" >>"$work/make.log" 2>&1 || {
    tail -40 "$work/make.log" >&2
    exit 1
  }
done
mkdir -p "$prefix/lib" "$prefix/include"
cp src/interfaces/libpq/libpq.a src/common/libpgcommon_shlib.a src/port/libpgport_shlib.a \
  "$prefix/lib/"
cp src/interfaces/libpq/libpq-fe.h src/include/postgres_ext.h src/include/pg_config_ext.h \
  "$prefix/include/"
echo "$source_package $version" >"$stamp"
echo "build-libpq: built libpq from $source_package $version at $prefix"
