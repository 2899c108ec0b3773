#!/usr/bin/env bash
# Installs what the tests need on top of scripts/setup.sh, and only what is missing: Debian's
# chromium, dovecot-imapd, the Playwright packages of end2end/ (no browser download) and schemathesis.
# Source it, like setup.sh.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then set -euo pipefail; fi
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/setup.sh"
# Playwright must never try to download a browser: Debian's chromium is used instead.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

if [ ! -x /usr/bin/chromium ]; then
  step "installing Debian's chromium for the browser tests" apt_install chromium
fi

# The IMAP polling tests run Debian's dovecot (scripts/imap.sh).
if [ ! -x /usr/sbin/dovecot ]; then
  step "installing Debian's dovecot-imapd for the IMAP tests" apt_install dovecot-imapd
fi

if [ ! -d "$root/end2end/node_modules/@playwright/test" ]; then
  step "installing the end2end npm packages" \
    bash -c "cd '$root/end2end' && npm ci --no-audit --no-fund --silent"
fi

# schemathesis fuzzes the API from its OpenAPI document (scripts/fuzz.sh), in a venv of its own.
if ! "$root/.tools/venv/bin/st" --version 2>/dev/null | grep -q '4\.32\.5'; then
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    step "installing Debian's python3-venv" apt_install python3-venv
  fi
  step "installing schemathesis 4.32.5 into .tools/venv" bash -c \
    "python3 -m venv '$root/.tools/venv' && '$root/.tools/venv/bin/pip' install -q --disable-pip-version-check schemathesis==4.32.5"
fi
