#!/usr/bin/env bash
# Starts MiniStack in the background (pinned, in its own venv) with its log and pid under .local/,
# and waits until its health endpoint answers. Idempotent: an emulator already up is reused.
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

stamp="$venv/.requirements.sha256"
sum="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/ministack" || ! -f "$stamp" || "$(cat "$stamp")" != "$sum" ]]; then
  echo "up: installing MiniStack into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
  echo "$sum" >"$stamp"
fi

if healthy; then
  echo "up: MiniStack already answering on $AWS_ENDPOINT_URL"
  exit 0
fi
(cd "$DN_LOCAL_DIR/ministack" && GATEWAY_PORT="$DN_LOCAL_PORT" nohup "$venv/bin/ministack" >"$log" 2>&1 &
  echo $! >"$pidfile")
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
