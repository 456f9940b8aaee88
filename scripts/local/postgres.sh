#!/usr/bin/env bash
# The local environment's PostgreSQL 15 server (the data pipeline's database; MiniStack cannot run
# RDS without Docker). State under .local/postgres/: data directory, TLS files, log.
#
#   postgres.sh start          initdb on first use (CA + server certificate for localhost), then
#                              start on 127.0.0.1:$DN_LOCAL_PG_PORT accepting only hostssl + SCRAM
#   postgres.sh stop           fast shutdown
#   postgres.sh grant < secret.json
#                              create/update the loader role and database named in the secret (the
#                              deployed DatabaseSecret, whose password the stack generated)
#   postgres.sh psql [args]    psql as the superuser over the Unix socket
#
# The server runs as the `postgres` system user when we are root (initdb refuses root).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/local/env.sh
source "$root/scripts/local/env.sh"
port="${DN_LOCAL_PG_PORT:-55432}"
dir="$DN_LOCAL_DIR/postgres"
data="$dir/data"
tls="$dir/tls"
log="$dir/postgres.log"
bin="${DN_PG_BIN:-/usr/lib/postgresql/15/bin}"

as_server() {
  if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

running() { [[ -f "$data/postmaster.pid" ]] && as_server "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }

superuser_psql() { as_server "$bin/psql" -X -q -h "$dir" -p "$port" -U postgres "$@"; }

init() {
  [[ -x "$bin/initdb" ]] || {
    echo "postgres: PostgreSQL 15 is not installed ($bin/initdb); run: make deps" >&2
    exit 1
  }
  mkdir -p "$dir" "$tls"
  # A CA of our own signs the server certificate, so the loader can verify-full against it.
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=daily-notifications local CA" \
    -keyout "$tls/ca.key" -out "$tls/ca.crt" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$tls/server.key" \
    -out "$tls/server.csr" >/dev/null 2>&1
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$tls/san.ext"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial \
    -days 3650 -extfile "$tls/san.ext" -out "$tls/server.crt" >/dev/null 2>&1
  rm -f "$tls/ca.key" "$tls/server.csr" "$tls/san.ext" "$tls/ca.srl"
  chmod 600 "$tls/server.key"
  chmod 644 "$tls/ca.crt" "$tls/server.crt"
  if [[ $EUID -eq 0 ]]; then chown -R postgres "$dir"; fi
  as_server "$bin/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
  # Only the socket (superuser, for set-up) and TLS over loopback with a password.
  printf 'local all postgres trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n' >"$data/pg_hba.conf"
  cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
ssl = on
ssl_cert_file = '$tls/server.crt'
ssl_key_file = '$tls/server.key'
ssl_min_protocol_version = 'TLSv1.2'
password_encryption = 'scram-sha-256'
EOF
  if [[ $EUID -eq 0 ]]; then chown -R postgres "$dir"; fi
}

case "${1:-}" in
start)
  [[ -f "$data/PG_VERSION" ]] || init
  if running; then
    echo "postgres: already running on 127.0.0.1:$port"
    exit 0
  fi
  as_server "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null
  echo "postgres: PostgreSQL 15 on 127.0.0.1:$port (TLS, CA $tls/ca.crt, log $log)"
  ;;
stop)
  if running; then
    as_server "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
    echo "postgres: stopped"
  else
    echo "postgres: not running"
  fi
  ;;
grant)
  running || {
    echo "postgres: not running (make up)" >&2
    exit 1
  }
  # Values go to psql as variables on stdin, never on a command line (ps would show them).
  # psql single-quoted meta-command arguments: '' is a quote, backslashes are escapes.
  {
    python3 -c '
import json, sys
s = json.load(sys.stdin)
quote = lambda v: "\x27" + str(v).replace("\\", "\\\\").replace("\x27", "\x27\x27") + "\x27"
for name, key in (("user", "username"), ("dbname", "dbname"), ("password", "password")):
    print("\\set", name, quote(s[key]))'
    cat <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'user')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user') \gexec
ALTER ROLE :"user" WITH LOGIN PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'dbname', :'user')
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'dbname') \gexec
SQL
  } | superuser_psql -d postgres -v ON_ERROR_STOP=1 -f -
  echo "postgres: the secret's role owns its database (password from the deployed secret)"
  ;;
psql)
  shift
  superuser_psql "$@"
  ;;
*)
  echo "usage: postgres.sh start|stop|grant (secret JSON on stdin)|psql [args]" >&2
  exit 2
  ;;
esac
