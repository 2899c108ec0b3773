#!/usr/bin/env bash
# Sets up what is missing, builds the release site and server, and serves the helpdesk on its
# embedded SQLite database (./helpdesk.db unless DATABASE_URL says otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh

scripts/build.sh

addr="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
cat >&2 <<MSG

Helpdesk is starting at http://$addr/ (sign in at http://$addr/login).
No account yet? In another terminal, from this folder, create the first admin:
  target/release/helpdesk createsuperuser --username admin --email admin@example.com
Stop the server with Ctrl-C.

MSG
exec target/release/helpdesk serve "$@"
