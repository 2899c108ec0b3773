#!/usr/bin/env bash
# A throw-away IMAP server for the mail-in tests (issue 15): Debian's dovecot-imapd, unprivileged,
# with a generated configuration in a temporary folder.
#   eval "$(scripts/imap.sh start)"  generate a test CA and a server certificate for 127.0.0.1
#                                    (openssl), a passwd-file with one user, maildir storage;
#                                    start dovecot on two free 127.0.0.1 ports (IMAP with
#                                    STARTTLS, and IMAP over TLS); print `export HELPDESK_TEST_IMAP_...`
#   scripts/imap.sh stop             stop the server of $HELPDESK_TEST_IMAP_DIR, delete the folder
# Installs Debian's dovecot-imapd first when it is missing. As root the server runs as the
# package's `dovecot` user (as scripts/pg.sh runs PostgreSQL as `postgres`); otherwise as the caller.
# The user is `helpdesk` with the password in HELPDESK_TEST_IMAP_PASSWORD; mail lives in
# $HELPDESK_TEST_IMAP_DIR/mail/helpdesk/Maildir.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

as_run() { if [ "$(id -u)" = 0 ]; then runuser -u dovecot -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

case "${1:-}" in
start)
  if [ ! -x /usr/sbin/dovecot ]; then
    # Only `export` lines may reach stdout (they are eval'd).
    . "$root/scripts/setup.sh" >&2
    step "installing Debian's dovecot-imapd for the IMAP tests" apt_install dovecot-imapd >&2
  fi
  dir="$(mktemp -d "${TMPDIR:-/tmp}/helpdesk-imap.XXXXXX")"
  trap '[ -f "$dir/run/master.pid" ] && kill "$(cat "$dir/run/master.pid")" 2>/dev/null; rm -rf "$dir"' EXIT
  chmod 755 "$dir"
  # A CA of the test's own, and the server's certificate signed by it (rustls takes no
  # self-signed server certificate as its own root).
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=helpdesk test IMAP CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >"$dir/ext.cnf"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 2 -extfile "$dir/ext.cnf" -out "$dir/server.pem" >/dev/null 2>&1
  password="test-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  mkdir -p "$dir/run" "$dir/state" "$dir/mail"
  echo "helpdesk:{PLAIN}$password::::::" >"$dir/passwd"
  if [ "$(id -u)" = 0 ]; then runas=dovecot; else runas="$(id -un)"; fi
  uid="$(id -u "$runas")"; gid="$(id -g "$runas")"; group="$(id -gn "$runas")"
  port="$(free_port)"; tls_port="$(free_port)"
  cat >"$dir/dovecot.conf" <<CONF
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <$dir/server.pem
ssl_key = <$dir/server.key
disable_plaintext_auth = yes
auth_mechanisms = plain login
default_login_user = $runas
default_internal_user = $runas
default_internal_group = $group
first_valid_uid = $uid
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/passwd
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$dir/mail/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $tls_port
    ssl = yes
  }
}
service anvil {
  chroot =
}
service stats {
  chroot =
}
service pop3-login {
  chroot =
}
CONF
  if [ "$(id -u)" = 0 ]; then chown -R dovecot: "$dir"; fi
  # The daemon must not keep the caller's stdout open (a test reading it would wait forever).
  as_run /usr/sbin/dovecot -c "$dir/dovecot.conf" </dev/null >"$dir/start.log" 2>&1 ||
    { cat "$dir/start.log" "$dir/dovecot.log" >&2 2>/dev/null; exit 1; }
  for _ in $(seq 50); do
    if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1).close()" 2>/dev/null; then break; fi
    sleep 0.1
  done
  trap - EXIT
  echo "dovecot $(/usr/sbin/dovecot --version | awk '{print $1}') on 127.0.0.1:$port (STARTTLS) and :$tls_port (TLS) in $dir" >&2
  echo "export HELPDESK_TEST_IMAP_DIR=$dir"
  echo "export HELPDESK_TEST_IMAP_PORT=$port"
  echo "export HELPDESK_TEST_IMAP_TLS_PORT=$tls_port"
  echo "export HELPDESK_TEST_IMAP_USER=helpdesk"
  echo "export HELPDESK_TEST_IMAP_PASSWORD=$password"
  echo "export HELPDESK_TEST_IMAP_CA=$dir/ca.pem"
  ;;
stop)
  dir="${HELPDESK_TEST_IMAP_DIR:?no server to stop: HELPDESK_TEST_IMAP_DIR is not set}"
  if [ -f "$dir/run/master.pid" ]; then
    pid="$(cat "$dir/run/master.pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: scripts/imap.sh start|stop" >&2
  exit 2
  ;;
esac
