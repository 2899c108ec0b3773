#!/usr/bin/env bash
# Fuzzes the REST API from its own OpenAPI document (GET /api/openapi.json) with schemathesis:
# the real release server on a free port, a fresh database in a temporary folder seeded with a
# little demo data, a superuser whose Basic credentials every request carries. It fails on any
# 5xx and on any response that does not match its documented schema.
#
# Reproducible and bounded: a fixed seed, a fixed number of examples per operation, no example
# database carried between runs. Override with FUZZ_SEED, FUZZ_EXAMPLES, FUZZ_DATABASE_URL. Needs the release
# binary (scripts/build.sh) and schemathesis (scripts/setup-test.sh installs it).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
st="$root/.tools/venv/bin/st"
bin="$root/target/release/helpdesk"
seed="${FUZZ_SEED:-20261129}"
examples="${FUZZ_EXAMPLES:-100}"
[ -x "$st" ] || { echo "error: $st is missing: run scripts/setup-test.sh" >&2; exit 1; }
[ -x "$bin" ] || { echo "error: $bin is missing: run scripts/build.sh" >&2; exit 1; }

dir="$(mktemp -d -t helpdesk-fuzz-XXXXXX)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
# FUZZ_DATABASE_URL: an empty database elsewhere (the test command's PostgreSQL run).
export DATABASE_URL="${FUZZ_DATABASE_URL:-sqlite://$dir/helpdesk.db}"
export HELPDESK_MEDIA_ROOT="$dir/media"
export LEPTOS_SITE_ROOT="$root/target/site"
export RUST_LOG="helpdesk=info,app=info,tower_http=warn"
unset HELPDESK_ACTIVATE_API_ENDPOINT LEPTOS_SITE_ADDR
password="fuzz-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
HELPDESK_SUPERUSER_PASSWORD="$password" \
  "$bin" createsuperuser --username admin --email admin@example.com 2>/dev/null
# Some tickets, followups, attachments and custom fields, so that ids and custom fields exist.
"$bin" seed --tickets 50 2>/dev/null

# Port 0: the server picks a free port and logs it.
"$bin" serve --addr 127.0.0.1:0 2>"$dir/server.log" &
pid=$!
base=""
for _ in $(seq 300); do
  base="$(grep -o 'listening on http://[0-9.:]*' "$dir/server.log" | head -n1 | sed 's/listening on //')" || true
  [ -n "$base" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$base" ] || { echo "error: the server did not start" >&2; cat "$dir/server.log" >&2; exit 1; }

started=$(date +%s)
status=0
# --workers 1 keeps the order of requests, so the seed reproduces a run exactly. Run from the
# temporary folder: schemathesis keeps a cache of past requests in .schemathesis/ there.
(cd "$dir" && "$st" run "$base/api/openapi.json" \
  --auth "admin:$password" \
  --checks not_a_server_error,response_schema_conformance \
  --phases examples,coverage,fuzzing,stateful \
  --seed "$seed" \
  --max-examples "$examples" \
  --generation-database none \
  --workers 1 \
  --request-timeout 30 \
  --no-color) || status=$?
echo "fuzz: seed $seed, $examples examples per operation, $(( $(date +%s) - started )) s" >&2
if grep -q ' ERROR ' "$dir/server.log"; then
  echo "fuzz: the server logged errors:" >&2
  grep ' ERROR ' "$dir/server.log" | head -n 20 >&2
fi
exit "$status"
