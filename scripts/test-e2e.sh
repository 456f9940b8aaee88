#!/usr/bin/env bash
# The full deployment suite against a fresh local environment: MiniStack up, deploy, seed, run
# the day, every deployment test of both systems (destructive ones included), then the local
# environment down (also on failure).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
py="$root/.venv/bin/python"
trap 'bash scripts/local/down.sh' EXIT
bash scripts/local/down.sh >/dev/null
bash scripts/local/up.sh
bash scripts/deploy.sh local
"$py" -m tools.seed --env local
"$py" -m tools.run_day --env local --force
# test_audiences last: it empties the users table (its file is then the whole directory).
DN_ENV=local DN_E2E_DESTRUCTIVE=1 "$py" -m unittest -v tests.e2e.test_deployment \
  tests.e2e.test_data_pipeline tests.e2e.test_alerting tests.e2e.test_corpus tests.e2e.test_inbox_state \
  tests.e2e.test_authoring tests.e2e.test_audiences

# A code change reaches the deployed functions: rebuild with a new build id, deploy again, and
# the API must answer from the new build.
build_id="e2e-redeploy-$(date +%s)"
make --no-print-directory package BUILD_ID="$build_id" >/dev/null
bash scripts/deploy.sh local >/dev/null
DN_ENV=local DN_EXPECT_BUILD_ID="$build_id" "$py" -m unittest -v \
  tests.e2e.test_deployment.Deployment.test_the_deployed_build_answers
