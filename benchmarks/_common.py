"""Shared helpers of the benchmarks: paths, result rows, config generation, a local HTTP
hot-list server, subprocess timing and peak-RSS measurement.

Every benchmark module exposes ``run() -> list[dict]``; each dict has the keys of
``result()``. ``passed`` is True/False against a target, or None for an informational line.
"""

from __future__ import annotations

import glob
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
SHARED = Path(os.environ.get("HOTSPOT_SHARED") or ROOT.parent / "shared")
CORPUS = SHARED / "corpus"
THEMES_FILE = SHARED / "eval" / "themes.toml"
CACHE = BENCH_DIR / ".cache"
PY = sys.executable

# Results handed from one benchmark to another within one run.py process (the replay's
# database figures feed the growth projection, so the import runs once).
STATE: dict = {}


def shared_available() -> bool:
    return bool(corpus_files()) and THEMES_FILE.exists()


def corpus_files() -> list[str]:
    return sorted(glob.glob(str(CORPUS / "*.jsonl")))


def skipped(name: str, why: str = "../shared absent") -> list[dict]:
    print(f"{name}: skipped: {why}")
    return []


def result(
    figure: str,
    value: float | None,
    unit: str,
    reference: str = "",
    ratio: float | None = None,
    target: str = "",
    passed: bool | None = None,
) -> dict:
    return {
        "figure": figure,
        "value": value,
        "unit": unit,
        "reference": reference,
        "ratio": ratio,
        "target": target,
        "passed": passed,
    }


def fmt_value(v: float | None) -> str:
    if v is None:
        return "-"
    if isinstance(v, int) or (float(v).is_integer() and abs(v) >= 100):
        return f"{int(v):,}"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.3g}" if abs(v) < 1 else f"{v:.2f}"


def verdict(p: bool | None) -> str:
    return "info" if p is None else ("PASS" if p else "FAIL")


def table_rows(rows: Sequence[dict]) -> list[list[str]]:
    return [
        [
            r["figure"],
            f"{fmt_value(r['value'])} {r['unit']}".strip(),
            r["reference"] or "-",
            "-" if r["ratio"] is None else f"{r['ratio']:.2f}x",
            r["target"] or "-",
            verdict(r["passed"]),
        ]
        for r in rows
    ]


HEADERS = ["figure", "value", "reference", "ratio", "target", "result"]


def print_table(rows: Sequence[dict], file=None) -> None:
    file = file or sys.stdout
    body = table_rows(rows)
    if not body:
        return
    widths = [max(len(h), *(_width(r[i]) for r in body)) for i, h in enumerate(HEADERS)]
    line = "  ".join(_pad(h, w) for h, w in zip(HEADERS, widths))
    print(line, file=file)
    print("-" * _width(line), file=file)
    for r in body:
        print("  ".join(_pad(c, w) for c, w in zip(r, widths)), file=file)
    file.flush()


def markdown_table(rows: Sequence[dict]) -> str:
    out = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    for r in table_rows(rows):
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
    return "\n".join(out) + "\n"


def _width(s: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in s)


def _pad(s: str, w: int) -> str:
    return s + " " * (w - _width(s))


def main(run: Callable[[], list[dict]]) -> None:
    rows = run()
    print()
    print_table(rows)


# -- themes and configs -------------------------------------------------------------------
def eval_themes() -> list[dict]:
    """The 12 themes of ../shared/eval/themes.toml (name + keywords)."""
    with open(THEMES_FILE, "rb") as fh:
        return tomllib.load(fh)["themes"]


FALLBACK_THEMES = [{"name": "美食", "keywords": ["美食", "奶茶", "火锅"]}]


def toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def config_text(
    database: Path | str,
    *,
    accounts: int = 1,
    themes: list[dict] | None = None,
    sources: Sequence[dict] = (),
    extra_hotspot: str = "",
) -> str:
    """A hotspot.toml: ``accounts`` accounts, each with ``themes`` as ``[[accounts.themes]]``."""
    themes = (
        themes
        if themes is not None
        else (eval_themes() if THEMES_FILE.exists() else FALLBACK_THEMES)
    )
    lines = ["[hotspot]", f"database = {toml_str(str(database))}", extra_hotspot, ""]
    for s in sources:
        lines.append("[[sources]]")
        lines += [f"{k} = {toml_str(v) if isinstance(v, str) else v}" for k, v in s.items()]
        lines.append("")
    for a in range(accounts):
        lines += ["[[accounts]]", f'name = "acct{a:03d}"', ""]
        for t in themes:
            lines += [
                "[[accounts.themes]]",
                f"name = {toml_str(t['name'])}",
                "keywords = [" + ", ".join(toml_str(k) for k in t["keywords"]) + "]",
                "",
            ]
    return "\n".join(lines)


