#!/usr/bin/env bash
# Runs every check and test: formatting, clippy, the release build, the Rust unit, service and
# black-box HTTP tests (on SQLite, then again on a throw-away PostgreSQL), then the Playwright
# browser tests against the real release server.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup-test.sh

cargo fmt --all -- --check
# The site (wasm, hashed and precompressed assets, hash.txt) from scripts/build.sh; the server
# binary from cargo test alone: the tests' dev-dependencies turn on features of shared crates
# (hyper's client, tower's timeout, ...), so a server built on its own would be built twice.
scripts/build.sh --site-only
cargo test --workspace --release --no-run
cargo clippy --workspace --release --all-targets -- -D warnings
say "Rust tests on SQLite"
cargo test --workspace --release
# The same service and HTTP tests again on PostgreSQL (issue 13): a throw-away cluster, stopped
# at the end also on failure; the helpers give each test app a database of its own in it.
say "Rust tests on PostgreSQL"
# (Assigned first: set -e does not see a failure inside `eval "$(...)"`.)
pg_env="$(scripts/pg.sh start)"
eval "$pg_env"
trap 'scripts/pg.sh stop' EXIT
cargo test --workspace --release
say "The API fuzzed on PostgreSQL"
fuzz_db="$(scripts/pg.sh createdb fuzz)"
FUZZ_DATABASE_URL="$fuzz_db" ./scripts/fuzz.sh
scripts/pg.sh stop
trap - EXIT
unset HELPDESK_TEST_PG HELPDESK_TEST_PG_DIR
# The API fuzzed from its own OpenAPI document: no 5xx, every answer as documented (on
# PostgreSQL above too). The browser tests stay on SQLite.
./scripts/fuzz.sh
(cd end2end && npx playwright test)
