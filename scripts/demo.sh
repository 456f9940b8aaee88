#!/usr/bin/env bash
# make demo: from a fresh clone to the whole product, locally: a users CSV through S3 into
# PostgreSQL, its segments and profiles materialised into DynamoDB (sync-audiences), notifications
# scheduled through the admin API, the day run, and a user from the CSV reading the inbox.
# The demo is the list of steps at the bottom: `step "<what>" "<what to do if it fails>" <command>`.
# Each step's output goes to the terminal and to .local/demo/<n>-<step>.log; a failing step says
# what failed, shows the last lines of its log and what to do next; the summary lists the time
# of every step. Installs and builds only what running the demo needs (scripts/deps.sh package:
# the function zips, MiniStack, PostgreSQL, the CDK app); linters, test frameworks and
# benchmarks belong to make test and make bench.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/local/env.sh
source "$root/scripts/local/env.sh"
# shellcheck source=scripts/local/lib.sh
source "$root/scripts/local/lib.sh"
py="$root/.venv/bin/python"
logs="$DN_LOCAL_DIR/demo"
rm -rf "$logs"
mkdir -p "$logs"
start=$SECONDS
step_names=()
step_secs=()
step_cpu=()
cpu_now=0
bg_pids=()
bg_names=()
bg_logs=()
bg_next=()

log_of() { echo "$logs/$(printf '%02d' $((${#step_names[@]} + ${#bg_pids[@]} + 1)))-$(tr -cs 'a-zA-Z0-9' '-' <<<"$1" | cut -c1-40 | sed 's/-$//').log"; }

# CPU seconds (user + system) of the waited-for children so far: with the wall time it shows
# which steps compute and which wait (a shared machine stretches the first, not the second).
# (`times` runs in this shell, not in a $(...) subshell, which has no children of its own yet.)
cpu_mark() {
  times >"$logs/.times"
  cpu_now="$(awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%d", t }' "$logs/.times")"
}

# step <what> <next, if it fails> <command...>
step() {
  local what="$1" next="$2" log status t0=$SECONDS c0
  shift 2
  log="$(log_of "$what")"
  cpu_mark
  c0=$cpu_now
  printf '\n== %s\n' "$what"
  set +e
  (set -e; "$@") 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  set -e
  step_names+=("$what")
  step_secs+=($((SECONDS - t0)))
  cpu_mark
  step_cpu+=($((cpu_now - c0)))
  if ((status != 0)); then
    summary
    fail demo "step \"$what\" exited with status $status after $((SECONDS - t0)) s" "$log" "$next"
  fi
}

# background <what> <next, if it fails> <command...>: a step that mostly waits (downloads, a service
# starting) runs beside the next ones; `wait_background` collects it (its time is its own).
background() {
  local what="$1" next="$2" log
  shift 2
  log="$(log_of "$what")"
  bg_next+=("$next")
  printf '\n== %s (in the background, log %s)\n' "$what" "$log"
  (
    t0=$SECONDS
    set -e
    "$@"
    echo "background step took $((SECONDS - t0)) s"
  ) >"$log" 2>&1 &
  bg_pids+=($!)
  bg_names+=("$what")
  bg_logs+=("$log")
}

wait_background() {
  local i status secs
  for i in "${!bg_pids[@]}"; do
    set +e
    wait "${bg_pids[$i]}"
    status=$?
    set -e
    secs="$(sed -n 's/^background step took \([0-9]*\) s$/\1/p' "${bg_logs[$i]}")"
    step_names+=("${bg_names[$i]} (background)")
    step_secs+=("${secs:-0}")
    step_cpu+=("-")
    echo "== ${bg_names[$i]}: done in ${secs:-?} s (log ${bg_logs[$i]})"
    if ((status != 0)); then
      summary
      fail demo "step \"${bg_names[$i]}\" exited with status $status" "${bg_logs[$i]}" "${bg_next[$i]}"
    fi
  done
  bg_pids=() bg_names=() bg_logs=() bg_next=()
}

