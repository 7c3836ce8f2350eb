"""Event grouping: the same story across platforms joins; one shared name does not."""

from __future__ import annotations

from hotspot.analysis.events import Candidate, choose_event, similarity
from hotspot.analysis.keywords import Segmenter, content_keywords

SEG = Segmenter()


def cand(eid: int, title: str) -> Candidate:
    return Candidate(eid, title, frozenset(content_keywords(SEG.tokens(title))[:12]))


def pick(title: str, *candidates: Candidate) -> int | None:
    return choose_event(title, content_keywords(SEG.tokens(title)), candidates)


def test_near_duplicate_titles_join():
    assert pick("哪吒2票房破66亿", cand(1, "哪吒2票房破66亿 冲刺百亿票房")) == 1
    assert pick("《哪吒2》洛杉矶首映结束全场鼓掌", cand(3, "哪吒2洛杉矶首映结束全场鼓掌")) == 3


def test_two_stories_about_one_person_stay_apart():
    assert pick("杨紫新剧开播收视破纪录", cand(1, "杨紫回应恋情传闻")) is None


def test_the_best_candidate_wins():
    assert (
        pick("特朗普称已与普京通话", cand(1, "普京会见外宾"), cand(2, "特朗普透露已与普京通话"))
        == 2
    )


def test_exact_match_is_certain():
    assert similarity("台风路径", frozenset(), Candidate(9, "台风路径", frozenset())) == 1.0


def test_the_written_out_loop_chooses_as_similarity_pair_by_pair():
    """``choose_event`` computes ``_similarity`` inline; over titles of the corpus (or the
    tests' own when it is absent) against each other's neighbours it picks what the
    pair-by-pair comparison picks, joining some and leaving others apart."""
    import json
    import random

    from hotspot.analysis.events import _choose_event_by_similarity
    from tests.conftest import SHARED

    titles = [
        "哪吒2票房破66亿",
        "哪吒2票房破66亿 冲刺百亿票房",
        "杨紫新剧开播收视破纪录",
        "杨紫回应恋情传闻",
        "特朗普称已与普京通话",
        "特朗普透露已与普京通话",
        "雷军 首富",
        "雷军身家超钟睒睒登顶中国首富",
    ]
    path = SHARED / "corpus" / "weibo_hot_history.jsonl"
    if path.exists():
        with path.open(encoding="utf-8") as fh:
            titles += [json.loads(line)["title"] for _, line in zip(range(3000), fh)]
    titles = sorted(set(titles))
    rng = random.Random(5)
    pool = [cand(i, t) for i, t in enumerate(titles)]
    joined = apart = 0
    for i, title in enumerate(titles):
        terms = content_keywords(SEG.tokens(title))
        nearby = pool[max(0, i - 15) : i] + rng.sample(pool, min(10, len(pool)))
        got = choose_event(title, terms, nearby)
        assert got == _choose_event_by_similarity(title, terms, nearby), title
        joined += got is not None
        apart += got is None
    assert joined and apart
