# shellcheck shell=bash
# A private PostgreSQL 15 cluster in a directory of our own: unix socket only (no TCP), its own
# port number, reused when it already exists or already runs. PostgreSQL refuses to run as root,
# so when we are root initdb and postgres run as the unprivileged `postgres` account.
# Sourced after common.sh. Sets PG_DIR, PG_PORT, PG_SOCKET_DIR and PG_DATABASE_URL.

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_OS_USER="${PG_OS_USER:-postgres}"

# _pg_as_owner CMD...: runs CMD as the account that owns the cluster.
_pg_as_owner() {
  if [[ $EUID -eq 0 ]]; then
    runuser -u "$PG_OS_USER" -- "$@"
  else
    "$@"
  fi
}

# _pg_make_traversable DIR: every parent of DIR must be searchable by the postgres account.
_pg_make_traversable() {
  [[ $EUID -eq 0 ]] || return 0
  local d
  d="$(dirname "$1")"
  while [[ "$d" != "/" ]]; do
    if ! runuser -u "$PG_OS_USER" -- test -x "$d"; then
      warn "making $d traversable (o+x) so that the $PG_OS_USER account can reach its cluster"
      chmod o+x "$d"
    fi
    d="$(dirname "$d")"
  done
}

# _pg_urlencode TEXT: percent-encodes what a libpq URI query value cannot hold literally.
_pg_urlencode() {
  local LC_ALL=C s="$1" out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c="${s:i:1}"
    case "$c" in
      [A-Za-z0-9/._~-]) out+="$c" ;;
      *) out+="$(printf '%%%02X' "'$c")" ;;
    esac
  done
  printf '%s' "$out"
}

# _pg_socket_dir DIR PORT: DIR itself, unless the socket path would exceed the 107-byte limit of
# sun_path; then a short directory under /tmp derived from DIR.
_pg_socket_dir() {
  local dir="$1" port="$2"
  if ((${#dir} + 14 + ${#port} <= 100)); then
    printf '%s' "$dir"
  else
    local short
    short="/tmp/marketsim-pgsock-$(printf '%s' "$dir" | md5sum | cut -c1-12)"
    mkdir -p "$short"
    [[ $EUID -eq 0 ]] && chown "$PG_OS_USER:" "$short"
    chmod 700 "$short"
    printf '%s' "$short"
  fi
}

# _pg_psql SQL...: runs psql as the postgres superuser on database postgres over the socket.
_pg_psql() {
  "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d postgres "$@"
}

pg_cluster_running() {
  [[ -f "$1/PG_VERSION" ]] && _pg_as_owner "$PG_BIN/pg_ctl" status -D "$1" >/dev/null 2>&1
}

# pg_cluster_start DIR [PORT] [FSYNC]: creates the cluster in DIR if needed (PORT, default 5433,
# is fixed at creation), starts it unless running, and makes sure role and database `marketsim`
# exist. FSYNC is on|off (default on; throwaway clusters may turn it off).
pg_cluster_start() {
  local dir="$1" port="${2:-5433}" fsync="${3:-on}"
  [[ -x "$PG_BIN/initdb" ]] || die "PostgreSQL 15 not found in $PG_BIN (package postgresql-15)"
  mkdir -p "$(dirname "$dir")"
  dir="$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir")"
  [[ "$dir" != *"'"* ]] || die "the cluster path must not contain a single quote: $dir"
  PG_DIR="$dir"
  _pg_make_traversable "$dir"

  if [[ ! -f "$dir/PG_VERSION" ]]; then
    if [[ -d "$dir" && -n "$(ls -A "$dir")" ]]; then
      die "$dir exists, is not empty and holds no PostgreSQL cluster: move it away"
    fi
    info "initdb $dir (port $port)"
    mkdir -p "$dir"
    [[ $EUID -eq 0 ]] && chown "$PG_OS_USER:" "$dir"
    chmod 700 "$dir"
    _pg_as_owner "$PG_BIN/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
      --no-instructions >"$dir.initdb.log" 2>&1 || {
      cat "$dir.initdb.log" >&2
      die "initdb failed"
    }
    rm -f "$dir.initdb.log"
    _pg_as_owner tee -a "$dir/postgresql.conf" >/dev/null <<CONF

# marketsim private cluster: unix socket only (the socket directory is given at start)
listen_addresses = ''
port = $port
unix_socket_permissions = 0700
fsync = $fsync
max_connections = 100
log_min_messages = warning
CONF
  fi
  PG_PORT="$(sed -nE 's/^port = ([0-9]+).*/\1/p' "$dir/postgresql.conf" | tail -n1)"
  PG_PORT="${PG_PORT:-$port}"

  if pg_cluster_running "$dir"; then
    # postmaster.pid line 5 is the socket directory of the running server.
    PG_SOCKET_DIR="$(sed -n 5p "$dir/postmaster.pid")"
    info "PostgreSQL already running in $dir (socket $PG_SOCKET_DIR, port $PG_PORT)"
  else
    PG_SOCKET_DIR="$(_pg_socket_dir "$dir" "$PG_PORT")"
    info "starting PostgreSQL in $dir (socket $PG_SOCKET_DIR, port $PG_PORT)"
    _pg_as_owner "$PG_BIN/pg_ctl" start -D "$dir" -w -t 60 -l "$dir/postgres.log" \
      -o "-k '$PG_SOCKET_DIR'" >/dev/null || {
      tail -n 30 "$dir/postgres.log" >&2 || true
      die "PostgreSQL did not start (log: $dir/postgres.log)"
    }
  fi

  if [[ "$(_pg_psql -c "SELECT 1 FROM pg_roles WHERE rolname = 'marketsim'")" != 1 ]]; then
    _pg_psql -c "CREATE ROLE marketsim LOGIN"
  fi
  if [[ "$(_pg_psql -c "SELECT 1 FROM pg_database WHERE datname = 'marketsim'")" != 1 ]]; then
    _pg_psql -c "CREATE DATABASE marketsim OWNER marketsim"
  fi
  PG_DATABASE_URL="postgresql://marketsim@/marketsim?host=$(_pg_urlencode "$PG_SOCKET_DIR")&port=$PG_PORT"
  export PG_DIR PG_PORT PG_SOCKET_DIR PG_DATABASE_URL
}

# pg_cluster_stop DIR [MODE]: stops the cluster if it runs (MODE fast by default). Keeps the data.
pg_cluster_stop() {
  local dir="$1" mode="${2:-fast}"
  if pg_cluster_running "$dir"; then
    info "stopping PostgreSQL in $dir"
    _pg_as_owner "$PG_BIN/pg_ctl" stop -D "$dir" -m "$mode" -w -t 60 >/dev/null
  fi
}
