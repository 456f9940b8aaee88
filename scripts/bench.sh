#!/usr/bin/env bash
# Runs every benchmark of the release build and prints one `name: value` line per figure.
# - artifact sizes from functions/dist (make package runs first),
# - `bench_*` executables print their own `name: value` lines,
# - `gbench_*` executables are Google Benchmark programs; their JSON is reduced to
#   `<benchmark>_items_per_s` / `<benchmark>_bytes_per_s` lines.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${DN_RELEASE_BUILD:-$root/functions/build/release}"
dist="${DN_ARTIFACT_DIR:-$root/functions/dist}"

max=0
for zip in "$dist"/*.zip; do
  size="$(stat -c %s "$zip")"
  name="$(basename "$zip" .zip | tr '-' '_')"
  echo "zip_bytes_$name: $size"
  ((size > max)) && max=$size
done
echo "zip_bytes_max: $max"

mapfile -t programs < <(find "$build" -type f -executable \( -name 'bench_*' -o -name 'gbench_*' \) | sort)
if ((${#programs[@]} == 0)); then
  echo "bench: no benchmark programs under $build" >&2
  exit 1
fi
for prog in "${programs[@]}"; do
  case "$(basename "$prog")" in
    bench_*) "$prog" ;;
    gbench_*)
      "$prog" --benchmark_format=json --benchmark_min_time=0.2 2>/dev/null | python3 -c '
import json, re, sys
for b in json.load(sys.stdin)["benchmarks"]:
    name = re.sub(r"[^A-Za-z0-9]+", "_", b["name"]).strip("_").lower()
    for counter, suffix in (("items_per_second", "items_per_s"), ("bytes_per_second", "bytes_per_s")):
        if counter in b:
            print(f"{name}_{suffix}: {b[counter]:.0f}")
'
      ;;
  esac
done

# The pipelines as deployed locally: the loader end to end from MiniStack's S3 (upload ->
# outcome) beside the emulator's own S3 read speed, generation (a day of 16,500 records)
# beside the same Query and write calls made directly, one after another, and the inbox routes
# (p50/p99 of each) beside a plain Query of the same key. Starts the local environment when it
# is not up (and stops it again afterwards).
# shellcheck source=scripts/local/env.sh
source "$root/scripts/local/env.sh"
if ! curl -sf "$AWS_ENDPOINT_URL/_ministack/health" >/dev/null 2>&1 ||
  [[ ! -f "$root/.local/cdk-outputs-local.json" ]]; then
  trap 'bash "$root/scripts/local/down.sh" >/dev/null 2>&1' EXIT
  bash "$root/scripts/local/up.sh" >&2
  bash "$root/scripts/deploy.sh" local >/dev/null 2>&1
fi
(cd "$root" && "$root/.venv/bin/python" -m tests.e2e.bench_load --env local)
(cd "$root" && "$root/.venv/bin/python" -m tests.e2e.bench_generate --env local)
(cd "$root" && "$root/.venv/bin/python" -m tests.e2e.bench_inbox --env local)
