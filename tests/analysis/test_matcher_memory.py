"""The lexicon postings a matcher is built on (``matcher._lexicon_base``) are shared by the
matchers alive on the same verticals and demotions, and freed with the last of them: a daemon
holds one set (about 8 MB), not one more per relearn."""

from __future__ import annotations

import gc
import weakref
from dataclasses import replace

from hotspot.analysis import matcher as m
from hotspot.analysis.lexicon import builtin_verticals
from hotspot.analysis.matcher import Document, Learned, Matcher
from hotspot.config import ThemeConfig

# copies: bases are told apart by the identity of their vertical objects, so no other test's
# matcher on the shipped verticals shares (and keeps alive) the bases these tests watch
VERTICALS = tuple(replace(v) for v in builtin_verticals())
THEMES = [("a", ThemeConfig(name="美食", keywords=("奶茶", "火锅")))]


def _live_bases() -> int:
    return sum(1 for ref in m._BASES if ref() is not None)


def test_matchers_on_the_same_lexicons_share_one_base_and_it_goes_with_the_last():
    gc.collect()
    before = _live_bases()
    first = Matcher(THEMES, VERTICALS)
    second = Matcher([], VERTICALS)  # the relearn's theme-less lexicon matcher
    assert first._base is second._base
    assert _live_bases() == before + 1
    demoted = next(v.id for v in VERTICALS if v.terms)
    term = next(iter(next(v for v in VERTICALS if v.id == demoted).terms))
    third = Matcher(THEMES, VERTICALS, Learned(demoted={demoted: {term: 0.5}}))
    assert third._base is not first._base
    assert _live_bases() == before + 2
    del first, second
    gc.collect()
    assert _live_bases() == before + 1  # only the demoted one's users remain
    del third
    gc.collect()
    assert _live_bases() == before


def test_a_rebuilt_base_scores_as_the_one_it_replaces():
    doc = Document(
        title_tokens=["外卖", "奶茶", "新品", "火锅", "电影"], title="外卖奶茶新品火锅电影"
    )
    first = Matcher(THEMES, VERTICALS)
    expected = [
        (x.account, x.theme, x.score, x.evidence) for x in first.match(doc, all_scores=True)
    ]
    first_base = weakref.ref(first._base)
    del first
    gc.collect()
    assert first_base() is None  # freed with its matcher: the next one builds it again
    again = Matcher(THEMES, VERTICALS)
    got = [(x.account, x.theme, x.score, x.evidence) for x in again.match(doc, all_scores=True)]
    assert got == expected
    assert any(score > 0 for _, _, score, _ in expected)  # not a comparison of nothing


def test_lexicon_postings_of_one_weight_are_one_object():
    base = Matcher([], VERTICALS)._base
    postings = [p for ps in base.index.values() for p in ps]
    assert len({id(p) for p in postings}) < len(postings) // 10
    for term, ps in list(base.index.items())[:500]:
        for kind, verticals, weight, via in ps:
            vertical = VERTICALS[verticals[0]]
            assert kind == 1 and via == f"lexicon:{vertical.id}"
            assert weight == vertical.terms[term] * m.LEXICON_FACTOR
