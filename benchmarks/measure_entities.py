"""Measure self-refreshing entities on the corpus without labels (issue 11): replay history
day by day, learn entities from what was seen up to the end of each day, as the daemon's
relearn would, and judge them on the *next* day's new items, which they were not learned
from:

* agree: the item's own lexicon evidence (without the entity) puts the entity's vertical on
  top, so the entity said what the rest of the title says;
* new: the item has no lexicon evidence for any vertical: the entity is the only clue (the
  case it exists for; not judged here);
* conflict: another vertical's evidence is at least 0.6 and beats the entity's vertical;
  a *neighbour* conflict when the winner is a vertical the entity's one lists as related or
  is part of (a drama's name on a star's news: film_tv and celebrity), a *foreign* one else.

agree / (agree + conflict) is a label-free precision of the entities on unseen items (the
neighbourhood figure counts neighbour conflicts as agreeing; the target applies to it). Also
printed: how many names became entities, and the hours between a name's first sighting and
its second independent source (when the hourly relearn can first learn it).

    python benchmarks/measure_entities.py [--db PATH]   # default: import ../shared/corpus first
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

from hotspot.analysis.keywords import Segmenter  # noqa: E402
from hotspot.analysis.learn import Sighting, learn_entities, learn_verticals  # noqa: E402
from hotspot.analysis.lexicon import load_verticals  # noqa: E402
from hotspot.analysis.matcher import Document, Matcher, noisy_or  # noqa: E402
from hotspot.storage.store import Store  # noqa: E402

DAY = 86400
TARGET = 0.8  # entities should agree with the rest of the title at least this often


def imported_db(tmp: Path) -> Path:
    corpus = sorted((SHARED / "corpus").glob("*.jsonl"))
    if not corpus:
        sys.exit("skipped: ../shared/corpus is absent")
    cfg = tmp / "hotspot.toml"
    cfg.write_text('[hotspot]\ndatabase = "h.db"\n', encoding="utf-8")
    cmd = [sys.executable, "-m", "hotspot", "--config", str(cfg), "import", "--no-learn"]
    subprocess.run([*cmd, *map(str, corpus)], check=True, stderr=subprocess.DEVNULL)
    return tmp / "h.db"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(args.db or imported_db(Path(tmp)), readonly=True)
        rows = store.conn.execute(
            "SELECT tokens, category, event_id, platform, first_seen, last_seen, title, persons "
            "FROM items ORDER BY first_seen"
        ).fetchall()
        verticals = load_verticals()
        seg = Segmenter()
        base = Matcher([], verticals)
        start = time.process_time()
        demoted = learn_verticals(
            [(r[0].split(" "), r[1], r[2], r[5]) for r in rows], verticals
        ).demoted
        first, last = rows[0][4], rows[-1][4]
        agree = new = conflict = near = 0
        neighbours = {
            v.id: {*v.related, *v.part_of}
            | {u.id for u in verticals if v.id in u.related or v.id in u.part_of}
            for v in verticals
        }
        ever: dict[str, float] = {}
        day = first + 2 * DAY
        while day + DAY <= last:
            seen = [
                Sighting(
                    r[0].split(" ") if r[0] else [],
                    r[1],
                    r[2],
                    r[3],
                    float(min(r[5], day)),
                    r[6] or "",
                    r[7].split(" ") if r[7] else (),
                )
                for r in rows
                if r[4] <= day
            ]
            learned = learn_entities(seen, verticals, flag=seg.word_flag, now=day, demoted=demoted)
            names = {t: scope[2:] for scope, terms in learned.items() for t in terms}
            for name in names:
                ever.setdefault(name, day)
            for r in rows:
                if not day < r[4] <= day + DAY:
                    continue
                tokens = r[0].split(" ") if r[0] else []
                hits = [n for n in names if n in "".join(tokens)]
                if not hits:
                    continue
                ev = base.vertical_evidence(Document(title_tokens=tokens, category=r[1]))
                strength = {v: noisy_or(t.values()) for v, t in ev.items()}
                for name in hits:
                    vid = names[name]
                    own = strength.get(vid, 0.0)
                    other = max((s for v, s in strength.items() if v != vid), default=0.0)
                    if not strength:
                        new += 1
                    elif other >= 0.6 and other > own:
                        conflict += 1
                        top = max((v for v in strength if v != vid), key=strength.__getitem__)
                        near += top in neighbours[vid]
                    elif own >= other:
                        agree += 1
            day += DAY
        cpu = time.process_time() - start
        delays = []
        for name in ever:
            units: set[tuple] = set()
            wordings: set[str] = set()
            hits = [row for row in rows if name in row[0].replace(" ", "")]
            for row in hits:
                units.add((row[3], row[2]))
                wordings.add(row[0])
                if len(units) >= 2 and len(wordings) >= 2:
                    delays.append((int(row[4]) - int(hits[0][4])) / 3600)
                    break
        judged = agree + conflict
        strict = agree / judged if judged else 0.0
        share = (agree + near) / judged if judged else 0.0
        print(f"names that became entities (learned at a day's end): {len(ever)}")
        if delays:
            print(
                "hours from first sighting to a second independent source: median "
                f"{statistics.median(delays):.1f}, within 6 h {sum(d <= 6 for d in delays) / len(delays):.0%}"
            )
        print(
            f"next-day items with an entity: agree {agree}, conflict {conflict} "
            f"({near} with a neighbouring vertical), no other evidence {new}"
        )
        print(f"entity agreement on unseen items, strict: {strict:.2f}")
        print(
            f"entity agreement on unseen items, neighbourhood: {share:.2f} (target >= {TARGET}) "
            f"{'PASS' if share >= TARGET else 'FAIL'}"
        )
        print(f"cpu: {cpu:.1f} s for {round((last - first) / DAY) - 2} daily relearns")


if __name__ == "__main__":
    main()
