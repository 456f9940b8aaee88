#!/usr/bin/env bash
# make demo: from a fresh machine to a day's notifications coming out of the API, locally.
# deps -> MiniStack and PostgreSQL up -> package -> deploy `local` -> seed (>= 10,000 users) ->
# run the day -> first and second page of a user's inbox -> a CSV through the data pipeline ->
# summary.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
start=$SECONDS
py="$root/.venv/bin/python"
step() { printf '\n== %s (%d s)\n' "$1" "$((SECONDS - start))"; }

step "dependencies"
bash scripts/deps.sh
step "MiniStack and PostgreSQL"
bash scripts/local/up.sh
step "package the functions"
make --no-print-directory package
step "deploy the local environment"
bash scripts/deploy.sh local
step "seed demo data"
"$py" -m tools.seed --env local
step "run the day"
"$py" -m tools.run_day --env local --force
step "the API"
"$py" -m tools.show_inbox --env local
step "the data pipeline: a CSV with 10,000 users (12 bad rows) into PostgreSQL"
"$py" data/generate_sample.py --rows 10000 --bad-rows 12 --out "$root/.local/demo-users.csv"
"$py" data/load_csv.py --env local --file "$root/.local/demo-users.csv"
echo "rows in PostgreSQL table users: $(bash scripts/local/postgres.sh psql -d daily_notifications -tAc 'SELECT count(*) FROM users')"
seed="$root/.local/seed-local.json"
printf '\n== summary\n'
"$py" - "$seed" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"day {s['date']}: {s['notifications']} notifications, {s['users']} users, "
      f"{s['expectedInbox']} inbox records generated")
PY
echo "total time: $((SECONDS - start)) s"
echo "logs: .local/ministack.log (function output included), .local/postgres/postgres.log;" \
  "outputs: .local/cdk-outputs-local.json"
echo "stop everything with: make down"
