#!/usr/bin/env bash
# Installs what building and running the helpdesk needs, and only what is missing (idempotent:
# a second run installs nothing). The test tools are installed by scripts/setup-test.sh.
# Versions and the reasons for them: ../shared/docs/BUILD.md and the README.
# Source it (`. scripts/setup.sh`) so that PATH picks up the tools it installs. Its shell
# options are only set when it runs on its own, so sourcing it changes no option of the caller.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then set -euo pipefail; fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$root/.tools/bin:$root/.tools/node_modules/.bin:$PATH"

say() { printf '\033[1m==> %s\033[0m (%s)\n' "$*" "$(date +%T)" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# Runs one set-up step; on failure says which step failed and how to retry, then stops.
step() {
  local what="$1"; shift
  say "$what"
  if ! "$@"; then
    printf '\033[1;31merror: set-up step failed: %s\033[0m\n' "$what" >&2
    printf 'Fix the cause shown above, then run the same command again: finished steps are skipped.\n' >&2
    return 1
  fi
}
# Debian packages: waits up to 10 minutes for another package manager holding the lock
# (unattended upgrades on a fresh machine) instead of failing at once.
apt_install() {
  as_root apt-get -o DPkg::Lock::Timeout=600 update -qq &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
      install -y -qq "$@" >/dev/null
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target" rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen's library behind a small command of ours (tools/bindgen): 45 crates instead of
# wasm-bindgen-cli's 164, the same output.
if ! "$root/.tools/bin/helpdesk-bindgen" --version 2>/dev/null | grep -q '0\.2\.130'; then
  step "installing helpdesk-bindgen (wasm-bindgen 0.2.130) into .tools/bin (2 minutes on 2 cores, once)" \
    env CARGO_TARGET_DIR="$root/target/tools" \
    cargo install --quiet --locked --path "$root/tools/bindgen" --root "$root/.tools"
fi

if ! wasm-opt --version 2>/dev/null | grep -q 'version 132'; then
  mkdir -p "$root/.tools"
  step "installing wasm-opt (npm binaryen@132.0.0) into .tools/" \
    npm install --prefix "$root/.tools" --no-audit --no-fund --silent binaryen@132.0.0
fi
