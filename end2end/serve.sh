#!/usr/bin/env bash
# Started by Playwright's webServer: the real release server on a fresh database in a
# temporary folder, with an admin superuser for the tests. Removed when the server stops.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
port="$1"
dir="$(mktemp -d -t helpdesk-e2e-XXXXXX)"
trap 'rm -rf "$dir"' EXIT
export DATABASE_URL="sqlite://$dir/helpdesk.db"
export HELPDESK_MEDIA_ROOT="$dir/media"
export LEPTOS_SITE_ROOT="$root/target/site"
HELPDESK_SUPERUSER_PASSWORD="$E2E_ADMIN_PASSWORD" \
  "$root/target/release/helpdesk" createsuperuser --username admin --email admin@example.com
"$root/target/release/helpdesk" serve --addr "127.0.0.1:$port" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid; rm -rf "$dir"' EXIT TERM INT
wait $pid
