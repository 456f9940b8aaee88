#!/usr/bin/env bash
# The local environment's PostgreSQL 15 server (the data pipeline's database; MiniStack cannot run
# RDS without Docker), one per clone.
#
#   postgres.sh start          initdb on first use (CA + server certificate for localhost), then
#                              start on 127.0.0.1:$DN_LOCAL_PG_PORT accepting only hostssl + SCRAM
#   postgres.sh stop           fast shutdown, then remove the server's state (make down)
#   postgres.sh grant < secret.json
#                              create/update the loader role and database named in the secret (the
#                              deployed DatabaseSecret, whose password the stack generated)
#   postgres.sh psql [args]    psql as the superuser over the Unix socket
#   postgres.sh where          print the server's state directory
#
# Where the state lives: initdb refuses to run as root, so as root the server runs as the
# `postgres` system user, which cannot enter a clone under a 0700 directory (root's home, a
# mktemp -d). Its state (data directory, server key, socket, log) therefore lives in that user's
# home, in a directory named after this clone's .local/ (DN_PG_DIR overrides):
# /var/lib/postgresql/daily-notifications/<clone>-<hash of its path>. For any other user the
# server runs as that user, under .local/postgres/server. Either way .local/postgres/server leads
# there, and .local/postgres/tls/ca.crt is the CA the loader verifies the server with.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/local/env.sh
source "$root/scripts/local/env.sh"
# shellcheck source=scripts/local/lib.sh
source "$root/scripts/local/lib.sh"
port="${DN_LOCAL_PG_PORT:-55432}"
bin="${DN_PG_BIN:-/usr/lib/postgresql/15/bin}"
handle="$DN_LOCAL_DIR/postgres"
ca="$handle/tls/ca.crt"

if [[ -n "${DN_PG_DIR:-}" ]]; then
  dir="$DN_PG_DIR"
elif [[ $EUID -eq 0 ]]; then
  home="$(getent passwd postgres | cut -d: -f6 || true)"
  [[ -n "$home" ]] || fail postgres "there is no 'postgres' system user to run the server as" "" \
    "install PostgreSQL 15 (make deps), or set DN_PG_DIR and run as a user other than root"
  dir="$home/daily-notifications/$(basename "$root")-$(printf '%s' "$DN_LOCAL_DIR" | sha256sum | cut -c1-12)"
else
  dir="$handle/server"
fi
data="$dir/data"
log="$dir/postgres.log"

