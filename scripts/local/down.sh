#!/usr/bin/env bash
# Stops everything up.sh started for this clone: the MiniStack emulator with the function
# processes it spawned (its process group), waiting until they are gone, and the local PostgreSQL
# server, whose state is removed (postgres.sh stop). The emulator keeps its state in memory, so the
# AWS side of the local environment is gone after. Another clone's environment is never touched.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/local/env.sh
source "$root/scripts/local/env.sh"
pidfile="$DN_LOCAL_DIR/ministack.pid"
bash "$root/scripts/local/postgres.sh" stop
rm -f "$DN_LOCAL_DIR"/cdk-outputs-local.json "$DN_LOCAL_DIR"/seed-local.json
pid="$(cat "$pidfile" 2>/dev/null || true)"
if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null ||
  [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" != "$DN_LOCAL_DIR/ministack" ]]; then
  rm -f "$pidfile"
  echo "down: MiniStack not running for this clone"
  exit 0
fi
# The emulator leads its process group (up.sh starts it with setsid): the group goes together.
kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
deadline=$((SECONDS + 30))
while kill -0 "$pid" 2>/dev/null || pgrep -g "$pid" >/dev/null 2>&1; do
  if ((SECONDS > deadline)); then
    kill -KILL -- "-$pid" 2>/dev/null || true
    break
  fi
  sleep 0.2
done
rm -f "$pidfile"
echo "down: MiniStack stopped"
