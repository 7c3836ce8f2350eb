"""The sensitivity gate (慎借势): is a hotspot risky to ride for brand marketing, and why.

Pure and explainable like the matcher. Evidence comes from a hand-written lexicon
(``data/sensitivity.toml``, written from general knowledge and the category definitions,
never fitted on labels), from terms learned from the unlabelled history
(``planning.sensitivity_learn``) and from the platform's tag. Per category:

* a **strong** term counts 1 (one is enough: 地震, 遇难, 刑拘, 疫情, 外交部, 空袭, 维权);
* a **weak** term counts 0.5 (two are needed: 暴雨 + 转移, 警方 + 调查);
* a **context** term (who or where: 男子, 商家, 景区, 美国) counts 0.5 only beside a strong or
  weak term of the same category: actors alone never make a story sensitive ("女子 网友" is
  not a dispute; "景区 回应 游客" is);
* a **learned** term counts its learned weight (at most 0.5, like a weak term; shown as
  ``learned:词``);
* ``re:`` terms are phrase patterns (``致3人死亡``, ``被刑拘``, ``4.5级地震``).

Summary hits count half. The best category's score plus half of the other categories' is the
item's score: weak evidence of two kinds adds up ("男子 法院" + "回应"). The item is sensitive
when it reaches the mode's threshold: ``normal`` 1.0, ``strict`` 0.5 (any single weak term),
``off`` never.

Event context: an item with no verdict of its own is sensitive when more than half of its
event's other titles (``siblings``: the same story as other platforms titled it, often more
explicit than a Weibo hashtag) are, in the majority category; its terms are then shown as
``event:词``. Last, a word model learned from the history (``sensitivity_model``, optional)
may decide for an item nothing else marked (at its ``strict`` threshold when the lexicon
found some evidence, too little alone); its terms are ``model:词``.

Guards against metaphor and fiction: "safe" phrases cancel the terms inside them (笑死,
杀疯了, 炸裂, 死亡之组, 信息爆炸); the name of a work in 《》 is not read (《战争与和平》);
an entertainment tag (电影, 剧集, 综艺 …) halves the score (a character's death is not a
death). When deaths come with their cause (a disaster, a crime, a war, an outbreak), the
cause is the category; when a war or confrontation comes with the politicians in it, the
conflict is. The verdict names the category and the terms that decided it.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from hotspot.errors import ConfigError
from hotspot.i18n import _

MODES = ("strict", "normal", "off")
THRESHOLDS = {"normal": 1.0, "strict": 0.5}
STRONG, WEAK, CONTEXT, SUMMARY_FACTOR = 1.0, 0.5, 0.5, 0.5
OTHERS_FACTOR = 0.5  # the other categories' evidence, added to the best one's
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
#: policy documents are named in 《》; for the others a name in 《》 is a work (film, book, song)
WORK_TITLES_READ = frozenset({"politics"})
_WORK = re.compile(r"《[^《》]{1,30}》")
LEARNED_PREFIX = "learned:"
EVENT_PREFIX = "event:"
EVENT_SHARE = 0.5  # more than this share of the event's other titles sensitive makes it so


def _longest_first(terms: Sequence[str]) -> tuple[str, ...]:
    return tuple(sorted(dict.fromkeys(terms), key=len, reverse=True))


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
        context: Mapping[str, Sequence[str]] | None = None,
        learned: Mapping[str, Mapping[str, float]] | None = None,
        model: Any = None,
    ) -> None:
        # longest first: the evidence shown is the longest phrase (燃气爆炸, not 爆炸 + 燃气)
        self.strong = {c: _longest_first(strong.get(c, ())) for c in CATEGORIES}
        self.weak = {c: _longest_first(weak.get(c, ())) for c in CATEGORIES}
        self.context = {c: _longest_first((context or {}).get(c, ())) for c in CATEGORIES}
        self.learned = {c: dict((learned or {}).get(c, {})) for c in CATEGORIES}
        self.model = model  # sensitivity_model.WordModel: ``verdict(text, mode, labels)``
        self._memo: dict[tuple[str, str | None, str | None], dict] | None = None
        # longest first: a safe phrase inside a longer one must not split it
        self.safe = tuple(sorted(dict.fromkeys(safe), key=len, reverse=True))
        self.labels = {c: (labels or {}).get(c, c) for c in CATEGORIES}
        self._compiled: dict[str, re.Pattern[str]] = {}
        self._splits: dict[tuple[str, ...], tuple[tuple[str, ...], frozenset[str]]] = {}
        self._orders: dict[tuple[str, ...], dict[str, int]] = {}
        known = {t for c in CATEGORIES for t in (*self.strong[c], *self.weak[c])}
        self.known_terms = frozenset(known)

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
            {c: cats.get(c, {}).get("context", []) for c in CATEGORIES},
        )

    def with_learned(
        self, learned: Mapping[str, Mapping[str, float]], model: Any = None
    ) -> Sensitivity:
        """The same lexicon plus history-learned terms (category -> term -> weight) and,
        optionally, the history's word model (``sensitivity_model``)."""
        return Sensitivity(
            self.strong, self.weak, self.safe, self.labels, self.context, learned, model
        )

    @property
    def lexicon_alone(self) -> bool:
        return self.model is None and not any(self.learned.values())

    def lexicon_only(self, memo: bool = False) -> Sensitivity:
        """The hand-written lexicon without learned terms or model (what learning starts
        from); ``memo``: remember each title's scores (for one relearning pass)."""
        s = Sensitivity(self.strong, self.weak, self.safe, self.labels, self.context)
        s._memo = {} if memo else None
        return s

    def _split(self, terms: tuple[str, ...]) -> tuple[tuple[str, ...], frozenset[str]]:
        """(plain terms, ``re:`` patterns) of one term list, remembered per list."""
        got = self._splits.get(terms)
        if got is None:
            patterns = frozenset(t for t in terms if t.startswith("re:"))
            got = self._splits[terms] = (tuple(t for t in terms if t not in patterns), patterns)
        return got

    def _order(self, terms: tuple[str, ...]) -> dict[str, int]:
        got = self._orders.get(terms)
        if got is None:
            got = self._orders[terms] = {t: i for i, t in enumerate(terms)}
        return got

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

    def _mask(self, text: str) -> str:
        for phrase in self.safe:
            if phrase in text:
                text = text.replace(phrase, "\0" * len(phrase))
        return text

    def scores(
        self,
        title: str,
        summary: str | None = None,
        category: str | None = None,
    ) -> dict[str, tuple[float, list[str]]]:
        """Per category: the score and the terms found (title first)."""
        if self._memo is not None:
            key = (title, summary, category)
            hit = self._memo.get(key)
            if hit is None:
                self._memo[key] = hit = self._scores(title, summary, category)
            return hit
        return self._scores(title, summary, category)

    def _scores(
        self, title: str, summary: str | None, category: str | None
    ) -> dict[str, tuple[float, list[str]]]:
        raw = [(title or "", 1.0)]
        if summary:
            raw.append((summary, SUMMARY_FACTOR))
        masked = [(self._mask(t), f) for t, f in raw]
        no_works = [(_WORK.sub(lambda m: "\0" * len(m.group(0)), t), f) for t, f in masked]
        factor = ENTERTAINMENT_FACTOR if category in ENTERTAINMENT_TAGS else 1.0
        out: dict[str, tuple[float, list[str]]] = {}
        for cat in CATEGORIES:
            parts = masked if cat in WORK_TITLES_READ else no_works
            total, found = 0.0, list[str]()
            for terms, weight in ((self.strong[cat], STRONG), (self.weak[cat], WEAK)):
                total += self._hits(terms, weight, parts, found)
            learned = self.learned[cat]
            if learned:
                for term, w in learned.items():
                    hit = max((f for t, f in parts if term in t), default=0.0)
                    if hit and not any(term in t for t in found):
                        total += min(WEAK, w) * hit
                        found.append(LEARNED_PREFIX + term)
            if found and self.context[cat]:
                total += self._hits(self.context[cat], CONTEXT, parts, found)
            if found:
                out[cat] = (total * factor, found)
        return out

    def _hits(
        self,
        terms: tuple[str, ...],
        weight: float,
        parts: Sequence[tuple[str, float]],
        found: list[str],
    ) -> float:
        total = 0.0
        blob = "\x01".join(t for t, _ in parts)
        plain, patterns = self._split(terms)
        # the common case: one substring test per plain term, in one comprehension; the
        # candidates are then read in the list's order (longest first), patterns among them
        candidates = [t for t in plain if t in blob]
        if patterns:
            order = self._order(terms)
            candidates = sorted(candidates + list(patterns), key=order.__getitem__)
        for term in candidates:
            regex = term in patterns
            hit, shown = 0.0, term
            for text, f in parts:
                if f <= hit:
                    continue
                if regex:
                    m = self._regex(term).search(text)
                    if m:
                        hit, shown = f, m.group(0)
                elif term in text:
                    hit = f
            # a term inside a longer term already found (or holding one) is the same evidence
            if hit and not any(shown in t or t in shown for t in found):
                total += weight * hit
                found.append(shown)
        return total

    def classify(
        self,
        title: str,
        summary: str | None = None,
        category: str | None = None,
        mode: str = "normal",
        siblings: Sequence[str] = (),
    ) -> Verdict | None:
        """The verdict for one hotspot, or None when it is fine to use (or ``mode`` is off).
        ``siblings``: other titles of the same event (other platforms' wording)."""
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
        own = self._verdict(scored, threshold)
        if own is None and siblings:
            own = self._event_verdict(title, siblings, threshold)
        if own is None and self.model is not None and category not in ENTERTAINMENT_TAGS:
            # some lexicon evidence, too little alone: the model is a second view of it
            own = self.model.verdict(self._mask(title or ""), mode, self.labels, bool(scored))
        return own

    def _event_verdict(
        self, title: str, siblings: Sequence[str], threshold: float
    ) -> Verdict | None:
        # the same story as other platforms titled it: most of them sensitive -> so is this
        others = [t for t in dict.fromkeys(siblings) if t and t != title]
        votes = [v for t in others if (v := self._verdict(self.scores(t), threshold))]
        # a majority: one of two siblings is a tie, not "most of them"
        if not votes or len(votes) <= EVENT_SHARE * len(others):
            return None
        cat = Counter(v.category for v in votes).most_common(1)[0][0]
        terms = [EVENT_PREFIX + t for v in votes if v.category == cat for t in v.terms]
        return Verdict(
            cat, self.labels[cat], tuple(dict.fromkeys(terms)), round(len(votes) / len(others), 3)
        )

    def _verdict(
        self, scored: dict[str, tuple[float, list[str]]], threshold: float
    ) -> Verdict | None:
        if not scored:
            return None
        ranked = sorted(scored.items(), key=lambda kv: (-kv[1][0], CATEGORIES.index(kv[0])))
        cat, (best, terms) = ranked[0]
        score = best + OTHERS_FACTOR * sum(sc for _, (sc, _) in ranked[1:])
        if score < threshold:
            return None
        terms = list(terms)
        if best < threshold:  # decided by evidence of several kinds: show all of it
            terms += [t for _, (_, ts) in ranked[1:] for t in ts]
        if cat == "politics" and scored.get("military_conflict", (0.0,))[0] >= threshold:
            # a war or a confrontation is the story; the leaders and ministries are its actors
            cat, terms = "military_conflict", scored["military_conflict"][1] + terms
        if cat == "death":  # a cause outranks its consequence: "地震致3人死亡" is a disaster
            causes = [(sc, c) for c, (sc, _) in scored.items() if c in CAUSES and sc >= threshold]
            if causes:
                cat = max(causes, key=lambda x: (x[0], -CATEGORIES.index(x[1])))[1]
                terms = scored[cat][1] + scored["death"][1]
        return Verdict(cat, self.labels[cat], tuple(dict.fromkeys(terms)), round(score, 3))
