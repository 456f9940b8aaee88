#!/usr/bin/env bash
# Builds a minimal static libcurl (HTTP/HTTPS over OpenSSL + zlib, nothing else) from Debian's
# own source package, so each Lambda zip carries a small, self-contained HTTP stack instead of
# Debian's libcurl and its 35-library closure. Output: functions/.deps/curl/{include,lib}.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/clean-make-env.sh
source "$root/scripts/clean-make-env.sh"
prefix="${DN_CURL_PREFIX:-$root/functions/.deps/curl}"
# The SigV4 behaviour we rely on (and test against botocore) is libcurl 7.88's.
upstream_version="7.88.1"
stamp="$prefix/.built-from"

if [[ -f "$stamp" && -f "$prefix/lib/libcurl.a" ]]; then
  echo "build-curl: using $(cat "$stamp") at $prefix"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$root/scripts/debian-source.sh" curl "$work/dl"
dsc="$(ls "$work"/dl/curl_*.dsc)"
version="$(sed -n 's/^Version: //p' "$dsc")"
if [[ "$version" != "$upstream_version"-* ]]; then
  echo "build-curl: Debian now ships curl $version, expected $upstream_version-*; review before upgrading" >&2
  exit 1
fi
dpkg-source --no-check -x "$dsc" "$work/src" >/dev/null

cd "$work/src"
./configure --prefix="$prefix" --disable-shared --enable-static \
  --with-openssl --with-zlib --enable-aws \
  --without-libpsl --without-nghttp2 --without-libidn2 --without-librtmp --without-libssh2 \
  --without-brotli --without-zstd --without-gssapi --disable-ldap --disable-ldaps \
  --disable-rtsp --disable-dict --disable-telnet --disable-tftp --disable-pop3 --disable-imap \
  --disable-smb --disable-smtp --disable-gopher --disable-mqtt --disable-ftp --disable-file \
  --disable-manual --disable-ntlm --disable-alt-svc --disable-hsts --disable-cookies \
  CFLAGS="-O2 -fPIC -ffunction-sections -fdata-sections" >"$work/configure.log" 2>&1 ||
  {
    tail -40 "$work/configure.log" >&2
    exit 1
  }
make -j"$(nproc)" -C lib >"$work/make.log" 2>&1 || {
  tail -40 "$work/make.log" >&2
  exit 1
}
make -C lib install >/dev/null
make -C include install >/dev/null
echo "curl $version" >"$stamp"
echo "build-curl: built curl $version at $prefix"
