#!/usr/bin/env bash
# Installs what building and testing the helpdesk needs, and only what is missing (idempotent).
# Versions and the reasons for them: ../shared/docs/BUILD.md and the README.
# Source it (`. scripts/setup.sh`) so that PATH picks up the tools it installs. Its shell
# options are only set when it runs on its own, so sourcing it changes no option of the caller.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then set -euo pipefail; fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$root/.tools/node_modules/.bin:$PATH"
# Playwright must never try to download a browser: Debian's chromium is used instead.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q '0\.3\.10'; then
  say "installing cargo-leptos 0.3.10 (about 12 minutes, once)"
  cargo install cargo-leptos --version 0.3.10 --locked --features no_downloads
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q '0\.2\.130'; then
  say "installing wasm-bindgen-cli 0.2.130 (about 5 minutes, once)"
  # Not --locked: its lockfile wants a crate version the registry here lacks.
  cargo install wasm-bindgen-cli --version 0.2.130
fi

if ! wasm-opt --version 2>/dev/null | grep -q 'version 132'; then
  say "installing wasm-opt (npm binaryen@132.0.0) into .tools/"
  mkdir -p "$root/.tools"
  npm install --prefix "$root/.tools" --no-audit --no-fund binaryen@132.0.0 >/dev/null
fi

if [ ! -x /usr/bin/chromium ]; then
  say "installing Debian's chromium for the browser tests"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if [ ! -d "$root/end2end/node_modules/@playwright/test" ]; then
  say "installing the end2end npm packages"
  (cd "$root/end2end" && npm ci --no-audit --no-fund >/dev/null)
fi

# schemathesis fuzzes the API from its OpenAPI document (scripts/fuzz.sh), in a venv of its own.
if ! "$root/.tools/venv/bin/st" --version 2>/dev/null | grep -q '4\.32\.5'; then
  say "installing schemathesis 4.32.5 into .tools/venv"
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  fi
  python3 -m venv "$root/.tools/venv"
  "$root/.tools/venv/bin/pip" install -q --disable-pip-version-check schemathesis==4.32.5
fi
