#!/usr/bin/env bash
# The project's release build, in place of cargo-leptos (which took 12 to 27 minutes to
# install): the browser's wasm, the site under target/site (hashed, precompressed, listed in
# target/release/hash.txt, exactly the layout `cargo leptos build --release --precompress`
# makes), and the server target/release/helpdesk at the same time.
#   scripts/build.sh              site and server
#   scripts/build.sh --site-only  site only (scripts/test.sh builds the server with its tests)
# Needs what scripts/setup.sh installs: the wasm32 target, helpdesk-bindgen (wasm-bindgen
# 0.2.130, from tools/bindgen) and wasm-opt, both under .tools/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/bin:$PWD/.tools/node_modules/.bin:$PATH"
site_only=false
case "${1:-}" in
  --site-only) site_only=true ;;
  "") ;;
  *) echo "usage: scripts/build.sh [--site-only]" >&2; exit 2 ;;
esac
say() { printf '\033[1m==> %s\033[0m (%s)\n' "$*" "$(date +%T)" >&2; }

# The server builds beside the wasm: alone, each ends in minutes of one-crate-at-a-time work
# (SQLite's C code, app, the binary's link) that would leave the second core idle.
server_pid=
if ! $site_only; then
  say "building the server in the background (target/release/helpdesk)"
  cargo build --release --bin helpdesk &
  server_pid=$!
  trap 'kill "$server_pid" 2>/dev/null || true' EXIT
fi

# The wasm, as cargo-leptos builds it (same target dir, so either tool reuses the other's
# work). RUSTFLAGS (--cfg erase_components) and LEPTOS_OUTPUT_NAME come from .cargo/config.toml.
say "building the browser's wasm (app, feature hydrate, profile wasm-release)"
cargo build --package=app --lib --target-dir=target/front --target=wasm32-unknown-unknown \
  --no-default-features --features=hydrate --profile=wasm-release
wasm=target/front/wasm32-unknown-unknown/wasm-release/app.wasm

# wasm-bindgen, wasm-opt, hashing and compressing take about a minute: skip them when the site
# was made from the same wasm, style, public files and build scripts, and is still in place.
stamp=target/front/site.stamp
inputs="$(find public -type f | LC_ALL=C sort |
  xargs md5sum "$wasm" style/main.css scripts/build.sh scripts/site.mjs | md5sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ -f target/release/hash.txt ] &&
  [ "$(cat "$stamp")" = "$inputs $(md5sum < target/release/hash.txt | cut -d' ' -f1)" ] &&
  [ -f "target/site/pkg/helpdesk.$(sed -n 's/^js: //p' target/release/hash.txt).js" ]; then
  say "site unchanged (target/site)"
else
  tmp=target/front/site-tmp
  rm -rf "$tmp" "$stamp"
  say "wasm-bindgen"
  # What `wasm-bindgen --target=web --out-name=helpdesk --out-dir=... app.wasm` does.
  helpdesk-bindgen "$wasm" "$tmp/bindgen" helpdesk
  # Leptos asks for helpdesk.wasm (cargo-leptos renames it the same way).
  mv "$tmp/bindgen/helpdesk_bg.wasm" "$tmp/bindgen/helpdesk.wasm"
  say "wasm-opt -Oz"
  # cargo-leptos 0.3.10's flags for release builds.
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$tmp/bindgen/helpdesk.wasm" -o "$tmp/bindgen/helpdesk.wasm"
  say "hashing and compressing the site"
  node scripts/site.mjs "$tmp/bindgen" "$tmp/site" "$tmp/hash.txt"
  # Swapped in at the end, so a failed build leaves the previous site whole.
  rm -rf target/site
  mv "$tmp/site" target/site
  mkdir -p target/release
  mv "$tmp/hash.txt" target/release/hash.txt
  rm -rf "$tmp"
  echo "$inputs $(md5sum < target/release/hash.txt | cut -d' ' -f1)" > "$stamp"
fi

if [ -n "$server_pid" ]; then
  say "waiting for the server build"
  wait "$server_pid"
  trap - EXIT
  say "built target/release/helpdesk"
fi
