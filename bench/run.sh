#!/usr/bin/env bash
# The load benchmark (issues 5 and 13): builds the release server, seeds a fresh database with
# N tickets (default 100,000), starts the server and drives it with wrk, then writes
# bench/results-<backend>.json and bench/results.md (every backend measured so far, side by
# side). Not a test: it prints numbers.
#   bench/run.sh [--tickets N] [--duration SECONDS] [--connections C] [--only KEY,...]
#                [--database postgres://USER@HOST:PORT/DB]
# Without --database: a fresh SQLite file. With it: a fresh database hd_bench_<random> on that
# PostgreSQL server (DB is only used to connect), dropped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
if ! command -v wrk >/dev/null; then
  as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
# bench/pg.py creates and drops the run's PostgreSQL database with psql.
if [[ " $* " == *" --database"* ]] && ! command -v psql >/dev/null; then
  apt_install postgresql-client
fi
scripts/build.sh
exec python3 bench/run.py "$@"
