#!/usr/bin/env bash
# Packages each release-built Lambda executable as functions/dist/<name>.zip with `bootstrap` at
# the root. Binaries link only glibc dynamically (see scripts/check-artifacts.sh), so a zip needs
# no bundled libraries. Zips are reproducible (fixed mtimes, no extra attributes) so an unchanged
# build keeps the same CDK asset hash and is not redeployed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${DN_RELEASE_BUILD:-$root/functions/build/release}"
dist="${DN_ARTIFACT_DIR:-$root/functions/dist}"
# Every app folder with a main.cpp under functions/apps/ is one artifact (the Lambdas and the CSV
# loader); a folder without one is a library the apps share (inbox-store).
mapfile -t functions < <(find "$root/functions/apps" -mindepth 2 -maxdepth 2 -name main.cpp \
  -printf '%h\n' | xargs -n1 basename | LC_ALL=C sort)
# find-daily and manage-notifications resolve "the day" in a time zone; Amazon Linux 2023's Lambda
# image is not guaranteed to carry tzdata, so their zips carry the zone files (posix/ and right/
# duplicates left out).
zoneinfo_for=(find-daily manage-notifications)
zoneinfo_src="${DN_ZONEINFO:-/usr/share/zoneinfo}"

mkdir -p "$dist"
for fn in "${functions[@]}"; do
  exe="$build/apps/$fn/$fn"
  if [[ ! -x "$exe" ]]; then
    echo "package: $exe not built (cmake --build --preset release)" >&2
    exit 1
  fi
  stage="$(mktemp -d)"
  install -m 0755 "$exe" "$stage/bootstrap"
  strip --strip-all "$stage/bootstrap"
  if [[ " ${zoneinfo_for[*]} " == *" $fn "* ]]; then
    cp -rL "$zoneinfo_src" "$stage/zoneinfo"
    rm -rf "$stage/zoneinfo/posix" "$stage/zoneinfo/right" "$stage/zoneinfo/localtime"
    chmod -R u=rwX,go=rX "$stage/zoneinfo"
  fi
  # The loader reads its dataset contracts and migrations at start-up from data/ beside the
  # bootstrap: a new dataset is a new zip, not a new binary.
  if [[ "$fn" == loader ]]; then
    install -d "$stage/data/contracts" "$stage/data/migrations"
    data_dir="${DN_DATA_DIR:-$root/data}" # another data/ (the corpus tests' scratch copy)
    install -m 0644 "$data_dir/contracts/"*.json "$stage/data/contracts/"
    install -m 0644 "$data_dir/migrations/"V*.sql "$stage/data/migrations/"
  fi
  # CA bundles a function verifies its peers with (the loader: Amazon RDS's, for Aurora TLS).
  if compgen -G "$root/functions/apps/$fn/certs/*.pem" >/dev/null; then
    install -d "$stage/certs"
    install -m 0644 "$root/functions/apps/$fn/certs/"*.pem "$stage/certs/"
  fi
  find "$stage" -exec touch -h -d '2000-01-01T00:00:00Z' {} +
  rm -f "$dist/$fn.zip"
  (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | zip -q -X -9 -@ "$dist/$fn.zip")
  rm -rf "$stage"
  printf 'package: %-18s %8d bytes\n' "$fn.zip" "$(stat -c %s "$dist/$fn.zip")"
done
