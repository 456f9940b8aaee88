#!/usr/bin/env bash
# Sourced by the local-environment scripts: how a failure is reported, and who holds a port.
# Every failure says what failed, shows the last lines of its log and says what to do next.

# fail <who> <what failed> <log file or ""> <what to do next>
fail() {
  local who="$1" what="$2" log="$3" next="$4"
  {
    echo "$who: FAILED: $what"
    if [[ -n "$log" && -s "$log" ]]; then
      echo "$who: last lines of $log:"
      tail -n "${DN_LOG_LINES:-25}" "$log" | sed 's/^/  | /'
    fi
    echo "$who: next: $next"
  } >&2
  exit 1
}

# port_holder <port>: one line naming what listens on 127.0.0.1/any <port>, or nothing when free.
# Names the clone when the holder is another clone's MiniStack or PostgreSQL.
port_holder() {
  local port="$1" line pid cmd cwd data clone
  line="$(ss -Htlnp "( sport = :$port )" 2>/dev/null | head -1)"
  if [[ -z "$line" ]]; then
    # ss shows nothing (or is missing): a connect tells whether anything answers at all.
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "an unknown process (install iproute2 for ss to name it)"
    fi
    return 0
  fi
  pid="$(grep -o 'pid=[0-9]*' <<<"$line" | head -1 | cut -d= -f2)"
  if [[ -z "$pid" ]]; then
    echo "a process this user cannot see ($line)"
    return 0
  fi
  cmd="$(tr '\0\n' '  ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-160)"
  cwd="$(readlink "/proc/$pid/cwd" 2>/dev/null || true)"
  if [[ "$cmd" == *ministack* && "$cwd" == */ministack ]]; then
    clone="$(dirname "$(dirname "$cwd")")"
    echo "the MiniStack of the clone $clone (pid $pid; stop it there with: make down)"
    return 0
  fi
  data="$(sed -n 's/.* -D \([^ ]*\).*/\1/p' <<<"$cmd")"
  if [[ -n "$data" && -f "$data/../clone" ]]; then
    clone="$(dirname "$(cat "$data/../clone")")"
    echo "the PostgreSQL of the clone $clone (pid $pid; stop it there with: make down)"
    return 0
  fi
  echo "pid $pid: $cmd"
}

# free_port_near <port>: the first port above <port> that nothing listens on (a suggestion).
free_port_near() {
  local p=$(($1 + 1))
  while ((p < $1 + 100)); do
    [[ -z "$(port_holder "$p")" ]] && {
      echo "$p"
      return 0
    }
    p=$((p + 1))
  done
  echo "<a free port>"
}
