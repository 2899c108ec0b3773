#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests (issue 13).
#   eval "$(scripts/pg.sh start)"   initdb in a temporary folder, start on a free 127.0.0.1 port,
#                                   print `export HELPDESK_TEST_PG=...` and `..._PG_DIR=...`
#   scripts/pg.sh start -c NAME=VALUE ...   the same, with these server settings on top (later
#                                   ones win: the benchmark turns durability back on)
#   scripts/pg.sh stop              stop the cluster of $HELPDESK_TEST_PG_DIR, delete the folder
#   scripts/pg.sh createdb NAME     make an empty database NAME there and print its URL
# Installs Debian's postgresql first when it is missing. PostgreSQL refuses to run as root: as
# root, the server runs as the package's `postgres` user (the database role is still $USER).
# Durability is off (fsync, synchronous commit, full page writes): the data is thrown away.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
user="${USER:-$(id -un)}"

bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-}" in
start)
  shift
  # Extra server settings, passed on as given (`-c fsync=on`).
  extra="$*"
  if [ ! -x "$(bin_dir)/initdb" ]; then
    # Only `export` lines may reach stdout (they are eval'd).
    . "$root/scripts/setup.sh" >&2
    step "installing Debian's postgresql for the PostgreSQL tests" apt_install postgresql >&2
  fi
  bin="$(bin_dir)"
  dir="$(mktemp -d "${TMPDIR:-/tmp}/helpdesk-pg.XXXXXX")"
  # A start that fails half-way leaves no server or folder behind.
  trap 'as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1; rm -rf "$dir"' EXIT
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
  as_pg "$bin/initdb" -D "$dir/data" -U "$user" --auth=trust -E UTF8 --no-locale \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  # A free port: the kernel picks one for a socket that is closed at once.
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o "\
    -c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 $extra" \
    >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 30
  trap - EXIT
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port in $dir" >&2
  echo "export HELPDESK_TEST_PG=postgres://$user@127.0.0.1:$port/postgres"
  echo "export HELPDESK_TEST_PG_DIR=$dir"
  ;;
createdb)
  name="${2:?usage: scripts/pg.sh createdb NAME}"
  "$(bin_dir)/psql" "${HELPDESK_TEST_PG:?no cluster: HELPDESK_TEST_PG is not set}" -qc "create database $name" >&2
  echo "${HELPDESK_TEST_PG%/*}/$name"
  ;;
stop)
  dir="${HELPDESK_TEST_PG_DIR:?no cluster to stop: HELPDESK_TEST_PG_DIR is not set}"
  as_pg "$(bin_dir)/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: scripts/pg.sh start|stop|createdb NAME" >&2
  exit 2
  ;;
esac