summary() {
  local i
  printf '\n== step times (wall, cpu seconds)\n'
  for i in "${!step_names[@]}"; do
    printf '  %4d s  %4s  %s\n' "${step_secs[$i]}" "${step_cpu[$i]}" "${step_names[$i]}"
  done
  cpu_mark
  printf '  %4d s  %4s  total\n' "$((SECONDS - start))" "$cpu_now"
}

csv_through_the_pipeline() {
  "$py" data/generate_sample.py --rows 10000 --bad-rows 12 --out "$DN_LOCAL_DIR/demo-users.csv"
  "$py" data/load_csv.py --env local --file "$DN_LOCAL_DIR/demo-users.csv"
  echo "rows in PostgreSQL table users: $(bash scripts/local/postgres.sh psql -d daily_notifications -tAc 'SELECT count(*) FROM users')"
}

# The demo's definitions (tools/notifications/*.json): daily rules, so any day sends them.
schedule_notifications() {
  local f
  for f in tools/notifications/*.json; do
    "$py" -m tools.notify --env local --file "$f"
  done
  "$py" -m tools.notify --env local --date today
}

install_ministack_and_cdk() {
  bash scripts/pinned-venv.sh "$root/.venv/ministack" scripts/local/requirements-ministack.txt ministack
  (cd infra && { [[ -x node_modules/.bin/cdk ]] || npm ci --no-audit --no-fund; })
}

background "MiniStack and the CDK app's npm packages (downloads)" \
  "fix what the log names (pip and npm need their registries), then run make demo again" \
  install_ministack_and_cdk
step "dependencies (Debian packages, venv, static libcurl and libpq)" \
  "fix what the log names, then run make demo again (finished parts are kept)" \
  bash scripts/deps.sh package
wait_background
# The emulator and the database start (mostly waiting) while the compiler has the CPUs.
background "MiniStack and PostgreSQL" \
  "fix what the log names (make down stops what was started), then run make demo again" \
  bash scripts/local/up.sh
step "build and package the seven functions" \
  "fix the build error above, then run make demo again (the build is incremental)" \
  make --no-print-directory package
wait_background
step "deploy the local environment" \
  "see the log (and .local/ministack.log); make down && make demo starts over" \
  bash scripts/deploy.sh local
step "the data pipeline: a CSV with 10,000 users (12 bad rows) through S3 into PostgreSQL" \
  "see the log, .local/ministack.log (the loader's output) and $(bash scripts/local/postgres.sh where)/postgres.log" \
  csv_through_the_pipeline
step "segments and profiles from the users table (sync-audiences)" \
  "see the log and .local/ministack.log (sync-audiences' output); make audiences waits again" \
  "$py" -m tools.audiences wait --env local
step "schedule notifications through the admin API (make notify)" "see the log and .local/ministack.log" \
  schedule_notifications
step "run the day" "see the log and .local/ministack.log (function output); make down && make demo starts over" \
  "$py" -m tools.run_day --env local --force
step "a user from the CSV reads the inbox through the API" "see the log and .local/ministack.log" \
  "$py" -m tools.show_inbox --env local --from-csv "$DN_LOCAL_DIR/demo-users.csv" --limit 5 \
  --summary "$DN_LOCAL_DIR/demo-user.json"

printf '\n== summary\n'
"$py" - "$DN_LOCAL_DIR/demo-user.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
p = s["profile"] or {}
print(f"user {s['user']} ({p.get('displayName')}, locale {p.get('locale') or '-'}) from the loaded CSV "
      f"received {len(s['items'])} notifications:")
for item in s["items"]:
    print(f"  {item['id']}: {item['title']!r}")
PY
summary
echo "logs: $logs/ (each step), .local/ministack.log (function output included)," \
  "$(bash scripts/local/postgres.sh where)/postgres.log; outputs: .local/cdk-outputs-local.json"
echo "stop everything with: make down"
