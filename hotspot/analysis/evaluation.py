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


@dataclass(frozen=True, slots=True)
class Bin:
    low: float
    high: float
    n: int
    relevant: int

    @property
    def share(self) -> float:
        return self.relevant / self.n if self.n else 0.0


def reliability(scored: Sequence[tuple[float, bool]], floor: float = 0.1) -> list[Bin]:
    """Per score decile from ``floor`` up: how many (item, theme) pairs scored there and how
    many of them were relevant. A calibrated score has about ``low``-``high`` relevant."""
    bins = []
    edges = [round(floor + i / 10, 1) for i in range(round((1 - floor) * 10))]
    for low in edges:
        high = round(low + 0.1, 1)
        inside = [rel for s, rel in scored if low <= s < high or (high >= 1.0 and s >= 1.0)]
        bins.append(Bin(low, high, len(inside), sum(inside)))
    return bins


def expected_calibration_error(bins: Sequence[Bin]) -> float:
    """Mean gap between a bin's relevant share and its midpoint, weighted by its size."""
    total = sum(b.n for b in bins)
    if not total:
        return 0.0
    return sum(b.n * abs(b.share - (b.low + b.high) / 2) for b in bins) / total
