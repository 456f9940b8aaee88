#!/usr/bin/env bash
# Stops the MiniStack started by up.sh (and the function processes it spawned), waiting until the
# port is free, and the local PostgreSQL server. The emulator keeps its state in memory, so the
# AWS side of the local environment is gone after; the database keeps its data under .local/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/local/env.sh
source "$root/scripts/local/env.sh"
pidfile="$DN_LOCAL_DIR/ministack.pid"
bash "$root/scripts/local/postgres.sh" stop
if [[ ! -f "$pidfile" ]]; then
  echo "down: nothing to stop (no $pidfile)"
  exit 0
fi
pid="$(cat "$pidfile")"
if kill -0 "$pid" 2>/dev/null; then
  # The emulator's children (Lambda bootstrap processes) go with it.
  pkill -TERM -P "$pid" 2>/dev/null || true
  kill -TERM "$pid"
  deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS > deadline)); then
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
fi
rm -f "$pidfile" "$DN_LOCAL_DIR"/cdk-outputs-local.json
echo "down: MiniStack stopped"
