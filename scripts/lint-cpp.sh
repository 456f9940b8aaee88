#!/usr/bin/env bash
# clang-format (check, or --fix to rewrite) and clang-tidy over our C++ sources.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

mapfile -t sources < <(git ls-files --cached --others --exclude-standard \
  'functions/*.cpp' 'functions/*.hpp' | grep -v '^functions/build/')
if ((${#sources[@]} == 0)); then
  echo "lint-cpp: no C++ sources" >&2
  exit 1
fi

if [[ "${1:-}" == "--fix" ]]; then
  clang-format -i "${sources[@]}"
  exit 0
fi
clang-format --dry-run --Werror "${sources[@]}"

# clang-tidy needs a compilation database naming every unit (tests and benchmarks included), so a
# lint-only configure of the debug preset with benchmarks on writes one; configuring is cheap and
# picks up files added since the last run.
build="$root/functions/build/lint"
(cd functions && cmake --preset debug -B "$build" -DDN_BUILD_BENCH=ON >/dev/null)
mapfile -t units < <(printf '%s\n' "${sources[@]}" | grep '\.cpp$' | grep -v '/fuzz/')
# xargs exits non-zero when any clang-tidy run reports a finding (WarningsAsErrors).
if ! report=$(printf '%s\n' "${units[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy --quiet -p "$build" \
  --extra-arg=-Wno-unknown-warning-option 2>&1); then
  grep -v 'warnings generated' <<<"$report" >&2
  echo "lint-cpp: clang-tidy reported findings" >&2
  exit 1
fi
echo "lint-cpp: ${#sources[@]} files formatted, ${#units[@]} translation units clean"
