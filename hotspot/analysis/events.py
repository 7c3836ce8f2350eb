"""Group items from any platform that report the same story into one event. Pure.

An item joins a candidate event (a recent event sharing at least one keyword, found by the
store) when either

* their titles are near-duplicates: Dice similarity of character bigrams >= 0.6
  ("哪吒2票房" / "哪吒2票房破66亿" share most bigrams), or
* they share at least three distinctive keywords that make up most (>= 60%) of the shorter
  keyword set ("特朗普 普京 通话" in "美俄对普京特朗普通话反应有何意味"), or two keywords that
  make up the whole of the shorter set ("雷军 首富" / "雷军身家超钟睒睒登顶中国首富").

Two shared names are not enough on their own: "董明珠 格力 任期" and "董明珠 格力 芯片" are two
stories, so a different third word keeps them apart; a wrong merge would hide the second
story behind the first one's alert, which is worse than an extra alert. Only events seen in the last ``WINDOW`` are candidates: a story
that comes back within two days is the same event, not "new" again (and nothing resets
at midnight).
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

from hotspot.ingest.normalize import match_key

WINDOW = 48 * 3600
MAX_EVENT_TERMS = 12
DICE_THRESHOLD = 0.6
OVERLAP_THRESHOLD = 0.6


@dataclass(frozen=True, slots=True)
class Candidate:
    id: int
    title: str
    terms: frozenset[str]


@lru_cache(maxsize=4_096)  # candidate titles recur across many comparisons
def grams(text: str) -> array[int]:
    """The distinct character bigrams of a title's match key, each packed into one integer
    (``ord(a) << 21 | ord(b)``; a one-character key is ``ord(c) | 1 << 42``), in one flat
    array: a cache entry costs about 200 bytes where a frozenset of two-character strings
    cost about 2 KB (8,192 of them were 17 MB of a daemon's 60 MB growth). Dice reads the
    array against the item's own ``frozenset`` of the same integers: the same counts as the
    strings would give, the packing being one-to-one."""
    key = match_key(text)
    if len(key) < 2:
        return array("q", (ord(key) | 1 << 42,) if key else ())
    codes = [ord(ch) for ch in key]
    return array("q", dict.fromkeys([a << 21 | b for a, b in zip(codes, codes[1:])]))


@lru_cache(maxsize=4_096)
def _key(text: str) -> str:
    return match_key(text)


def dice(a: frozenset[int], b: Collection[int]) -> float:
    """Dice similarity of two sets of bigrams (``b`` distinct: ``grams``' array or a set)."""
    return 2 * len(a.intersection(b)) / (len(a) + len(b)) if a and b else 0.0


def similarity(title: str, terms: frozenset[str], other: Candidate) -> float:
    """How strongly an item belongs to a candidate event (0 when it does not)."""
    return _similarity(_key(title), frozenset(grams(title)), terms, other)


def _similarity(key: str, mine: frozenset[int], terms: frozenset[str], other: Candidate) -> float:
    if key == _key(other.title):
        return 1.0
    d = dice(mine, grams(other.title))
    shared = terms & other.terms
    overlap = len(shared) / min(len(terms), len(other.terms)) if terms and other.terms else 0.0
    best = 0.0
    if d >= DICE_THRESHOLD:
        best = d
    if (len(shared) >= 3 and overlap >= OVERLAP_THRESHOLD) or (len(shared) == 2 and overlap == 1):
        best = max(best, 0.5 + overlap / 2)
    return best


def choose_event(title: str, terms: Sequence[str], candidates: Sequence[Candidate]) -> int | None:
    """The id of the event this item belongs to, or None for a new event.

    ``_similarity`` written out in the loop (a bulk import compares 270,000 pairs): the same
    arithmetic in the same order, without two calls and a shared-terms set per pair."""
    mine = frozenset(terms[:MAX_EVENT_TERMS])
    key, title_grams = _key(title), frozenset(grams(title))  # once, not per candidate
    n_grams, n_mine = len(title_grams), len(mine)
    best_id, best = None, 0.0
    for c in candidates:
        if key == _key(c.title):
            s = 1.0
        else:
            other = grams(c.title)
            d = (
                2 * len(title_grams.intersection(other)) / (n_grams + len(other))
                if title_grams and other
                else 0.0
            )
            s = d if d >= DICE_THRESHOLD else 0.0
            if n_mine and c.terms:
                n_shared = len(mine.intersection(c.terms))
                if n_shared >= 2:
                    overlap = n_shared / min(n_mine, len(c.terms))
                    if (n_shared >= 3 and overlap >= OVERLAP_THRESHOLD) or (
                        n_shared == 2 and overlap == 1
                    ):
                        s = max(s, 0.5 + overlap / 2)
        if s > best:
            best_id, best = c.id, s
    return best_id


def _choose_event_by_similarity(
    title: str, terms: Sequence[str], candidates: Sequence[Candidate]
) -> int | None:
    """``choose_event`` through ``_similarity`` pair by pair, as it was written first (the
    tests compare the two)."""
    mine = frozenset(terms[:MAX_EVENT_TERMS])
    key, title_grams = _key(title), frozenset(grams(title))
    best_id, best = None, 0.0
    for c in candidates:
        s = _similarity(key, title_grams, mine, c)
        if s > best:
            best_id, best = c.id, s
    return best_id
