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
