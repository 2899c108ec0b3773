#!/usr/bin/env bash
# Started by Playwright's webServer: the real release server on a fresh database in a
# temporary folder, with an admin superuser for the tests. Removed when the server stops.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
port="$1"
dir="$(mktemp -d -t helpdesk-e2e-XXXXXX)"
export DATABASE_URL="sqlite://$dir/helpdesk.db"
export HELPDESK_MEDIA_ROOT="$dir/media"
export LEPTOS_SITE_ROOT="$root/target/site"
# Notifications go to a real SMTP server of the tests (smtp-sink.mjs), which writes each
# message into $E2E_MAILDIR: the portal test follows the link the customer was mailed.
node "$(dirname "$0")/smtp-sink.mjs" "$E2E_SMTP_PORT" "$E2E_MAILDIR" &
sink=$!
trap 'kill $sink 2>/dev/null; rm -rf "$dir" "$E2E_MAILDIR"' EXIT
export HELPDESK_SMTP_URL="smtp://127.0.0.1:$E2E_SMTP_PORT?tls=none"
export HELPDESK_MAIL_RETRY_DELAYS=1
HELPDESK_SUPERUSER_PASSWORD="$E2E_ADMIN_PASSWORD" \
  "$root/target/release/helpdesk" createsuperuser --username admin --email admin@example.com
"$root/target/release/helpdesk" serve --addr "127.0.0.1:$port" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid; kill $sink 2>/dev/null; rm -rf "$dir" "$E2E_MAILDIR"' EXIT TERM INT
wait $pid
