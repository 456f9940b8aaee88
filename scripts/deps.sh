#!/usr/bin/env bash
# Installs everything the project builds and tests with, on a fresh Debian 12 machine.
# Idempotent: only missing Debian packages are installed; the venv is created once.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

debian_packages=(
  build-essential cmake ninja-build pkg-config dpkg-dev ca-certificates tzdata zip unzip
  libssl-dev zlib1g-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 clang-format clang-tidy libclang-rt-14-dev libfuzzer-14-dev
  shellcheck binutils file curl git python3 python3-venv
  postgresql-15 postgresql-client-15 libpq-dev
)

missing=()
for pkg in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "deps: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python tools (botocore for the SigV4 cross-check, MiniStack, template checkers), pinned.
if [[ ! -x "$root/.venv/bin/python" ]]; then
  python3 -m venv "$root/.venv"
fi
for req in "$root"/requirements*.txt; do
  [[ -f "$req" ]] || continue
  stamp="$root/.venv/.$(basename "$req").sha256"
  sum="$(sha256sum "$req" | cut -d' ' -f1)"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$sum" ]]; then
    echo "deps: pip install -r $(basename "$req")"
    "$root/.venv/bin/pip" install -q --disable-pip-version-check -r "$req"
    echo "$sum" >"$stamp"
  fi
done

# actionlint (lints .github/workflows, running shellcheck on their scripts), pinned, built from
# the Go module proxy with the machine's Go.
actionlint_version="v1.7.12"
if [[ "$("$root/.venv/bin/actionlint" -version 2>/dev/null | head -1)" != "$actionlint_version" ]]; then
  echo "deps: go install actionlint $actionlint_version"
  GOBIN="$root/.venv/bin" go install "github.com/rhysd/actionlint/cmd/actionlint@$actionlint_version"
fi

"$root/scripts/build-curl.sh"
"$root/scripts/build-libpq.sh"
