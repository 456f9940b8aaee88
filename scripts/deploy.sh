#!/usr/bin/env bash
# Deploys one environment with the plain CDK CLI: `scripts/deploy.sh [--check] <local|dev|qa|prod>`.
# local: MiniStack must be up (make up); the CDK is bootstrapped against it on first use.
# dev/qa/prod: uses the caller's AWS credentials (OIDC role in CI) and fails clearly without any.
# --check: only what can be checked before the zips are built (make deploy runs it first, so a
# missing prerequisite fails at once instead of after the build).
# Stack outputs are written to .local/cdk-outputs-<env>.json for the smoke and deployment tests.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
check_only=0
if [[ "${1:-}" == --check ]]; then
  check_only=1
  shift
fi
env="${1:?usage: deploy.sh [--check] <local|dev|qa|prod>}"
case "$env" in local | dev | qa | prod) ;; *)
  echo "deploy: unknown environment '$env' (local, dev, qa, prod)" >&2
  exit 2
  ;;
esac
outputs="$root/.local/cdk-outputs-$env.json"
mkdir -p "$root/.local"
export DN_ARTIFACT_DIR="${DN_ARTIFACT_DIR:-$root/functions/dist}"
cert_source="$root/functions/apps/loader/certs/rds-global-bundle.pem"

# Without the project venv (a fresh clone before make package made it) botocore is not there yet:
# then only whether any credential source is configured at all.
credentials_configured() {
  [[ -n "${AWS_ACCESS_KEY_ID:-}${AWS_PROFILE:-}${AWS_WEB_IDENTITY_TOKEN_FILE:-}" ]] ||
    [[ -n "${AWS_CONTAINER_CREDENTIALS_FULL_URI:-}${AWS_CONTAINER_CREDENTIALS_RELATIVE_URI:-}" ]] ||
    [[ -f "${AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/credentials}" ]] ||
    [[ -f "${AWS_CONFIG_FILE:-$HOME/.aws/config}" ]]
}

if ((check_only)); then
  if [[ "$env" == local ]]; then
    # shellcheck source=scripts/local/env.sh
    source "$root/scripts/local/env.sh"
    curl -sf --max-time 5 "$AWS_ENDPOINT_URL/_ministack/health" >/dev/null 2>&1 || {
      echo "deploy: MiniStack is not answering on $AWS_ENDPOINT_URL (run: make up; DN_LOCAL_PORT picks the port)" >&2
      exit 1
    }
    exit 0
  fi
  if [[ -x "$root/.venv/bin/python" ]] && "$root/.venv/bin/python" -c 'import botocore' 2>/dev/null; then
    "$root/.venv/bin/python" "$root/scripts/aws_identity.py" >/dev/null || {
      echo "deploy: no usable AWS credentials for $env (configure a profile, or the CI OIDC role)" >&2
      exit 1
    }
  elif ! credentials_configured; then
    echo "deploy: no AWS credentials for $env: none of AWS_ACCESS_KEY_ID, AWS_PROFILE," \
      "AWS_WEB_IDENTITY_TOKEN_FILE, ~/.aws/credentials or ~/.aws/config (configure one, or the CI OIDC role)" >&2
    exit 1
  fi
  if [[ ! -f "$cert_source" ]] &&
    ! unzip -l "$DN_ARTIFACT_DIR/loader.zip" 2>/dev/null | grep -q 'certs/rds-global-bundle.pem'; then
    echo "deploy: no RDS CA bundle: download it to functions/apps/loader/certs/rds-global-bundle.pem" \
      "(the loader verifies Aurora's certificate; docs/DATA_PIPELINE.md)" >&2
    exit 1
  fi
  exit 0
fi

cdk=("$root/infra/node_modules/.bin/cdk")
[[ -x "${cdk[0]}" ]] || (cd "$root/infra" && npm ci --no-audit --no-fund)

if [[ "$env" == local ]]; then
  # shellcheck source=scripts/local/env.sh
  source "$root/scripts/local/env.sh"
  if ! curl -sf "$AWS_ENDPOINT_URL/_ministack/health" >/dev/null 2>&1; then
    echo "deploy: MiniStack is not answering on $AWS_ENDPOINT_URL (run: make up)" >&2
    exit 1
  fi
  # Bootstrap from a directory without cdk.json: run in infra/ the CLI first synthesizes the
  # whole app (~15 s of CPU) only to bootstrap an environment named here explicitly.
  bootstrap_dir="$(mktemp -d)"
  (cd "$bootstrap_dir" && "${cdk[@]}" bootstrap "aws://$DN_LOCAL_ACCOUNT/$DN_LOCAL_REGION" >/dev/null)
  rmdir "$bootstrap_dir"
else
  # The loader and sync-audiences verify Aurora's certificate (verify-full) against the RDS CA
  # bundle in their zips.
  for zip in loader sync-audiences; do
    if ! unzip -l "$DN_ARTIFACT_DIR/$zip.zip" 2>/dev/null | grep -q 'certs/rds-global-bundle.pem'; then
      echo "deploy: $DN_ARTIFACT_DIR/$zip.zip has no certs/rds-global-bundle.pem; download the RDS CA" \
        "bundle to functions/apps/loader/certs/ and run make package (docs/DATA_PIPELINE.md)" >&2
      exit 1
    fi
  done
  if ! "$root/.venv/bin/python" "$root/scripts/aws_identity.py" >/dev/null; then
    echo "deploy: no usable AWS credentials for $env (configure a profile or the CI OIDC role)" >&2
    exit 1
  fi
fi
start=$SECONDS
(cd "$root/infra" && "${cdk[@]}" deploy --all -c "env=$env" --require-approval never \
  --outputs-file "$outputs" --progress events)
if [[ "$env" == local ]]; then
  # The local database is ours to configure: give the loader role the password the stack
  # generated into DatabaseSecret (the same secret shape as Aurora's in AWS).
  (cd "$root" && "$root/.venv/bin/python" -m tools.dn_env database-secret local) |
    bash "$root/scripts/local/postgres.sh" grant
fi
echo "deploy: $env deployed in $((SECONDS - start)) s; outputs in $outputs"
