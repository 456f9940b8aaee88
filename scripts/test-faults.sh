#!/usr/bin/env bash
# make test-faults: every fault case, in two layers, and the invariants after each.
# 1. The C++ fault suite (functions/faults): find-daily and generate in one process against the
#    loopback AWS stub behind a fault layer, one case per fault and AWS call (debug build, with
#    sanitizers).
# 2. With DN_FAULTS_DEPLOYMENT=1 (make test-faults-local), the deployment fault suite
#    (tests/faults): the deployed functions on a fresh local environment whose AWS calls go
#    through Toxiproxy and the HTTP fault proxy to MiniStack.
# Prints every case by name, then `fault_cases: N` and `invariant_violations: M` over both, and
# fails unless every case held.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
py="$root/.venv/bin/python"
logs="$root/.local/faults"
mkdir -p "$logs"

# ---- 1. C++ -------------------------------------------------------------------------------
(cd functions && cmake --preset debug >/dev/null && cmake --build --preset debug -j "${JOBS:-2}" --target fault_suite_test)
# Most of a case's time is spent waiting on injected delays and deadlines, not on the CPU: four
# shards run side by side (gtest's sharding: each case runs in exactly one shard).
shards=4
cpp_rc=0
pids=()
for ((i = 0; i < shards; i++)); do
  GTEST_TOTAL_SHARDS=$shards GTEST_SHARD_INDEX=$i \
    functions/build/debug/faults/fault_suite_test --gtest_brief=1 >"$logs/cpp.$i.log" 2>&1 &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || cpp_rc=$?; done
cat "$logs"/cpp.[0-9]*.log >"$logs/cpp.log"
grep -E '^(fault_case:|\[  FAILED)' "$logs/cpp.log" || true
: >"$logs/deployment.log"
deploy_rc=0

# ---- 2. deployment (DN_FAULTS_DEPLOYMENT=1, `make test-faults-local`) -----------------------
if [[ "${DN_FAULTS_DEPLOYMENT:-0}" == 1 ]]; then
  bash scripts/faults/toxiproxy.sh
  read -r toxiproxy_port proxy_port api_port < <("$py" -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
for s in socks: s.close()')
  # The functions reach AWS at Toxiproxy's listener -> the HTTP fault proxy -> MiniStack; the
  # suite starts both proxies (MiniStack passes DN_FUNCTIONS_ENDPOINT_URL to the functions).
  export DN_FUNCTIONS_ENDPOINT_URL="http://127.0.0.1:$toxiproxy_port"
  export DN_TOXIPROXY_PORT="$toxiproxy_port" DN_FAULT_PROXY_PORT="$proxy_port" DN_TOXIPROXY_API_PORT="$api_port"
  trap 'bash scripts/local/down.sh >/dev/null 2>&1' EXIT
  bash scripts/local/down.sh >/dev/null
  bash scripts/local/up.sh
  bash scripts/deploy.sh local >"$logs/deploy.log" 2>&1 || {
    tail -30 "$logs/deploy.log" >&2
    echo "test-faults: deploy failed (log $logs/deploy.log)" >&2
    exit 1
  }
  "$py" -m unittest -v tests.faults.test_deployment_faults >"$logs/deployment.log" 2>&1 || deploy_rc=$?
  grep -E '^(fault_case:|FAIL:|ERROR:)' "$logs/deployment.log" || true
fi

# ---- summary --------------------------------------------------------------------------------
sum() { grep -h "^$1: " "$logs/cpp.log" "$logs/deployment.log" | awk '{n += $2} END {print n + 0}'; }
echo "fault_cases: $(sum fault_cases)"
echo "invariant_violations: $(sum invariant_violations)"
if ((cpp_rc != 0 || deploy_rc != 0)); then
  echo "test-faults: FAILED (logs: $logs/cpp.log, $logs/deployment.log)" >&2
  exit 1
fi
