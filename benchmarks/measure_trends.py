"""Measure the *rising* signal on the corpus, replayed in time order (issue: trends).

For every event (stories grouped across platforms by ``hotspot import``), the trend is
recomputed at each of its sightings exactly as the daemon computes it after a poll
(``hotspot.analysis.trends.analyze`` over the last 24 h of sightings). The platform baseline is
learned from the first ``--train-days`` of history only and the figures are taken on events
first seen after that, so the baseline never saw the events it is judged on.

Prints: events that reach the Weibo top 10; the share of them flagged *rising* strictly before
they got there, and the median lead time; and how many events were flagged rising although
they never reached the top 20 on any platform.

    python benchmarks/measure_trends.py [--db PATH]   # default: import ../shared/corpus first
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hotspot.analysis import trends  # noqa: E402
from hotspot.storage.store import Store  # noqa: E402

SHARED = ROOT.parent / "shared"


def imported_db(tmp: Path) -> Path:
    corpus = sorted((SHARED / "corpus").glob("*.jsonl"))
    if not corpus:
        sys.exit("skipped: ../shared/corpus is absent")
    cfg = tmp / "hotspot.toml"
    cfg.write_text('[hotspot]\ndatabase = "h.db"\n', encoding="utf-8")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "hotspot",
            "--config",
            str(cfg),
            "import",
            "--no-learn",
            *map(str, corpus),
        ],
        check=True,
        stderr=subprocess.DEVNULL,
    )
    return tmp / "h.db"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path)
    ap.add_argument("--train-days", type=float, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or imported_db(Path(tmp))
        store = Store(db)
        start = store.execute("SELECT MIN(observed_at) FROM observations").fetchone()[0]
        cut = start + int(args.train_days * 86400)
        train = ((p, [o for o in obs if o[0] < cut]) for p, obs in store.observation_series())
        baseline = trends.learn_baseline(train)
        rows = store.rows(
            "SELECT i.event_id, i.platform, o.observed_at, o.rank, o.heat FROM "
            "observations o JOIN items i ON i.id = o.item_id "
            "ORDER BY i.event_id, o.observed_at"
        )
    by_event: dict[int, list[dict]] = {}
    for r in rows:
        by_event.setdefault(r["event_id"], []).append(r)
    reached, leads, caught, false_rising, rising_total, evaluated = 0, [], 0, 0, 0, 0
    detectable = 0  # seen somewhere before reaching the top 10: the best any signal can do
    for obs in by_event.values():
        if obs[0]["observed_at"] < cut:
            continue
        evaluated += 1
        top10 = next(
            (
                o["observed_at"]
                for o in obs
                if o["platform"] == "weibo" and o["rank"] is not None and o["rank"] <= 10
            ),
            None,
        )
        best = min((o["rank"] for o in obs if o["rank"] is not None), default=None)
        first_rising = None
        for t in sorted({o["observed_at"] for o in obs}):
            window = [o for o in obs if t - trends.HISTORY <= o["observed_at"] <= t]
            if trends.analyze(window, t, baseline).rising:
                first_rising = t
                break
        if first_rising is not None:
            rising_total += 1
            if best is None or best > 20:
                false_rising += 1
        if top10 is not None:
            reached += 1
            detectable += any(o["observed_at"] < top10 for o in obs)
            if first_rising is not None and first_rising < top10:
                caught += 1
                leads.append((top10 - first_rising) / 3600)
    print(f"baseline learned from the first {args.train_days:g} days: {baseline.as_dict()}")
    print(f"events first seen after that: {evaluated:,}; flagged rising: {rising_total:,}")
    print(f"events reaching the Weibo top 10: {reached:,}")
    share = caught / reached if reached else 0.0
    print(
        f"  seen on any platform before reaching it (the most any signal can catch): "
        f"{detectable:,} ({detectable / max(reached, 1):.0%})"
    )
    print(
        f"  flagged rising before reaching it: {caught:,} ({share:.0%} of all, "
        f"{caught / max(detectable, 1):.0%} of those seen before)"
    )
    if leads:
        print(
            f"  lead time: median {statistics.median(leads):.1f} h, "
            f"p25 {statistics.quantiles(leads, n=4)[0]:.1f} h, "
            f"p75 {statistics.quantiles(leads, n=4)[2]:.1f} h"
        )
    print(f"rising signals for events that never reached the top 20 anywhere: {false_rising:,}")


if __name__ == "__main__":
    main()
