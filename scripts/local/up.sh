#!/usr/bin/env bash
# Starts the local environment in the background: MiniStack (pinned, in its own venv) and the
# PostgreSQL server of the data pipeline (scripts/local/postgres.sh), logs and pids under .local/.
# Waits until both answer. Idempotent: what is already up is reused.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/local/env.sh
source "$root/scripts/local/env.sh"
venv="$root/.venv/ministack"
req="$root/scripts/local/requirements-ministack.txt"
pidfile="$DN_LOCAL_DIR/ministack.pid"
log="$DN_LOCAL_DIR/ministack.log"
mkdir -p "$DN_LOCAL_DIR/ministack"

healthy() { curl -sf "$AWS_ENDPOINT_URL/_ministack/health" >/dev/null 2>&1; }

bash "$root/scripts/pinned-venv.sh" "$venv" "$req" ministack

bash "$root/scripts/local/postgres.sh" start

if healthy; then
  echo "up: MiniStack already answering on $AWS_ENDPOINT_URL"
  exit 0
fi
# exec: the background job *is* the emulator (its pid is $!), holding none of our output pipes.
(cd "$DN_LOCAL_DIR/ministack" &&
  GATEWAY_PORT="$DN_LOCAL_PORT" exec nohup "$venv/bin/ministack" >"$log" 2>&1 </dev/null) &
echo $! >"$pidfile"
deadline=$((SECONDS + 60))
until healthy; do
  if ((SECONDS > deadline)) || ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "up: MiniStack did not become healthy; last log lines:" >&2
    tail -20 "$log" >&2
    exit 1
  fi
  sleep 0.2
done
echo "up: MiniStack $(grep -o 'ministack==[0-9.]*' "$req") on $AWS_ENDPOINT_URL (pid $(cat "$pidfile"), log $log)"
