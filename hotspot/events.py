"""Group items from any platform that report the same story into one event. Pure.

An item joins a candidate event (a recent event sharing at least one keyword, found by the
store) when either

* their titles are near-duplicates: Dice similarity of character bigrams >= 0.6
  ("哪吒2票房" / "哪吒2票房破66亿" share most bigrams), or
* they share at least two distinctive keywords that make up most (>= 60%) of the shorter
  keyword set ("孙颖莎 王曼昱 女单 决赛" vs "王曼昱 孙颖莎 会师决赛").

One shared keyword is never enough, so two different stories about the same celebrity on
the same day stay apart. Only events seen in the last ``WINDOW`` are candidates: a story
that comes back within two days is the same event, not "new" again (and nothing resets
at midnight).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from hotspot.normalize import match_key

WINDOW = 48 * 3600
MAX_EVENT_TERMS = 12
DICE_THRESHOLD = 0.6
OVERLAP_THRESHOLD = 0.6


@dataclass(frozen=True, slots=True)
class Candidate:
    id: int
    title: str
    terms: frozenset[str]


@lru_cache(maxsize=1_024)  # candidate titles recur across many comparisons
def grams(text: str) -> frozenset[str]:
    key = match_key(text)
    return frozenset({key[i:i + 2] for i in range(len(key) - 1)} or ({key} if key else set()))


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def similarity(title: str, terms: frozenset[str], other: Candidate) -> float:
    """How strongly an item belongs to a candidate event (0 when it does not)."""
    d = dice(grams(title), grams(other.title))
    if match_key(title) == match_key(other.title):
        return 1.0
    shared = terms & other.terms
    overlap = len(shared) / min(len(terms), len(other.terms)) if terms and other.terms else 0.0
    best = 0.0
    if d >= DICE_THRESHOLD:
        best = d
    if len(shared) >= 2 and overlap >= OVERLAP_THRESHOLD:
        best = max(best, 0.5 + overlap / 2)
    return best


def choose_event(title: str, terms: Sequence[str], candidates: Sequence[Candidate]
                 ) -> int | None:
    """The id of the event this item belongs to, or None for a new event."""
    mine = frozenset(terms[:MAX_EVENT_TERMS])
    best_id, best = None, 0.0
    for c in candidates:
        s = similarity(title, mine, c)
        if s > best:
            best_id, best = c.id, s
    return best_id
