#!/usr/bin/env bash
# Starts the local environment in the background: MiniStack (pinned, in its own venv) and the
# PostgreSQL server of the data pipeline (scripts/local/postgres.sh), logs and pids under .local/.
# Waits until both answer. Idempotent: what this clone already runs is reused; a port held by
# anything else (another clone's environment included) is reported with its holder.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/local/env.sh
source "$root/scripts/local/env.sh"
# shellcheck source=scripts/local/lib.sh
source "$root/scripts/local/lib.sh"
venv="$root/.venv/ministack"
req="$root/scripts/local/requirements-ministack.txt"
pidfile="$DN_LOCAL_DIR/ministack.pid"
log="$DN_LOCAL_DIR/ministack.log"
mkdir -p "$DN_LOCAL_DIR/ministack"

healthy() { curl -sf --max-time 2 "$AWS_ENDPOINT_URL/_ministack/health" >/dev/null 2>&1; }

# This clone's emulator: the pid in the pidfile, alive, working in this clone's .local/ministack.
ours() {
  local pid
  pid="$(cat "$pidfile" 2>/dev/null)" || return 1
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null &&
    [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == "$DN_LOCAL_DIR/ministack" ]]
}

install_log="$DN_LOCAL_DIR/ministack-install.log"
bash "$root/scripts/pinned-venv.sh" "$venv" "$req" ministack >"$install_log" 2>&1 ||
  fail up "installing MiniStack ($(grep -o 'ministack==[0-9.]*' "$req")) into $venv failed" \
    "$install_log" "check that pip reaches PyPI, then: make up"
cat "$install_log"

# The emulator's port first: a taken port is reported before anything is started.
if ! ours; then
  holder="$(port_holder "$DN_LOCAL_PORT")"
  if [[ -n "$holder" ]]; then
    fail up "MiniStack's port $DN_LOCAL_PORT (DN_LOCAL_PORT) is taken by $holder" "" \
      "stop that, or choose another port for this clone: export DN_LOCAL_PORT=$(free_port_near "$DN_LOCAL_PORT") (in every command that uses the local environment)"
  fi
fi

bash "$root/scripts/local/postgres.sh" start

if ours && healthy; then
  echo "up: MiniStack already answering on $AWS_ENDPOINT_URL (pid $(cat "$pidfile"))"
  exit 0
fi
if ! ours; then
  # setsid: the emulator leads its own process group, so make down stops the function processes
  # it spawns with it. exec: the background job *is* the emulator (its pid is $!), holding none
  # of our output pipes. MiniStack hands its own AWS_ENDPOINT_URL to every function process it
  # starts (over the function's configuration), so DN_FUNCTIONS_ENDPOINT_URL, when set, puts
  # something in front of it for the functions only (the fault suite's proxies).
  (cd "$DN_LOCAL_DIR/ministack" &&
    AWS_ENDPOINT_URL="${DN_FUNCTIONS_ENDPOINT_URL:-$AWS_ENDPOINT_URL}" GATEWAY_PORT="$DN_LOCAL_PORT" \
      exec setsid nohup "$venv/bin/ministack" >"$log" 2>&1 </dev/null) &
  echo $! >"$pidfile"
fi
pid="$(cat "$pidfile")"
deadline=$((SECONDS + 60))
until healthy; do
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null && status=0 || status=$?
    fail up "MiniStack exited at start (exit status $status)" "$log" \
      "fix the cause in the log above, then: make up"
  fi
  if ((SECONDS > deadline)); then
    kill -TERM -- "-$pid" 2>/dev/null || true
    fail up "MiniStack did not answer on $AWS_ENDPOINT_URL within 60 s (stopped it)" "$log" \
      "see the log above, then: make up"
  fi
  sleep 0.2
done
echo "up: MiniStack $(grep -o 'ministack==[0-9.]*' "$req") on $AWS_ENDPOINT_URL (pid $pid, log $log)"
