"""Precision, recall and F1 of a matcher against hand labels, beside the keyword-substring
baseline (what TrendRadar does). Pure: predictions in, table rows out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hotspot.config import ThemeConfig


@dataclass(frozen=True, slots=True)
class Scores:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def baseline(themes: Sequence[ThemeConfig], text: str) -> set[str]:
    """Case-insensitive keyword substring over title + summary."""
    low = text.casefold()
    return {t.name for t in themes if any(k.casefold() in low for k in t.keywords)}


def score(
    themes: Sequence[str], predicted: Mapping[str, set[str]], gold: Mapping[str, set[str]]
) -> dict[str, Scores]:
    out = {}
    for theme in themes:
        tp = fp = fn = 0
        for item_id, labels in gold.items():
            p = theme in predicted.get(item_id, set())
            g = theme in labels
            tp += p and g
            fp += p and not g
            fn += g and not p
        out[theme] = Scores(tp, fp, fn)
    return out


def micro(scores: Mapping[str, Scores]) -> Scores:
    return Scores(
        sum(s.tp for s in scores.values()),
        sum(s.fp for s in scores.values()),
        sum(s.fn for s in scores.values()),
    )


def macro_f1(scores: Mapping[str, Scores]) -> float:
    return sum(s.f1 for s in scores.values()) / len(scores) if scores else 0.0
