"""Measure event grouping on the corpus (issue: events): how many items, how many events,
how many events span two or more platforms; and print, for checking by hand, a fixed random
sample of 50 merged events and 50 pairs of events that share a keyword within 48 h but were
not merged.

    python benchmarks/measure_events.py [--db PATH]   # default: import ../shared/corpus first

The hand check of these samples (seeds 7 and 11) is recorded in the README.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.measure_trends import imported_db  # noqa: E402
from hotspot.storage.store import Store  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(args.db or imported_db(Path(tmp)))
        q = lambda sql: store.execute(sql).fetchone()[0]  # noqa: E731
        print(f"items: {q('SELECT COUNT(*) FROM items'):,}")
        print(f"events: {q('SELECT COUNT(*) FROM events'):,}")
        print(
            f"events with two or more items: {q('SELECT COUNT(*) FROM events WHERE items >= 2'):,}"
        )
        print(
            "events by number of platforms: "
            + ", ".join(
                f"{n}: {c:,}"
                for n, c in store.execute(
                    "SELECT LENGTH(platforms) - LENGTH(REPLACE(platforms, ',', '')) + 1 AS n, "
                    "COUNT(*) FROM events GROUP BY n ORDER BY n"
                )
            )
        )
        rng = random.Random(7)
        multi = [r[0] for r in store.execute("SELECT id FROM events WHERE items >= 2")]
        print("\n== 50 merged events (check: is every appearance the same story?)")
        for eid in rng.sample(multi, min(50, len(multi))):
            titles = store.execute(
                "SELECT platform, title FROM items WHERE event_id = ? ORDER BY first_seen", (eid,)
            ).fetchall()
            print(eid, " || ".join(f"{p}:{t}" for p, t in titles[:5]))
        events = {
            r[0]: (r[1], r[2], set(r[3].split()))
            for r in store.execute("SELECT id, title, first_seen, terms FROM events")
        }
        by_term: dict[str, list[int]] = {}
        for eid, (_, _, terms) in events.items():
            for term in terms:
                by_term.setdefault(term, []).append(eid)
        rng = random.Random(11)
        ids, pairs = list(events), set()
        while len(pairs) < 50 and ids:
            a = rng.choice(ids)
            title, first, terms = events[a]
            if not terms:
                continue
            term = rng.choice(sorted(terms))
            near = [b for b in by_term[term] if b != a and abs(events[b][1] - first) < 48 * 3600]
            if near:
                pairs.add(tuple(sorted((a, rng.choice(near)))))
        print("\n== 50 unmerged pairs sharing a keyword within 48 h (check: same story?)")
        for a, b in sorted(pairs):
            print(f"{events[a][0]}  ||  {events[b][0]}")


if __name__ == "__main__":
    main()
