"""Benchmark 1 — replay: ``hotspot import`` of the whole 31-day, four-platform corpus into a
fresh database with 12 themes, against jieba segmenting the distinct titles alone.

Figure:     wall time of ``python -m hotspot --config CFG import ../shared/corpus/*.jsonl``
            (a subprocess: interpreter start, dictionary load, the whole pipeline, relearn).
            Its CPU time (the command's own, from ``getrusage``) is shown beside it: on a
            shared machine the wall clock also measures the neighbours.
Reference:  ``jieba.lcut`` over the distinct titles, measured in the same run (dictionary
            loaded first, outside the timing; the time with the load is shown too), and
            rjieba's time for the same titles, as information lines.
Target:     >= 25,000 entries/s (issue 16: five times the 4,300 entries/s measured before
            the ingest path kept its per-entry reads in memory).
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

TARGET = 25_000  # entries/s
BEFORE = 4_300  # entries/s before issue 16 (18 s for the corpus)

# The reference runs in its own interpreter so that neither jieba's memory nor its import
# time leaks into the harness; titles come in on stdin.
_REFERENCE = r"""
import json, logging, sys, time
titles = json.load(sys.stdin)
t0 = time.perf_counter()
import jieba
jieba.setLogLevel(logging.WARNING)
jieba.initialize()
load = time.perf_counter() - t0
t0 = time.perf_counter()
n = 0
for t in titles:
    n += len(jieba.lcut(t))
