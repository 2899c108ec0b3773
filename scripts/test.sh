#!/usr/bin/env bash
# Runs every check and test: formatting, clippy, the release build, the Rust unit, service and
# black-box HTTP tests, then the Playwright browser tests against the real release server.
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
cargo test --workspace --release
# The API fuzzed from its own OpenAPI document: no 5xx, every answer as documented.
./scripts/fuzz.sh
(cd end2end && npx playwright test)
