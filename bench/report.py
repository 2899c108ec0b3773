"""bench/results.md from every backend's bench/results-<backend>.json, side by side.

Only the part above NOTES_MARKER is generated; what is below it (the hand-written reading of
the numbers) is kept when the results are rewritten.
"""
import json
from pathlib import Path

BACKENDS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
NOTES_MARKER = "<!-- Written by hand below this line; bench/run.py keeps it. -->"


def load(bench_dir):
    """{backend: results} for each results file present, SQLite first."""
    found = {}
    for backend in BACKENDS:
        path = bench_dir / f"results-{backend}.json"
        if path.exists():
            found[backend] = json.loads(path.read_text())
    return found


def num(value, digits=0):
    return "–" if value is None else f"{value:,.{digits}f}"


def render(bench_dir):
    runs = load(bench_dir)
    names = [BACKENDS[b] for b in runs]
    first = next(iter(runs.values()))
    cfg = first["config"]
    lines = [
        "# Benchmark results",
        "",
        f"`bench/run.sh [--database postgres://...]`: {cfg['tickets']:,} tickets (1 to 5 "
        "followups each, custom values on about half, an attachment on one in ten), release "
        f"build, wrk with {cfg['connections']} connections and {cfg['threads']} threads for "
        f"{cfg['duration']} s a scenario, on this {first['cores']} cores machine with wrk, the "
        "server and (for PostgreSQL) the database server sharing the cores.",
        "",
        "| scenario | " + " | ".join(f"{n} req/s | p50 ms | p99 ms" for n in names) + " |",
        "|---|" + "---:|---:|---:|" * len(runs),
    ]
    rows = {b: {r["key"]: r for r in res["scenarios"]} for b, res in runs.items()}
    for r in first["scenarios"]:
        cells = []
        for b in runs:
            s = rows[b].get(r["key"], {})
            cells += [num(s.get("rps")), num(s.get("p50_ms"), 2), num(s.get("p99_ms"), 2)]
        lines.append(f"| {r['name']} | " + " | ".join(cells) + " |")

    lines += ["", "The runs:", "", "| | " + " | ".join(names) + " |",
              "|---|" + "---|" * len(runs)]

    def row(label, fn):
        lines.append(f"| {label} | " + " | ".join(fn(res) for res in runs.values()) + " |")

    row("measured at (UTC)", lambda res: res.get("measured_at", "–"))
    row("tickets", lambda res: f"{res['config']['tickets']:,}")
    row("seeding", lambda res: f"{res['seed_seconds']} s")
    row("errors (non-2xx, socket) in all scenarios",
        lambda res: str(sum(s["errors"] for s in res["scenarios"])))
    row("server's peak RSS", lambda res: f"{max(s['peak_rss_mb'] for s in res['scenarios'])} MB")
    row("load average before the run (1, 5, 15 min)",
        lambda res: ", ".join(str(x) for x in res["load_average_before"]))
    row("highest 1-min load before a scenario",
        lambda res: str(max(s["load_before"] for s in res["scenarios"])))
    for setting in sorted({k for res in runs.values() for k in res["database_settings"]}):
        row(f"`{setting}`", lambda res, k=setting: res["database_settings"].get(k, "–"))

    if "postgres" in runs:
        lines += [
            "",
            "Where a request's time goes (averages per request over each scenario): the "
            "helpdesk process's CPU on each backend; then, on PostgreSQL, the CPU of all of "
            "PostgreSQL's processes, the statements it ran and their execution time as "
            "`pg_stat_statements` counts them, and its WAL flushes (`pg_stat_wal`) with their "
            "time.",
            "",
            "| scenario | " + " | ".join(f"helpdesk CPU ms ({n})" for n in names)
            + " | PostgreSQL CPU ms | statements | statement ms | WAL flushes | WAL flush ms |",
            "|---|" + "---:|" * (len(runs) + 5),
        ]
        for r in first["scenarios"]:
            cells = [num(rows[b].get(r["key"], {}).get("app_cpu_ms"), 2) for b in runs]
            p = rows["postgres"].get(r["key"], {})
            cells += [num(p.get("db_cpu_ms"), 2), num(p.get("statements"), 1),
                      num(p.get("statement_ms"), 2), num(p.get("wal_syncs"), 2),
                      num(p.get("wal_sync_ms"), 2)]
            lines.append(f"| {r['name']} | " + " | ".join(cells) + " |")

    lines += ["", "First page's assets as transferred:", ""]
    total = 0
    for path, a in first["assets"].items():
        lines.append(f"- `{path}`: {a['bytes']:,} bytes ({a['encoding']})")
        total += a["bytes"]
    lines.append(f"- total: {total:,} bytes")

    md = bench_dir / "results.md"
    notes = ""
    if md.exists() and NOTES_MARKER in md.read_text():
        notes = md.read_text().split(NOTES_MARKER, 1)[1]
    md.write_text("\n".join(lines) + "\n\n" + NOTES_MARKER + notes.rstrip("\n") + "\n")
    return "\n".join(lines)
