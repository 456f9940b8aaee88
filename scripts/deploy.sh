#!/usr/bin/env bash
# Deploys one environment with the plain CDK CLI: `scripts/deploy.sh <local|dev|qa|prod>`.
# local: MiniStack must be up (make up); the CDK is bootstrapped against it on first use.
# dev/qa/prod: uses the caller's AWS credentials (OIDC role in CI) and fails clearly without any.
# Stack outputs are written to .local/cdk-outputs-<env>.json for the smoke and deployment tests.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
env="${1:?usage: deploy.sh <local|dev|qa|prod>}"
case "$env" in local | dev | qa | prod) ;; *)
  echo "deploy: unknown environment '$env' (local, dev, qa, prod)" >&2
  exit 2
  ;;
esac
outputs="$root/.local/cdk-outputs-$env.json"
mkdir -p "$root/.local"
export DN_ARTIFACT_DIR="${DN_ARTIFACT_DIR:-$root/functions/dist}"
cdk=("$root/infra/node_modules/.bin/cdk")
[[ -x "${cdk[0]}" ]] || (cd "$root/infra" && npm ci --no-audit --no-fund)

if [[ "$env" == local ]]; then
  # shellcheck source=scripts/local/env.sh
  source "$root/scripts/local/env.sh"
  if ! curl -sf "$AWS_ENDPOINT_URL/_ministack/health" >/dev/null 2>&1; then
    echo "deploy: MiniStack is not answering on $AWS_ENDPOINT_URL (run: make up)" >&2
    exit 1
  fi
  (cd "$root/infra" && "${cdk[@]}" bootstrap aws://000000000000/us-east-1 -c env=local >/dev/null)
else
  # The loader verifies Aurora's certificate (verify-full) against the RDS CA bundle in its zip.
  if ! unzip -l "$DN_ARTIFACT_DIR/loader.zip" 2>/dev/null | grep -q 'certs/rds-global-bundle.pem'; then
    echo "deploy: $DN_ARTIFACT_DIR/loader.zip has no certs/rds-global-bundle.pem; download the RDS CA" \
      "bundle to functions/apps/loader/certs/ and run make package (docs/DATA_PIPELINE.md)" >&2
    exit 1
  fi
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