# -- corpus -------------------------------------------------------------------------------
def corpus_rows() -> list[dict]:
    rows = []
    for f in corpus_files():
        with open(f, encoding="utf-8") as fh:
            rows.extend(json.loads(line) for line in fh if line.strip())
    return rows


def distinct_titles() -> list[str]:
    seen: dict[str, None] = {}
    for r in corpus_rows():
        t = r.get("title")
        if isinstance(t, str) and t.strip():
            seen.setdefault(t, None)
    return list(seen)


# -- a local hot-list server ----------------------------------------------------------------
class HotListServer:
    """ThreadingHTTPServer on 127.0.0.1 answering ``GET /list/<n>`` with a DailyHotApi-shaped
    JSON list (the ``jsonlist`` plugin's default shape) after ``delay`` seconds.

    ``lister(path, n) -> list[str]`` chooses the titles of the n-th answer on that path."""

    def __init__(self, lister: Callable[[str, int], list[str]], delay: float = 0.0):
        self.lister = lister
        self.delay = delay
        self.requests = 0
        self.per_path: dict[str, int] = {}
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                with outer._lock:
                    outer.requests += 1
                    n = outer.per_path[self.path] = outer.per_path.get(self.path, 0) + 1
                if outer.delay:
                    time.sleep(outer.delay)
                titles = outer.lister(self.path, n)
                body = json.dumps(
                    {
                        "code": 200,
                        "data": [
                            {
                                "id": f"{abs(hash(t)) % 10**12}",
                                "title": t,
                                "hot": 1_000_000 - 1000 * i,
                                "url": f"https://example.com/{i}",
                            }
                            for i, t in enumerate(titles)
                        ],
                    },
                    ensure_ascii=False,
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256  # listen() backlog; the default 5 drops SYNs (1 s retry)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> HotListServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def rotating_lister(titles: list[str], size: int = 50, step: int = 5):
    """Each answer of each path: ``size`` titles from a window that moves ``step`` titles per
    request (so every poll has a few new items and many known ones)."""

    def lister(path: str, n: int) -> list[str]:
        k = sum(map(ord, path)) * 37
        start = (k + n * step) % max(1, len(titles) - size)
        return titles[start : start + size]

    return lister


# -- subprocess measurements ----------------------------------------------------------------
def timed_run(
    cmd: Sequence[str],
    *,
    cwd: Path | str | None = None,
    env: dict | None = None,
    check: bool = True,
) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    p = subprocess.run(list(cmd), cwd=cwd, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr[-2000:]}")
    return dt, p


def median_wall(cmd: Sequence[str], n: int = 5, warmup: int = 1, **kw) -> float:
    for _ in range(warmup):
        timed_run(cmd, **kw)
    return statistics.median(timed_run(cmd, **kw)[0] for _ in range(n))


_MAXRSS_WRAPPER = (
    "import json,resource,subprocess,sys;"
    "p=subprocess.run(json.loads(sys.argv[1]),stdout=subprocess.DEVNULL,"
    "stderr=subprocess.DEVNULL);"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def child_peak_rss_mb(cmd: Sequence[str], **kw) -> float:
    """Peak RSS of ``cmd`` alone: ``RUSAGE_CHILDREN.ru_maxrss`` seen by a fresh wrapper
    process whose only child is ``cmd`` (KiB on Linux)."""
    _, p = timed_run([PY, "-c", _MAXRSS_WRAPPER, json.dumps(list(cmd))], **kw)
    return int(p.stdout.strip()) / 1024


def self_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def generated_at(path: Path) -> float:
    """When a cached benchmark database was generated (its ``bench_generated_at`` meta row;
    0 when unreadable), so callers can regenerate one whose "last 24 h" has gone stale."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        row = conn.execute("SELECT value FROM meta WHERE key = 'bench_generated_at'").fetchone()
        conn.close()
        return float(row[0]) if row else 0.0
    except sqlite3.DatabaseError:
        return 0.0


def time_page(client, path: str, runs: int) -> tuple[list[float], int]:
    """Seconds of ``runs`` GETs of one workspace page (each must succeed) and its size."""
    times, size = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        r = client.get(path)
        times.append(time.perf_counter() - t0)
        r.raise_for_status()
        size = len(r.content)
    return times, size
