"""Benchmark 3 — per-poll processing: ``Engine.ingest`` of a 50-item list in a warm process
(jieba dictionary loaded, lexicons built, database holding the preceding snapshots), with
1, 10 and 100 accounts x the 12 eval themes.

Each iteration ingests the next real weibo snapshot of ../shared/corpus (first 50 entries),
so every list is partly new, partly known, exactly as consecutive polls are. The first
WARMUP snapshots are ingested untimed; the next MEASURED are timed one by one.

Figures:    median ms per ingest (fetch-to-alerts, no network) and ms per item, per size;
            median ms spent inside ``Matcher.match`` per list.
Reference:  the 1-account figure; the ratio 100 accounts / 1 account is set against the
            100x growth in theme terms.
Target:     matching cost grows far slower than the theme terms: match(100) / match(1) <= 10x.
"""

from __future__ import annotations

import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

SIZES = (1, 10, 100)
ITEMS = 50
WARMUP = 20
MEASURED = 30
TARGET_RATIO = 10.0


class _TimedMatcher:
    """Delegates to the engine's matcher and adds up the time spent matching."""

    def __init__(self, inner):
        self._inner = inner
        self.seconds = 0.0

    def match(self, *a, **kw):
        t0 = time.perf_counter()
        try:
            return self._inner.match(*a, **kw)
        finally:
            self.seconds += time.perf_counter() - t0

    def match_groups(self, *a, **kw):  # what Engine.ingest calls since issue 16
        t0 = time.perf_counter()
        try:
            return self._inner.match_groups(*a, **kw)
        finally:
            self.seconds += time.perf_counter() - t0

    def __getattr__(self, name):
        return getattr(self._inner, name)


def snapshots(n: int):
    from hotspot.ingest.history import read_snapshots

    files = [f for f in c.corpus_files() if "weibo" in Path(f).name] or c.corpus_files()
    snaps = [s for s in read_snapshots([Path(f) for f in files], []) if len(s.items) >= ITEMS]
    return [(s.platform, s.at, s.items[:ITEMS]) for s in snaps[:n]]


def measure(accounts: int, snaps) -> dict:
    from hotspot.analysis.lexicon import load_verticals
    from hotspot.engine import Engine
    from hotspot.storage.store import Store

    themes = c.eval_themes()
    cfg_themes = []
    from hotspot.config import ThemeConfig

    for a in range(accounts):
        for t in themes:
            cfg_themes.append(
                (f"acct{a:03d}", ThemeConfig(name=t["name"], keywords=tuple(t["keywords"])))
            )
    with tempfile.TemporaryDirectory(prefix="hotspot-bench-proc-") as tmp:
        store = Store(Path(tmp) / "hotspot.db")
        t0 = time.perf_counter()
        engine = Engine(store, cfg_themes, load_verticals())
        build = time.perf_counter() - t0
        timed = _TimedMatcher(engine.matcher)
        engine.matcher = timed
        total, match, new, alerts = [], [], [], 0
        for i, (platform, at, items) in enumerate(snaps):
            timed.seconds = 0.0
            t0 = time.perf_counter()
            r = engine.ingest(platform, platform, items, at)
            dt = time.perf_counter() - t0
            if i >= WARMUP:
                total.append(dt)
                match.append(timed.seconds)
                new.append(r.new_items)
                alerts += len(r.alert_ids)
        store.close()
    return {
        "ms": statistics.median(total) * 1000,
        "match_ms": statistics.median(match) * 1000,
        "new": statistics.mean(new),
        "alerts": alerts / len(total),
        "build_s": build,
        "terms": sum(len(t.keywords) for _, t in cfg_themes),
    }


def run() -> list[dict]:
    if not c.shared_available():
        return c.skipped("processing")
    logging.getLogger("hotspot").setLevel(logging.WARNING)
    snaps = snapshots(WARMUP + MEASURED)
    res = {}
    for n in SIZES:
        res[n] = m = measure(n, snaps)
        print(
            f"processing: {n:>3} accounts x 12 themes ({m['terms']} terms): ingest "
            f"{m['ms']:.1f} ms/list ({m['ms'] / ITEMS:.2f} ms/item), match {m['match_ms']:.1f}"
            f" ms, {m['new']:.1f} new items and {m['alerts']:.1f} alerts per list; engine "
            f"built in {m['build_s']:.1f}s"
        )
    base = res[SIZES[0]]
    out = []
    for n in SIZES:
        m = res[n]
        out.append(
            c.result(
                f"ingest 50-item list, {n} acct x 12 themes",
                m["ms"],
                "ms",
                f"1 acct {base['ms']:.1f} ms",
                m["ms"] / base["ms"],
                "",
                None,
            )
        )
        out.append(
            c.result(f"  per item, {n} acct", m["ms"] / ITEMS, "ms/item", "", None, "", None)
        )
    big = res[SIZES[-1]]
    ratio = big["match_ms"] / base["match_ms"]
    out.append(
        c.result(
            "matching 100 acct / 1 acct (theme terms x100)",
            big["match_ms"],
            "ms",
            f"1 acct match {base['match_ms']:.2f} ms",
            ratio,
            f"<= {TARGET_RATIO:.0f}x (terms 100x)",
            ratio <= TARGET_RATIO,
        )
    )
    ratio_all = big["ms"] / base["ms"]
    out.append(
        c.result(
            "whole ingest 100 acct / 1 acct",
            big["ms"],
            "ms",
            f"1 acct {base['ms']:.1f} ms",
            ratio_all,
            f"<= {TARGET_RATIO:.0f}x (terms 100x)",
            ratio_all <= TARGET_RATIO,
        )
    )
    return out


if __name__ == "__main__":
    c.main(run)
