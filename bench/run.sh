#!/usr/bin/env bash
# The load benchmark (issue 5): builds the release server, seeds a fresh SQLite database with
# N tickets (default 100,000), starts the server and drives it with wrk, then writes
# bench/results.md and bench/results.json. Not a test: it prints numbers.
#   bench/run.sh [--tickets N] [--duration SECONDS] [--connections C] [--only KEY,...]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
if ! command -v wrk >/dev/null; then
  as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
scripts/build.sh
exec python3 bench/run.py "$@"