# From / : the server user may not be able to enter the caller's working directory.
as_server() {
  if [[ $EUID -eq 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

running() { [[ -f "$data/postmaster.pid" ]] && as_server "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }

# The port the running server listens on (line 4 of postmaster.pid).
running_port() { sed -n 4p "$data/postmaster.pid"; }

superuser_psql() { as_server "$bin/psql" -X -q -h "$dir" -p "$(running_port)" -U postgres "$@"; }

# The first directory on the way to $1 that the server user cannot enter, or nothing.
blocked_at() {
  local path="" part
  local -a parts
  IFS=/ read -ra parts <<<"$1"
  for part in "${parts[@]}"; do
    [[ -n "$part" ]] || continue
    path="$path/$part"
    [[ -e "$path" ]] || return 0
    as_server test -x "$path" || {
      echo "$path"
      return 0
    }
  done
}

# Creates the state directory and proves that the server user can write it, or says why not.
prepare_dir() {
  local who blocked
  who="$(as_server id -un)"
  local err
  if ! err="$(mkdir -p "$dir" 2>&1)"; then
    fail postgres "cannot create the server's state directory $dir: $err" "" \
      "point DN_PG_DIR at a directory the user '$who' can write"
  fi
  if [[ $EUID -eq 0 ]]; then chown postgres "$dir"; fi
  chmod 700 "$dir"
  if ! as_server test -w "$dir" -a -x "$dir"; then
    blocked="$(blocked_at "$dir")"
    if [[ -n "$blocked" ]]; then
      fail postgres "the server user '$who' cannot write its data directory $dir: it cannot enter $blocked (mode $(stat -c %a "$blocked"), owner $(stat -c %U "$blocked"))" "" \
        "unset DN_PG_DIR to use the default under the '$who' user's home, or point it at a directory '$who' can reach"
    fi
    fail postgres "the server user '$who' cannot write its data directory $dir" "" \
      "make $dir writable by '$who', or point DN_PG_DIR elsewhere"
  fi
  # Which clone this server belongs to (port_holder names it when the port is taken).
  printf '%s\n' "$DN_LOCAL_DIR" >"$dir/clone"
}

init() {
  [[ -x "$bin/initdb" ]] || fail postgres "PostgreSQL 15 is not installed ($bin/initdb)" "" "run: make deps"
  prepare_dir
  local tls="$dir/tls" ssl_log="$dir/openssl.log"
  mkdir -p "$tls" "$handle/tls"
  # A CA of our own signs the server certificate, so the loader can verify-full against it.
  {
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=daily-notifications local CA" \
      -keyout "$tls/ca.key" -out "$tls/ca.crt" &&
      openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$tls/server.key" \
        -out "$tls/server.csr" &&
      printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$tls/san.ext" &&
      openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial \
        -days 3650 -extfile "$tls/san.ext" -out "$tls/server.crt"
  } >"$ssl_log" 2>&1 || fail postgres "creating the server's TLS certificate failed" "$ssl_log" \
    "check that openssl works (openssl version), then: make down && make up"
  rm -f "$tls/ca.key" "$tls/server.csr" "$tls/san.ext" "$tls/ca.srl"
  chmod 600 "$tls/server.key"
  chmod 644 "$tls/ca.crt" "$tls/server.crt"
  install -m 0644 "$tls/ca.crt" "$ca"
  if [[ $EUID -eq 0 ]]; then chown -R postgres "$dir"; fi
  as_server "$bin/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    fail postgres "initdb failed for $data" "$dir/initdb.log" \
      "fix the cause above; make down removes this clone's server state, then: make up"
  # Only the socket (superuser, for set-up) and TLS over loopback with a password.
  printf 'local all postgres trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n' >"$data/pg_hba.conf"
  cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
ssl = on
ssl_cert_file = '$tls/server.crt'
ssl_key_file = '$tls/server.key'
ssl_min_protocol_version = 'TLSv1.2'
password_encryption = 'scram-sha-256'
EOF
  if [[ $EUID -eq 0 ]]; then chown -R postgres "$dir"; fi
}

# Until this clone's state moved out of it, the server ran from .local/postgres/data: stop that
# one and drop its files, so the port and the layout are this script's again.
retire_old_layout() {
  [[ -d "$handle/data" ]] || return 0
  if [[ -f "$handle/data/postmaster.pid" ]]; then
    as_server "$bin/pg_ctl" -D "$handle/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$handle/data" "$handle/tls" "$handle/postgres.log" "$handle/initdb.log"
}

start() {
  retire_old_layout
  mkdir -p "$handle"
  [[ "$dir" == "$handle/server" ]] || ln -sfn "$dir" "$handle/server"
  if running; then
    if [[ "$(running_port)" != "$port" ]]; then
      fail postgres "this clone's server is already running on port $(running_port), not $port" "" \
        "make down first to move it to DN_LOCAL_PG_PORT=$port, or export DN_LOCAL_PG_PORT=$(running_port)"
    fi
    echo "postgres: already running on 127.0.0.1:$port (state $dir)"
    return 0
  fi
  local holder
  holder="$(port_holder "$port")"
  if [[ -n "$holder" ]]; then
    fail postgres "port $port (DN_LOCAL_PG_PORT) is taken by $holder" "" \
      "stop that, or choose another port for this clone: export DN_LOCAL_PG_PORT=$(free_port_near "$port")"
  fi
  [[ -f "$data/PG_VERSION" ]] || init
  [[ -f "$ca" ]] || install -m 0644 "$dir/tls/ca.crt" "$ca"
  : >"$log" && { [[ $EUID -ne 0 ]] || chown postgres "$log"; }
  as_server "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 -o "-p $port" start >/dev/null 2>&1 ||
    fail postgres "the server did not start on 127.0.0.1:$port" "$log" \
      "fix the cause above, then: make up (make down removes this clone's server state)"
  echo "postgres: PostgreSQL 15 on 127.0.0.1:$port (TLS, CA $ca, log $log)"
}

stop() {
  retire_old_layout
  if running; then
    as_server "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null ||
      fail postgres "the server did not stop" "$log" "see the log; its pid is in $data/postmaster.pid"
    echo "postgres: stopped"
  else
    echo "postgres: not running"
  fi
  # Nothing of this clone's server outlives make down (its state may live outside the clone);
  # only a directory this script set up for this clone is removed.
  if [[ -d "$dir" && "$(cat "$dir/clone" 2>/dev/null)" == "$DN_LOCAL_DIR" ]]; then
    rm -rf "$dir"
    echo "postgres: removed $dir"
  elif [[ -d "$dir" ]]; then
    echo "postgres: left $dir (not set up by this clone's make up)"
  fi
  rm -rf "$handle"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
where) echo "$dir" ;;
grant)
  running || fail postgres "the server is not running" "" "make up"
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
  running || fail postgres "the server is not running" "" "make up"
  superuser_psql "$@"
  ;;
*)
  echo "usage: postgres.sh start|stop|where|grant (secret JSON on stdin)|psql [args]" >&2
  exit 2
  ;;
esac
