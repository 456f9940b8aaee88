#!/usr/bin/env bash
# Sourced by the local scripts: where MiniStack listens and the emulator's fixed test identity.
# These are MiniStack's dummy credentials (it accepts any), not secrets.
DN_LOCAL_PORT="${DN_LOCAL_PORT:-4566}"
DN_LOCAL_DIR="${DN_LOCAL_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.local}"
export DN_LOCAL_PORT DN_LOCAL_DIR
export AWS_ENDPOINT_URL="http://localhost:${DN_LOCAL_PORT}"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
unset AWS_SESSION_TOKEN AWS_PROFILE
