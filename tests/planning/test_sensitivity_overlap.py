"""Training's overlap test (does a history word hold or sit inside a lexicon term?) answers
as the scan over every term it replaced."""

from __future__ import annotations

from hotspot.planning.sensitivity import Sensitivity
from hotspot.planning.sensitivity_model import _Overlap
from tests.planning.test_sensitivity_model import history


def test_the_overlap_test_answers_as_the_scan_over_every_term():
    """Training asks, for each history word, whether it holds or sits inside a lexicon term;
    the set-of-pieces answer is the scan's, on the real lexicon and on edge cases."""
    known = [t for t in Sensitivity.load().known_terms if not t.startswith("re:")]
    words = {w for doc in history() for w in doc[0]} | {"", "战", "难民营", "交火了吗", "樱花"}
    words |= {t[1:] for t in known[:300]} | {t + "们" for t in known[:300]}

    def scan(w: str, terms) -> bool:
        return any(t in w or w in t for t in terms)

    test = _Overlap(known)
    assert [test(w) for w in sorted(words)] == [scan(w, known) for w in sorted(words)]
    assert any(test(w) for w in words) and not all(test(w) for w in words)
    for terms in ([], [""], ["ab"]):
        assert [_Overlap(terms)(w) for w in ("", "a", "xaby")] == [
            scan(w, terms) for w in ("", "a", "xaby")
        ]
