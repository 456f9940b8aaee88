#!/usr/bin/env bash
# Proves each Lambda zip runs on Amazon Linux 2023 (provided.al2023, glibc 2.34, x86_64):
# `bootstrap` is an executable x86-64 ELF at the zip root, it links nothing dynamically but glibc,
# and it needs no GLIBC symbol version newer than 2.34. Prints the highest version per artifact.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dist="${DN_ARTIFACT_DIR:-$root/functions/dist}"
max_glibc="2.34"
allowed_needed='^(libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|ld-linux-x86-64\.so\.2)$'

shopt -s nullglob
zips=("$dist"/*.zip)
if ((${#zips[@]} == 0)); then
  echo "check-artifacts: no zips in $dist (make package)" >&2
  exit 1
fi

failed=0
for zip in "${zips[@]}"; do
  name="$(basename "$zip" .zip)"
  work="$(mktemp -d)"
  unzip -q "$zip" -d "$work"
  bin="$work/bootstrap"
  problems=()
  [[ -f "$bin" ]] || problems+=("no bootstrap at the zip root")
  if [[ -f "$bin" ]]; then
    [[ -x "$bin" ]] || problems+=("bootstrap is not executable")
    file -b "$bin" | grep -q 'ELF 64-bit LSB.*x86-64' || problems+=("bootstrap is not an x86-64 ELF")
    while read -r lib; do
      [[ "$lib" =~ $allowed_needed ]] || problems+=("links $lib dynamically")
    done < <(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
    highest="$(objdump -T "$bin" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -Vu | tail -1)"
    if [[ "$(printf '%s\n%s\n' "$highest" "$max_glibc" | sort -V | tail -1)" != "$max_glibc" ]]; then
      problems+=("needs GLIBC_$highest > GLIBC_$max_glibc")
    fi
  fi
  if ((${#problems[@]})); then
    printf 'check-artifacts: FAIL %s: %s\n' "$name" "$(IFS=';'; echo "${problems[*]}")"
    failed=1
  else
    printf 'check-artifacts: ok   %-18s highest GLIBC_%s, %d bytes zipped\n' "$name" "$highest" "$(stat -c %s "$zip")"
  fi
  rm -rf "$work"
done
exit "$failed"
