"""PostgreSQL for the benchmark: a fresh database per run, the server's settings, and what the
server itself counts per scenario (statements, their time, WAL flushes).

Everything goes through `psql`, so the benchmark still needs nothing beyond the standard
library, wrk and Debian's postgresql-client.
"""
import contextlib
import secrets
import shutil
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

# The server's knobs that decide what a number means (durability above all).
SETTINGS = ["server_version", "fsync", "synchronous_commit", "full_page_writes",
            "shared_buffers", "max_connections"]


def is_postgres(url):
    return urlsplit(url).scheme in ("postgres", "postgresql")


def with_database(url, name):
    """`url` with its database (the path) replaced by `name`; user, host, port and query kept."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def without_password(url):
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{netloc[1]}"))


def psql(url, sql):
    """Runs `sql`; returns its rows as lists of strings (unaligned, tab-separated)."""
    if not shutil.which("psql"):
        sys.exit("psql is missing: apt-get install postgresql-client")
    out = subprocess.run(
        ["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
        capture_output=True, text=True,
    )
    if out.returncode != 0:
        raise RuntimeError(f"psql: {out.stderr.strip()}")
    return [line.split("\t") for line in out.stdout.splitlines() if line]


@contextlib.contextmanager
def fresh_database(url):
    """Creates `hd_bench_<random>` on the server of `url` (the URL's own database is only used
    to connect), yields its URL, and drops it at the end, also on failure."""
    name = f"hd_bench_{secrets.token_hex(4)}"
    psql(url, f"create database {name}")
    try:
        yield with_database(url, name)
    finally:
        # `with (force)` ends connections a killed server may have left behind.
        psql(url, f"drop database if exists {name} with (force)")


def settings(url):
    rows = psql(url, "select name, setting, coalesce(unit, '') from pg_settings "
                     f"where name in ({', '.join(repr(s) for s in SETTINGS)}) order by name")
    return {name: setting + (f" ({unit})" if unit else "") for name, setting, unit in rows}


class Statements:
    """Per-scenario counts from the server: pg_stat_statements (when the server preloads it)
    and pg_stat_wal. Both are reset before a scenario and read after it."""

    def __init__(self, url):
        self.url = url
        try:
            psql(url, "create extension if not exists pg_stat_statements")
            psql(url, "select 1 from pg_stat_statements limit 1")
            self.available = True
        except RuntimeError:
            # Not in shared_preload_libraries: the results just lack the statement columns.
            self.available = False

    def postmaster_pid(self):
        """The server's main process when it runs on this machine, else None."""
        # The checkpointer lives as long as the server (a backend would end with psql).
        (pid,), = psql(self.url, "select pid from pg_stat_activity "
                                 "where backend_type = 'checkpointer'")
        try:
            status = open(f"/proc/{pid}/status").read()
        except OSError:
            return None
        return int(status.split("\nPPid:\t", 1)[1].split("\n", 1)[0])

    def reset(self):
        psql(self.url, "select pg_stat_reset_shared('wal')")
        if self.available:
            psql(self.url, "select pg_stat_statements_reset()")

    def read(self, requests):
        """Per request: WAL flushes and their time; statements and their execution time (ms)
        on the server; and the statements that took the most time in all."""
        n = max(requests, 1)
        (syncs, sync_ms), = psql(self.url, "select wal_sync, wal_sync_time from pg_stat_wal")
        out = {"wal_syncs": round(int(syncs) / n, 2),
               "wal_sync_ms": round(float(sync_ms) / n, 3)}
        if not self.available:
            return out
        own = ("dbid = (select oid from pg_database where datname = current_database()) "
               "and query not like '%pg_stat_%'")
        (calls, ms), = psql(self.url, "select coalesce(sum(calls), 0), "
                                      f"coalesce(sum(total_exec_time), 0) from pg_stat_statements where {own}")
        top = psql(self.url, "select calls, total_exec_time, "
                             "left(regexp_replace(query, '\\s+', ' ', 'g'), 160) "
                             f"from pg_stat_statements where {own} order by total_exec_time desc limit 8")
        # Time spent waiting for the one write lock every server's writers share.
        (lock_ms,), = psql(self.url, "select coalesce(sum(total_exec_time), 0) from "
                                     f"pg_stat_statements where {own} and query like '%pg_advisory_xact_lock%'")
        out.update(
            advisory_lock_ms=round(float(lock_ms) / n, 3),
            statements=round(int(calls) / n, 1),
            statement_ms=round(float(ms) / n, 3),
            top_statements=[{"per_request": round(int(c) / n, 2),
                             "mean_ms": round(float(t) / int(c), 3), "query": q}
                            for c, t, q in top],
        )
        return out
