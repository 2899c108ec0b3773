#!/usr/bin/env python3
"""Drives the real release server with wrk and writes bench/results-<backend>.json, then
bench/results.md from every backend's results file (SQLite and PostgreSQL side by side).

Every number comes from this machine: the server and wrk share its cores. Standard library
only, so that the benchmark needs nothing beyond wrk, the build and (for PostgreSQL) psql.
"""
import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pg
import report

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "target" / "release" / "helpdesk"
ADMIN, ADMIN_PASSWORD = "admin", "bench-admin-pass"


def run(cmd, env):
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)


def start_server(env):
    proc = subprocess.Popen(
        [str(BIN), "serve", "--addr", "127.0.0.1:0"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stderr.readline()
        m = re.search(r"listening on (http://\S+)", line)
        if m:
            # Keep draining stderr so the server never blocks on a full pipe.
            subprocess.Popen(["cat"], stdin=proc.stderr, stdout=subprocess.DEVNULL)
            return proc, m.group(1)
    proc.kill()
    sys.exit("server did not start")


def peak_rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid):
    """User plus system CPU time of `pid` so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def family_cpu(parent):
    """CPU time so far of `parent` and each of its child processes, by pid: PostgreSQL's
    postmaster and its backends (which come and go, hence per pid)."""
    pids = [parent]
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            if f"\nPPid:\t{parent}\n" in status.read_text():
                pids.append(int(status.parent.name))
        except OSError:
            pass
    return {pid: cpu_seconds(pid) for pid in pids}


def login_cookie(base):
    req = urllib.request.Request(
        base + "/sfn/login",
        data=f"username={ADMIN}&password={ADMIN_PASSWORD}".encode(),
        headers={"Origin": base, "Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    with urllib.request.urlopen(req) as resp:
        cookie = resp.headers["Set-Cookie"].split(";")[0]
    return cookie


def transferred_size(base, path):
    # What Chromium sends.
    req = urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    with urllib.request.urlopen(req) as resp:
        return len(resp.read()), resp.headers.get("Content-Encoding", "identity")


def lua_quote(s):
    return json.dumps(s)


def wrk(base, scenario, args, tmp):
    headers = dict(scenario.get("headers", {}))
    lines = [f"wrk.method = {lua_quote(scenario.get('method', 'GET'))}"]
    for k, v in headers.items():
        lines.append(f"wrk.headers[{lua_quote(k)}] = {lua_quote(v)}")
    if "body" in scenario:
        lines.append(f"wrk.body = {lua_quote(scenario['body'])}")
    if "random_id" in scenario:
        # A different ticket each request, so no cache of one row can flatter the result.
        lines.append("math.randomseed(os.time())")
        lines.append(
            "request = function() local id = math.random(1, %d) "
            "return wrk.format(nil, string.format(%s, id)) end"
            % (scenario["random_id"], lua_quote(scenario["path"]))
        )
    script = tmp / f"{scenario['key']}.lua"
    script.write_text("\n".join(lines) + "\n")
    path = scenario["path"] if "random_id" not in scenario else "/"
    cmd = [
        "wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.duration}s",
        "--latency", "--timeout", "10s", "-s", str(script), base + path,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))

    def pct(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (
        sum(int(x) for x in sock.groups()) if sock else 0
    )
    return {"requests": total, "rps": rps, "p50_ms": pct(50), "p99_ms": pct(99), "errors": errors}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, default=100_000)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--database", metavar="URL",
                    help="a postgres:// URL: the run creates a fresh database on that server "
                         "and drops it at the end (without it, a fresh SQLite file)")
    ap.add_argument("--only", default="",
                    help="comma-separated scenario keys; prints them without writing results")
    args = ap.parse_args()
    if not BIN.exists():
        sys.exit(f"{BIN} is missing: run bench/run.sh, which builds it")
    if args.database and not pg.is_postgres(args.database):
        sys.exit("--database takes a postgres:// URL (without it the benchmark uses SQLite)")

    tmp = Path(tempfile.mkdtemp(prefix="helpdesk-bench-"))
    try:
        if args.database:
            with pg.fresh_database(args.database) as url:
                run_backend("postgres", url, args, tmp)
        else:
            run_backend("sqlite", f"sqlite://{tmp}/helpdesk.db", args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_backend(backend, url, args, tmp):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        HELPDESK_MEDIA_ROOT=str(tmp / "media"),
        LEPTOS_SITE_ROOT=str(ROOT / "target" / "site"),
        HELPDESK_SUPERUSER_PASSWORD=ADMIN_PASSWORD,
        RUST_LOG="warn,helpdesk::startup=info",
    )
    load_before = os.getloadavg()
    run([str(BIN), "createsuperuser", "--username", ADMIN, "--email", "admin@example.com"], env)
    t0 = time.time()
    print(f"seeding {args.tickets} tickets on {report.BACKENDS[backend]} ...", flush=True)
    run([str(BIN), "seed", "--tickets", str(args.tickets)], env)
    seed_s = time.time() - t0
    stats = None
    if backend == "postgres":
        # Fresh planner statistics, as autovacuum would have them some time after the seed.
        pg.psql(url, "analyze")
        stats = pg.Statements(url)
    proc, base = start_server(env)
    try:
        results = bench(base, proc.pid, args, tmp, stats)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    results.update(
        backend=backend,
        seed_seconds=round(seed_s, 1),
        load_average_before=[round(x, 2) for x in load_before],
        database_settings=pg.settings(url) if backend == "postgres" else {},
    )
    if not args.only:
        write(backend, results, args)


def bench(base, pid, args, tmp, stats):
    auth = "Basic " + base64.b64encode(f"{ADMIN}:{ADMIN_PASSWORD}".encode()).decode()
    cookie = login_cookie(base)
    n = args.tickets
    api = {"Authorization": auth}
    json_api = {"Authorization": auth, "Content-Type": "application/json"}
    scenarios = [
        {"key": "get_ticket", "name": "GET /api/tickets/{id} (Basic auth)",
         "path": "/api/tickets/%d/", "random_id": n, "headers": api},
        {"key": "list_page_1", "name": "GET /api/tickets/?page=1 (25 with followup_set)",
         "path": "/api/tickets/?page=1", "headers": api},
        {"key": "list_page_2000", "name": "GET /api/tickets/?page=2000",
         "path": f"/api/tickets/?page={min(2000, max(1, n // 25))}", "headers": api},
        {"key": "list_filtered", "name": "GET /api/tickets/?status=1&q=printer",
         "path": "/api/tickets/?status=1&q=printer", "headers": api},
        {"key": "page_list", "name": "GET /tickets (server-rendered list, session)",
         "path": "/tickets", "headers": {"Cookie": cookie}},
        {"key": "page_ticket", "name": "GET /tickets/{id} (server-rendered ticket, session)",
         "path": "/tickets/%d", "random_id": n, "headers": {"Cookie": cookie}},
        {"key": "create", "name": "POST /api/tickets/", "method": "POST", "path": "/api/tickets/",
         "headers": json_api,
         "body": json.dumps({"queue": 1, "title": "Bench ticket", "description": "Load",
                             "submitter_email": "load@example.com", "priority": 2})},
        {"key": "patch", "name": "PATCH /api/tickets/{id}", "method": "PATCH",
         "path": "/api/tickets/%d/", "random_id": n, "headers": json_api,
         "body": json.dumps({"priority": 1, "on_hold": True})},
        {"key": "login", "name": "POST /sfn/login (argon2id every time)", "method": "POST",
         "path": "/sfn/login",
         "headers": {"Origin": base, "Content-Type": "application/x-www-form-urlencoded"},
         "body": f"username={ADMIN}&password={ADMIN_PASSWORD}"},
    ]
    if args.only:
        keep = set(args.only.split(","))
        scenarios = [s for s in scenarios if s["key"] in keep]
    rows = []
    # PostgreSQL's CPU is counted when it runs on this machine (its postmaster is then the
    # parent of the backend answering us).
    postmaster = stats.postmaster_pid() if stats else None
    for s in scenarios:
        print(f"  {s['name']} ...", flush=True)
        if stats:
            stats.reset()
        load = os.getloadavg()[0]
        # Where the CPU goes per request: the server process, and PostgreSQL's when local.
        app_cpu = cpu_seconds(pid)
        db_cpu = family_cpu(postmaster) if postmaster else {}
        r = wrk(base, s, args, tmp)
        # Requests wrk left in flight finish (or are dropped) before the counters are read,
        # so they don't land in the next scenario's numbers.
        time.sleep(1)
        n_req = max(r["requests"], 1)
        r.update(
            key=s["key"], name=s["name"], peak_rss_mb=round(peak_rss_mb(pid), 1),
            load_before=round(load, 2),
            app_cpu_ms=round((cpu_seconds(pid) - app_cpu) * 1000 / n_req, 3),
        )
        if postmaster:
            # Backends that ended during the scenario are missed: the pool keeps its own.
            used = sum(t - db_cpu.get(p, 0.0) for p, t in family_cpu(postmaster).items())
            r["db_cpu_ms"] = round(used * 1000 / n_req, 3)
        if stats:
            r.update(stats.read(n_req))
        rows.append(r)
        print(f"    {r['rps']:.0f} req/s  p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms  "
              f"errors {r['errors']}  peak RSS {r['peak_rss_mb']} MB  "
              f"server CPU {r['app_cpu_ms']} ms/req", flush=True)
    assets = {}
    with urllib.request.urlopen(base + "/login") as resp:
        page = resp.read().decode()
    paths = sorted(set(re.findall(r"/pkg/helpdesk[^\"')\s<>]*\.(?:wasm|js|css)", page)))
    for path in paths:
        size, enc = transferred_size(base, path)
        assets[path] = {"bytes": size, "encoding": enc}
    return {"scenarios": rows, "assets": assets}


def write(backend, results, args):
    """bench/results-<backend>.json, then bench/results.md from every backend's file."""
    config = vars(args).copy()
    if config["database"]:
        # The server, never a password.
        config["database"] = pg.without_password(config["database"])
    results.update(config=config, cores=os.cpu_count(),
                   measured_at=time.strftime("%Y-%m-%d %H:%M", time.gmtime()))
    out = ROOT / "bench"
    (out / f"results-{backend}.json").write_text(json.dumps(results, indent=2) + "\n")
    print(report.render(out))


if __name__ == "__main__":
    main()