cut = time.perf_counter() - t0
out = {"jieba_load": load, "jieba_cut": cut, "tokens": n}
try:
    import rjieba
    t0 = time.perf_counter()
    r = rjieba.Jieba()
    out["rjieba_load"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for t in titles:
        r.cut(t, True)
    out["rjieba_cut"] = time.perf_counter() - t0
except ImportError:
    pass
print(json.dumps(out))
"""


def reference(titles: list[str]) -> dict:
    p = c.subprocess.run(
        [c.PY, "-c", _REFERENCE],
        input=json.dumps(titles, ensure_ascii=False),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(p.stdout.strip().splitlines()[-1])


TIMEOUT = float(os.environ.get("HOTSPOT_BENCH_REPLAY_TIMEOUT", "300"))


#: runs the import and prints its CPU seconds (user + system) after its output
_CPU_WRAPPER = (
    "import json,resource,subprocess,sys;"
    "p=subprocess.run(json.loads(sys.argv[1]),capture_output=True,text=True);"
    "sys.stdout.write(p.stdout);sys.stderr.write(p.stderr);"
    "r=resource.getrusage(resource.RUSAGE_CHILDREN);"
    "print('CPU', r.ru_utime + r.ru_stime);sys.exit(p.returncode)"
)
CPU: dict[str, float] = {}


def run_import(tmp: Path) -> tuple[float, Path, str]:
    """Import the corpus into ``tmp/hotspot.db``; (wall seconds, db path, summary line).
    Past TIMEOUT seconds the import is killed and the summary says so. The command's CPU
    seconds land in ``CPU["import"]``."""
    db = tmp / "hotspot.db"
    cfg = tmp / "hotspot.toml"
    cfg.write_text(c.config_text(db), encoding="utf-8")
    cmd = [c.PY, "-m", "hotspot", "--config", str(cfg), "import", *c.corpus_files()]
    t0 = time.perf_counter()
    try:
        p = c.subprocess.run(
            [c.PY, "-c", _CPU_WRAPPER, json.dumps(cmd)],
            cwd=tmp,
            env=c.child_env(),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except c.subprocess.TimeoutExpired:
        return time.perf_counter() - t0, db, "TIMEOUT"
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"import failed ({p.returncode}): {p.stderr[-2000:]}")
    lines = p.stdout.strip().splitlines()
    if lines and lines[-1].startswith("CPU "):
        CPU["import"] = float(lines.pop().split()[1])
    return wall, db, lines[-1] if lines else ""


def db_figures(db: Path) -> dict:
    """Sizes and row counts of an imported database (for bench_db_growth)."""

    def size() -> int:
        return sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists())

    before = size()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    after = size()
    counts = {
        t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
        for t in ("items", "observations", "events", "event_terms", "alerts", "polls")
    }
    per_table: dict[str, int] = {}
    try:
        for name, nbytes in conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
            per_table[name] = nbytes
        owners = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master"))
    except sqlite3.DatabaseError:
        owners = {}
    # item residency: distinct hours per item (what retention keeps per item)
    hours = conn.execute(
        "SELECT COUNT(*) FROM (SELECT DISTINCT item_id, observed_at / 3600 FROM observations)"
    ).fetchone()[0]
    span = conn.execute("SELECT MIN(observed_at), MAX(observed_at) FROM observations").fetchone()
    sources = conn.execute("SELECT COUNT(DISTINCT source) FROM items").fetchone()[0]
    conn.close()
    by_table: dict[str, int] = {}
    for name, nbytes in per_table.items():
        owner = owners.get(name, name)
        if owner.startswith("items_search"):
            owner = "items"  # the FTS shadow tables belong to items
        by_table[owner] = by_table.get(owner, 0) + nbytes
    return {
        "bytes_before_checkpoint": before,
        "bytes": after,
        "counts": counts,
        "bytes_by_table": by_table,
        "item_hours": hours,
        "span_s": span[1] - span[0],
        "sources": sources,
        "page_bytes": sum(per_table.values()),
    }


def run() -> list[dict]:
    if not c.shared_available():
        return c.skipped("replay")
    titles = c.distinct_titles()
    rows_total = sum(1 for _ in c.corpus_rows())
    print(f"replay: {rows_total:,} list entries, {len(titles):,} distinct titles")
    ref = reference(titles)
    print(
        f"replay: reference jieba.lcut {ref['jieba_cut']:.1f}s (+{ref['jieba_load']:.1f}s "
        f"dictionary load), rjieba {ref.get('rjieba_cut', float('nan')):.2f}s"
    )
    with tempfile.TemporaryDirectory(prefix="hotspot-bench-replay-") as tmp:
        t0 = time.perf_counter()
        wall, db, summary = run_import(Path(tmp))
        print(f"replay: import {wall:.1f}s: {summary}")
        c.STATE["import"] = {"wall": wall, **db_figures(db), "partial": summary == "TIMEOUT"}
    timed_out = c.STATE["import"]["partial"]
    if timed_out:
        print(
            f"replay: import killed after {TIMEOUT:.0f}s (HOTSPOT_BENCH_REPLAY_TIMEOUT); the "
            "figure is a lower bound"
        )
        c.STATE["import"]["elapsed"] = time.perf_counter() - t0
    jc, jl = ref["jieba_cut"], ref["jieba_load"]
    rate = rows_total / wall
    out = [
        c.result(
            "replay: hotspot import, 31 days, 12 themes, entries per wall second"
            + (" (TIMED OUT: lower bound)" if timed_out else ""),
            rate,
            "entries/s",
            f"before: {BEFORE:,}/s",
            rate / BEFORE,
            f">= {TARGET:,}/s",
            rate >= TARGET and not timed_out,
        ),
    ]
    if "import" in CPU:
        cpu_rate = rows_total / CPU["import"]
        out.append(
            c.result(
                "replay: entries per CPU second of the command",
                cpu_rate,
                "entries/s",
                f"{CPU['import']:.1f}s CPU",
                cpu_rate / BEFORE,
                "",
                None,
            )
        )
    out += [
        c.result("replay wall time", wall, "s", f"jieba.lcut distinct titles {jc:.1f}s", wall / jc),
        c.result(
            "replay vs jieba incl. dictionary load",
            wall,
            "s",
            f"jieba load+lcut {jc + jl:.1f}s",
            wall / (jc + jl),
            "",
            None,
        ),
    ]
    if "rjieba_cut" in ref:
        rc = ref["rjieba_cut"]
        out.append(
            c.result(
                "replay vs rjieba (same titles)",
                wall,
                "s",
                f"rjieba cut {rc:.2f}s",
                wall / rc,
                "",
                None,
            )
        )
    return out


if __name__ == "__main__":
    c.main(run)
