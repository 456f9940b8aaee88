#!/usr/bin/env bash
# Downloads a Debian 12 source package into a directory: `debian-source.sh <package> <dir>`.
# A private deb-src list: the machine's apt sources stay untouched. The source indexes are kept
# under functions/.deps/apt-src, so the second package (libcurl, then libpq) and a second run
# reuse them. The security suite is tried first; when its pool does not serve the version its
# index lists (seen on mirrors), the point release in bookworm/bookworm-updates is used.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
package="${1:?usage: debian-source.sh <package> <dir>}"
dest="${2:?usage: debian-source.sh <package> <dir>}"
cache="${DN_APT_SRC_CACHE:-$root/functions/.deps/apt-src}"

write_sources() {
  cat <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  if [[ "$1" == with-security ]]; then
    cat <<SRC

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
}

mkdir -p "$dest" "$cache"
# One apt at a time on the shared indexes (libcurl and libpq are built side by side).
exec 9>"$cache/.lock"
flock 9
# Both variants share one index directory: the fallback's update finds bookworm's indexes
# current instead of downloading them again.
mkdir -p "$cache/lists/partial" "$cache/archives/partial"
for variant in with-security main-only; do
  write_sources "$variant" >"$cache/$variant.sources"
  apt_opts=(-o "Dir::Etc::SourceList=$cache/$variant.sources" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$cache/lists" -o "Dir::Cache=$cache" -o APT::Sandbox::User=root)
  if apt-get "${apt_opts[@]}" -qq update &&
    (cd "$dest" && apt-get "${apt_opts[@]}" -qq source --download-only "$package"); then
    exit 0
  fi
  echo "debian-source: $package: download failed ($variant)" >&2
  rm -f "$dest"/*
done
exit 1
