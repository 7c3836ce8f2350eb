"""An import's relearns remember what each title adds to vertical and entity learning
(``learn.reuse_lexicon``); the learned terms, demotions and short-word factors must be those
of relearning afresh, in the same order, however the history grows and its items' last
sightings move between relearns."""

from __future__ import annotations

import json

import pytest

from hotspot.analysis.keywords import Segmenter
from hotspot.analysis.learn import Sighting, learn_entities, learn_verticals, reuse_lexicon
from hotspot.analysis.lexicon import load_verticals
from tests.conftest import SHARED

SEG = Segmenter()


def history() -> list[Sighting]:
    titles: list[tuple[str, str]] = []
    for name in ("weibo_hot_history.jsonl", "baidu_hot_history.jsonl"):
        path = SHARED / "corpus" / name
        if not path.exists():
            pytest.skip("../shared/corpus is not present")
        seen: set[str] = set()
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                if row["title"] not in seen:
                    seen.add(row["title"])
                    titles.append((row["platform"], row["title"]))
                if len(seen) >= 1_500:
                    break
    out = []
    for i, (platform, title) in enumerate(titles):
        tokens, persons = SEG.analyse(title)
        out.append(Sighting(tokens, None, i // 2, platform, 1_000.0 * i, title, persons))
    return out


def relearns(sightings: list[Sighting]) -> list:
    """Three relearns over a growing history; at each, some old items were seen again."""
    verticals = load_verticals()
    out = []
    for n, shift in ((1_000, 0.0), (2_000, 50_000.0), (len(sightings), 90_000.0)):
        now = [
            s
            if i % 3
            else Sighting(
                *(getattr(s, f) for f in Sighting.__slots__[:4]),
                s.last_seen + shift,
                s.title,
                s.persons,
            )
            for i, s in enumerate(sightings[:n])
        ]
        docs = [(s.tokens, s.category, s.event, s.last_seen) for s in now]
        learned = learn_verticals(docs, verticals, flag=SEG.word_flag)
        entities = learn_entities(now, verticals, flag=SEG.word_flag, demoted=learned.demoted)
        out.append(
            [
                [(k, list(v.items())) for k, v in part.items()]
                for part in (learned.terms, learned.demoted, learned.alone, entities)
            ]
        )
    return out


def test_remembered_relearns_learn_what_fresh_ones_do():
    sightings = history()
    fresh = relearns(sightings)
    with reuse_lexicon():
        remembered = relearns(sightings)
    assert remembered == fresh
    terms, demoted, alone, entities = fresh[-1]
    assert any(v for _, v in terms) and any(v for _, v in demoted) and any(v for _, v in entities)
    assert fresh[0] != fresh[-1]  # the history grew: something was learned differently
