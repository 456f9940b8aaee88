#!/usr/bin/env bash
# Installs what the project builds, runs and tests with, on a fresh Debian 12 machine. Each
# profile includes the ones before it:
#   deps.sh tools     the Python venv of the deployment tools (make seed, run-day, smoke, load-csv)
#   deps.sh local     + PostgreSQL 15 and what the local scripts use (make up; MiniStack gets its
#                     own venv from make up)
#   deps.sh package   + compilers, CMake, headers and the static libcurl and libpq: what building
#                     the function zips needs (make package, make deploy, make demo; the CDK
#                     app's npm packages come with make deploy)
#   deps.sh [all]     + every linter, test framework, fuzzer and benchmark dependency (make test,
#                     make lint, make bench)
# Idempotent: only missing Debian packages are installed; the venv is updated when a requirements
# file changed; libcurl and libpq are built once.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
profile="${1:-all}"
case "$profile" in tools | local | package | all) ;; *)
  echo "usage: deps.sh [tools|local|package|all]" >&2
  exit 2
  ;;
esac

tools_debian=(python3 python3-venv ca-certificates)
local_debian=(postgresql-15 postgresql-client-15 openssl curl iproute2)
package_debian=(
  build-essential cmake ninja-build pkg-config dpkg-dev tzdata zip unzip git
  libssl-dev zlib1g-dev nlohmann-json3-dev
)
test_debian=(
  libgtest-dev libgmock-dev libbenchmark-dev libcpp-httplib-dev
  clang-14 clang-format clang-tidy libclang-rt-14-dev libfuzzer-14-dev
  shellcheck binutils file libpq-dev
  pgloader # a peer make bench measures the loader against
)
debian=("${tools_debian[@]}")
requirements=(requirements-test.txt)
case "$profile" in
local) debian+=("${local_debian[@]}") ;;
package) debian+=("${local_debian[@]}" "${package_debian[@]}") ;;
all)
  debian+=("${local_debian[@]}" "${package_debian[@]}" "${test_debian[@]}")
  requirements+=(requirements-dev.txt)
  ;;
esac

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# run <what> <command...>: quiet on success; on failure the command's last output lines.
run() {
  local what="$1"
  shift
  if ! "$@" >"$log" 2>&1; then
    {
      echo "deps: FAILED: $what"
      tail -n 25 "$log" | sed 's/^/  | /'
      echo "deps: next: fix the cause above (network to the registry? disk space?), then rerun"
    } >&2
    exit 1
  fi
}

missing=()
for pkg in "${debian[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "deps: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  # Another apt (unattended upgrades, a second install) may hold dpkg's lock: wait for it.
  lock_wait=(-o DPkg::Lock::Timeout=600)
  run "apt-get update" "${sudo_cmd[@]}" apt-get "${lock_wait[@]}" update -qq
  run "apt-get install ${missing[*]}" env DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" \
    apt-get "${lock_wait[@]}" install -y -qq --no-install-recommends "${missing[@]}"
fi

# The static libraries build (CPU) while pip and go download (network): side by side, each
# build's configure runs on one core (their source downloads take turns).
builds=()
if [[ "$profile" == package || "$profile" == all ]]; then
  curl_log="$(mktemp)" libpq_log="$(mktemp)"
  "$root/scripts/build-curl.sh" >"$curl_log" 2>&1 &
  curl_pid=$!
  "$root/scripts/build-libpq.sh" >"$libpq_log" 2>&1 &
  libpq_pid=$!
  builds=(curl libpq)
  # A failure below (pip, go) stops the builds (their make and compilers) too.
  stop_builds() {
    local pid
    for pid in "$curl_pid" "$libpq_pid"; do
      pkill -P "$pid" || true
      kill "$pid" 2>/dev/null || true
    done
    rm -f "$log" "$curl_log" "$libpq_log"
  }
  trap stop_builds EXIT
fi

# Python tools (botocore: the deployment tools and the SigV4 cross-check; template checkers), pinned.
if [[ ! -x "$root/.venv/bin/python" ]]; then
  run "python3 -m venv .venv" python3 -m venv "$root/.venv"
fi
for name in "${requirements[@]}"; do
  req="$root/$name"
  stamp="$root/.venv/.$name.sha256"
  sum="$(sha256sum "$req" | cut -d' ' -f1)"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$sum" ]]; then
    echo "deps: pip install -r $name"
    run "pip install -r $name" "$root/.venv/bin/pip" install -q --disable-pip-version-check -r "$req"
    echo "$sum" >"$stamp"
  fi
done

if [[ "$profile" == all ]]; then
  # actionlint (lints .github/workflows, running shellcheck on their scripts), pinned, built from
  # the Go module proxy with the machine's Go.
  actionlint_version="v1.7.12"
  if [[ "$("$root/.venv/bin/actionlint" -version 2>/dev/null | head -1)" != "$actionlint_version" ]]; then
    echo "deps: go install actionlint $actionlint_version"
    command -v go >/dev/null || {
      echo "deps: FAILED: actionlint needs Go (https://go.dev/doc/install, or Debian's golang-go)" >&2
      exit 1
    }
    run "go install actionlint@$actionlint_version" \
      env GOBIN="$root/.venv/bin" go install "github.com/rhysd/actionlint/cmd/actionlint@$actionlint_version"
  fi
fi

if ((${#builds[@]})); then
  failed=()
  wait "$curl_pid" || failed+=(curl)
  wait "$libpq_pid" || failed+=(libpq)
  trap 'rm -f "$log" "$curl_log" "$libpq_log"' EXIT
  cat "$curl_log" "$libpq_log"
  if ((${#failed[@]})); then
    echo "deps: FAILED: building the static ${failed[*]} (output above)" >&2
    echo "deps: next: fix the cause above, then rerun (what was built is kept)" >&2
    exit 1
  fi
fi
