#!/usr/bin/env bash
# Sourced by the local scripts: where MiniStack listens and the emulator's fixed test identity.
# These are MiniStack's dummy credentials (it accepts any), not secrets. Account and region come
# from infra/config/local.ts (their one source), through tools/local_config.py.
DN_LOCAL_PORT="${DN_LOCAL_PORT:-4566}"
DN_LOCAL_DIR="${DN_LOCAL_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.local}"
export DN_LOCAL_PORT DN_LOCAL_DIR
if ! dn_local_config="$(python3 "$(dirname "${BASH_SOURCE[0]}")/../../tools/local_config.py")"; then
  echo "env.sh: cannot read the local account and region from infra/config/local.ts" >&2
  return 1
fi
read -r DN_LOCAL_ACCOUNT DN_LOCAL_REGION <<<"$dn_local_config"
unset dn_local_config
export DN_LOCAL_ACCOUNT DN_LOCAL_REGION
export AWS_ENDPOINT_URL="http://localhost:${DN_LOCAL_PORT}"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_REGION="$DN_LOCAL_REGION" AWS_DEFAULT_REGION="$DN_LOCAL_REGION"
unset AWS_SESSION_TOKEN AWS_PROFILE
