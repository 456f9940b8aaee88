#!/usr/bin/env bash
# lizard (pinned in requirements-dev.txt) over the code outside tests, benchmarks and fuzzers:
# fails on any function with more than 100 lines of code (NLOC) or a cyclomatic complexity above
# 40, so that no function grows past what a reader can hold. Tests may be long and flat.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

max_nloc=100
max_ccn=40
mapfile -t sources < <(git ls-files --cached --others --exclude-standard \
  '*.cpp' '*.hpp' '*.ts' '*.py' |
  grep -v -E '(^|/)(build|node_modules|cdk\.out|test|tests|bench|fuzz)/|_test\.(cpp|py)$|\.test\.ts$')
if ((${#sources[@]} == 0)); then
  echo "lint-complexity: no sources" >&2
  exit 1
fi
if [[ ! -x .venv/bin/lizard ]]; then
  echo "lint-complexity: .venv/bin/lizard is missing; run make deps" >&2
  exit 1
fi
# -w prints only the functions over a limit; lizard exits non-zero when there is any.
if ! report=$(.venv/bin/lizard -w -Tnloc="$max_nloc" -C "$max_ccn" -L 100000 "${sources[@]}" 2>&1); then
  echo "$report" >&2
  echo "lint-complexity: the functions above exceed ${max_nloc} NLOC or CCN ${max_ccn}; split them" >&2
  exit 1
fi
echo "lint-complexity: ${#sources[@]} files, no function over ${max_nloc} NLOC or CCN ${max_ccn}"
