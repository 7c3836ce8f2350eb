"""The sensitivity gate (慎借势): is a hotspot risky to ride for brand marketing, and why.

Pure and explainable like the matcher: a hand-written lexicon (``data/sensitivity.toml``,
written from general knowledge, never fitted on labels) of strong and weak terms per
category, matched as substrings of the title and summary. A category's score is
1 per strong term plus 0.5 per weak term (summary hits count half); the item is sensitive
when the best category reaches the mode's threshold:

* ``normal``: 1.0 (one strong term, or two weak ones);
* ``strict``: 0.5 (any single term: for accounts that would rather skip a harmless story
  than ride a tragedy);
* ``off``: never (the account sees no marking).

"Safe" phrases cancel the terms inside them ("死亡之组", "信息爆炸"). A platform category tag
naming entertainment (电影, 剧集, 综艺, ...) halves the score: a film character's death is
not a death. When deaths come with their cause (a disaster, a crime, a war, an outbreak),
the cause is the category. The verdict names the category and the terms that decided it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from hotspot.errors import ConfigError
from hotspot.i18n import _

MODES = ("strict", "normal", "off")
THRESHOLDS = {"normal": 1.0, "strict": 0.5}
STRONG, WEAK, SUMMARY_FACTOR = 1.0, 0.5, 0.5
ENTERTAINMENT_TAGS = frozenset(
    {"电影", "剧集", "综艺", "演出", "晚会", "盛典", "音乐", "动漫", "游戏"}
)
ENTERTAINMENT_FACTOR = 0.5
CATEGORIES = (
    "disaster",
    "death",
    "crime",
    "health_scare",
    "politics",
    "military_conflict",
    "social_conflict",
)

CAUSES = frozenset({"disaster", "crime", "military_conflict", "health_scare"})


@dataclass(frozen=True, slots=True)
class Verdict:
    """Why a hotspot is sensitive: its category, the category's label and the evidence."""

    category: str
    label: str
    terms: tuple[str, ...]
    score: float

    def as_dict(self) -> dict:
        return {"category": self.category, "terms": list(self.terms)}

    @property
    def mark(self) -> str:
        return f"⚠ 慎借势：{self.label}"


class Sensitivity:
    """A classifier over one lexicon; ``classify`` is cheap (a few hundred substring tests)."""

    def __init__(
        self,
        strong: Mapping[str, Sequence[str]],
        weak: Mapping[str, Sequence[str]],
        safe: Sequence[str] = (),
        labels: Mapping[str, str] | None = None,
    ) -> None:
        self.strong = {c: tuple(dict.fromkeys(strong.get(c, ()))) for c in CATEGORIES}
        self.weak = {c: tuple(dict.fromkeys(weak.get(c, ()))) for c in CATEGORIES}
        self.safe = tuple(safe)
        self.labels = {c: (labels or {}).get(c, c) for c in CATEGORIES}
        self._compiled: dict[str, re.Pattern[str]] = {}

    @classmethod
    def load(cls, path: Path | None = None) -> Sensitivity:
        """The shipped lexicon, or ``path`` (same format) instead of it."""
        try:
            if path is None:
                text = (
                    resources.files("hotspot.data").joinpath("sensitivity.toml").read_text("utf-8")
                )
            else:
                text = Path(path).read_text("utf-8")
            data = tomllib.loads(text)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            where = path or "hotspot.data/sensitivity.toml"
            raise ConfigError(
                _("{where}: cannot read the sensitivity lexicon: {exc}").format(
                    where=where, exc=exc
                )
            ) from exc
        cats = data.get("categories", {})
        unknown = set(cats) - set(CATEGORIES)
        if unknown:
            raise ConfigError(
                _("{where}: unknown categories {unknown}; use {categories}").format(
                    where=path or "sensitivity.toml",
                    unknown=sorted(unknown),
                    categories=", ".join(CATEGORIES),
                )
            )
        return cls(
            {c: cats.get(c, {}).get("strong", []) for c in CATEGORIES},
            {c: cats.get(c, {}).get("weak", []) for c in CATEGORIES},
            data.get("safe", []),
            data.get("labels", {}),
        )

    def _regex(self, term: str) -> re.Pattern[str]:
        pattern = self._compiled.get(term)
        if pattern is None:
            try:
                pattern = self._compiled[term] = re.compile(term[3:])
            except re.error as exc:
                raise ConfigError(
                    _("sensitivity lexicon: bad pattern {term!r}: {exc}").format(term=term, exc=exc)
                ) from exc
        return pattern

    @staticmethod
    def _mask(text: str, safe: Sequence[str]) -> str:
        for phrase in safe:
            if phrase in text:
                text = text.replace(phrase, "\0" * len(phrase))
        return text

    def scores(
        self, title: str, summary: str | None = None, category: str | None = None
    ) -> dict[str, tuple[float, list[str]]]:
        """Per category: the score and the terms found (title first)."""
        parts = [(self._mask(title or "", self.safe), 1.0)]
        if summary:
            parts.append((self._mask(summary, self.safe), SUMMARY_FACTOR))
        factor = ENTERTAINMENT_FACTOR if category in ENTERTAINMENT_TAGS else 1.0
        out: dict[str, tuple[float, list[str]]] = {}
        for cat in CATEGORIES:
            total, found = 0.0, list[str]()
            for terms, weight in ((self.strong[cat], STRONG), (self.weak[cat], WEAK)):
                for term in terms:
                    hit, shown = 0.0, term
                    for text, f in parts:
                        if term.startswith("re:"):
                            m = self._regex(term).search(text)
                            if m and f > hit:
                                hit, shown = f, m.group(0)
                        elif term in text and f > hit:
                            hit = f
                    # a term inside a longer term already found is the same evidence
                    if hit and not any(shown in t for t in found):
                        total += weight * hit
                        found.append(shown)
            if found:
                out[cat] = (total * factor, found)
        return out

    def classify(
        self,
        title: str,
        summary: str | None = None,
        category: str | None = None,
        mode: str = "normal",
    ) -> Verdict | None:
        """The verdict for one hotspot, or None when it is fine to use (or ``mode`` is off)."""
        if mode == "off":
            return None
        threshold = THRESHOLDS.get(mode)
        if threshold is None:
            raise ConfigError(
                _("sensitivity mode {mode!r}: use one of {modes}").format(
                    mode=mode, modes=", ".join(MODES)
                )
            )
        scored = self.scores(title, summary, category)
        if not scored:
            return None
        cat, (score, terms) = max(
            scored.items(), key=lambda kv: (kv[1][0], -CATEGORIES.index(kv[0]))
        )
        if score < threshold:
            return None
        if cat == "death":  # a cause outranks its consequence: "地震致3人死亡" is a disaster
            causes = [(sc, c) for c, (sc, _) in scored.items() if c in CAUSES and sc >= threshold]
            if causes:
                cat = max(causes, key=lambda x: (x[0], -CATEGORIES.index(x[1])))[1]
                score, terms = scored[cat][0], scored[cat][1] + scored["death"][1]
        return Verdict(cat, self.labels[cat], tuple(terms), round(score, 3))
