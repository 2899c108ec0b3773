#!/usr/bin/env bash
# Runs every check and test: formatting, clippy, the release build, the Rust unit, service and
# black-box HTTP tests, then the Playwright browser tests against the real release server.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup-test.sh

cargo fmt --all -- --check
cargo leptos build --release --precompress
cargo clippy --workspace --release --all-targets -- -D warnings
# --release reuses what the leptos build compiled instead of building the server again.
cargo test --workspace --release
# The API fuzzed from its own OpenAPI document: no 5xx, every answer as documented.
./scripts/fuzz.sh
(cd end2end && npx playwright test)
