"""A word model of sensitive stories learned from the unlabelled history (self-training).

The lexicon names the evidence it knows; the history holds many more words that sensitive
stories use (a foreign town in a war, an official's name, a factory's product). A naive Bayes
model over title words learns them from the store's history, with the lexicon as the teacher
and no labelled data:

* a *positive* is a stored story (one title per event) the lexicon alone marks sensitive in
  ``normal`` mode, counted under its category; a *negative* one where the lexicon finds no
  evidence at all (titles with some but too little evidence are left out: unsure);
* features are the title's content words minus the lexicon's own terms (and words holding
  or inside one), seen in at least ``MIN_DF`` training titles: the model can only add what
  the lexicon does not already say;
* a title's score is the log-odds (prior + the words' log-likelihood ratios, add-half
  smoothing); its category the positives' category the words fit best;
* the thresholds are chosen on the training data only: the lowest score whose top-scored
  training titles are at least ``PRECISION[mode]`` positives (0.8 for ``normal``, 0.6 for
  ``strict``); a verdict also needs one word that speaks for it (positive log-odds).

It decides only for items with no verdict of their own or from their event, and says so:
the verdict's terms are ``model:词`` for the words that weighed most. At classification
time titles are cut by forward maximum matching over the model's vocabulary (no jieba
needed at delivery). Stored in ``learned_terms`` under ``m:<category>`` / ``m:-`` (word
counts) and ``meta`` ``sensitivity_model`` (sizes and thresholds).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hotspot.analysis.keywords import content_keywords
from hotspot.planning.sensitivity import CATEGORIES, Sensitivity, Verdict

MIN_DF = 3
PRECISION = {"normal": 0.8, "strict": 0.6}
MIN_TOP = 50  # a threshold needs at least this many training titles above it
MAX_WORD = 8
SMOOTH = 2.0  # m-estimate weight of the all-positives prior in a word's category share
SHOWN = 3
SCOPE = "m:"
NEGATIVE = "-"
META_KEY = "sensitivity_model"
PREFIX = "model:"


@dataclass
class WordModel:
    """Word counts of positives per category and of negatives, plus the thresholds."""

    pos: dict[str, Counter[str]] = field(default_factory=dict)
    neg: Counter[str] = field(default_factory=Counter)
    n_pos: dict[str, int] = field(default_factory=dict)
    n_neg: int = 0
    thresholds: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._index()

    def _index(self) -> None:
        total: Counter[str] = Counter()
        for c in self.pos.values():
            total.update(c)
        self.total = total
        self.npos = sum(self.n_pos.values())
        self.vocab = {w for w in set(total) | set(self.neg) if total[w] + self.neg[w] >= MIN_DF}
        self.longest = max((len(w) for w in self.vocab), default=0)
        if self.npos and self.n_neg:
            self.prior = math.log(self.npos / self.n_neg)
            self.lo = {
                w: math.log((total[w] + 0.5) / (self.npos + 1))
                - math.log((self.neg[w] + 0.5) / (self.n_neg + 1))
                for w in self.vocab
            }
        else:
            self.prior, self.lo = 0.0, {}

    def words(self, text: str) -> list[str]:
        """Forward maximum matching over the vocabulary (distinct words, in order)."""
        out: dict[str, None] = {}
        i, n, longest = 0, len(text), min(self.longest, MAX_WORD)
        while i < n:
            for k in range(min(longest, n - i), 1, -1):
                if text[i : i + k] in self.vocab:
                    out.setdefault(text[i : i + k], None)
                    i += k
                    break
            else:
                i += 1
        return list(out)

    def score(self, words: Iterable[str]) -> float:
        return self.prior + sum(self.lo.get(w, 0.0) for w in words)

    def category(self, words: Sequence[str]) -> str:
        """The category whose positives the words fit best. Each word's share in a category
        is smoothed towards its share among all positives (an m-estimate), so a word rare
        everywhere does not favour the smallest category."""
        seen = [w for w in words if w in self.lo and self.total[w]]

        def fit(c: str) -> float:
            n = self.n_pos.get(c, 0)
            counts = self.pos.get(c, Counter())
            return math.log(n) + sum(
                math.log((counts[w] + SMOOTH * self.total[w] / self.npos) / (n + SMOOTH))
                for w in seen
            )

        return max((c for c in CATEGORIES if self.n_pos.get(c)), key=fit, default=CATEGORIES[0])

    def verdict(self, text: str, mode: str, labels: dict[str, str]) -> Verdict | None:
        threshold = self.thresholds.get(mode)
        if threshold is None or not self.lo:
            return None
        words = self.words(text)
        s = self.score(words)
        top = sorted((w for w in words if self.lo.get(w, 0) > 0), key=lambda w: -self.lo[w])
        if s < threshold or not top:  # no word speaks for it: nothing to explain, no verdict
            return None
        cat = self.category(words)
        terms = tuple(PREFIX + w for w in top[:SHOWN])
        return Verdict(cat, labels.get(cat, cat), terms, round(s, 3))

    # -- storage ------------------------------------------------------------------------
    def rows(self) -> list[tuple[str, str, float, int]]:
        keep = self.vocab
        out = [(SCOPE + NEGATIVE, w, float(n), n) for w, n in self.neg.items() if w in keep]
        for c, counts in self.pos.items():
            out += [(SCOPE + c, w, float(n), n) for w, n in counts.items() if w in keep]
        return out

    def meta(self) -> str:
        return json.dumps(
            {"n_pos": self.n_pos, "n_neg": self.n_neg, "thresholds": self.thresholds},
            sort_keys=True,
        )

    @classmethod
    def from_store(cls, store: Any) -> WordModel | None:
        raw = store.meta(META_KEY)
        if not raw:
            return None
        info = json.loads(raw)
        pos: dict[str, Counter[str]] = {}
        neg: Counter[str] = Counter()
        for scope, terms in store.learned_terms().items():
            if not scope.startswith(SCOPE):
                continue
            key = scope[len(SCOPE) :]
            counts = Counter({w: int(n) for w, n in terms.items()})
            if key == NEGATIVE:
                neg = counts
            elif key in CATEGORIES:
                pos[key] = counts
        return cls(pos, neg, dict(info["n_pos"]), int(info["n_neg"]), dict(info["thresholds"]))


def _features(
    tokens: Sequence[str], known: Sequence[str] | _Overlap, overlaps: dict[str, bool]
) -> set[str]:
    """The title's content words that neither hold nor sit inside a lexicon term
    (``overlaps`` remembers the answer per word)."""
    test = known if isinstance(known, _Overlap) else _Overlap(known)
    out = set()
    for w in content_keywords(tokens):
        o = overlaps.get(w)
        if o is None:
            o = overlaps[w] = test(w)
        if not o:
            out.add(w)
    return out


class _Overlap:
    """``any(t in w or w in t for t in known)`` by set lookups: ``t in w`` when one of
    ``w``'s substrings is a term, ``w in t`` when ``w`` is one of the terms' substrings
    (a few thousand terms of a few characters: one set of their pieces, built once per
    training, instead of a scan over every term for each of the history's words)."""

    __slots__ = ("empty", "pieces", "terms")

    def __init__(self, known: Iterable[str]):
        self.terms = frozenset(known)
        self.empty = "" in self.terms  # "" is inside every word
        self.pieces = frozenset(
            t[i:j] for t in self.terms for i in range(len(t)) for j in range(i + 1, len(t) + 1)
        )

    def __call__(self, w: str) -> bool:
        if not self.terms:
            return False
        if self.empty or w in self.pieces or not w:  # "" is inside every term
            return True
        terms, n = self.terms, len(w)
        return any(w[i:j] in terms for i in range(n) for j in range(i + 1, n + 1))


def train(docs: Iterable[Sequence[Any]], classifier: Sensitivity) -> WordModel:
    """Docs are (tokens, category tag, event id, ...); one title per event is read."""
    lexicon = classifier if classifier.lexicon_alone else classifier.lexicon_only()
    known = _Overlap(t for t in lexicon.known_terms if not t.startswith("re:"))
    overlaps: dict[str, bool] = {}
    seen: set[Any] = set()
    examples: list[tuple[set[str], str | None]] = []
    for i, doc in enumerate(docs):
        tokens, tag = doc[0], doc[1]
        event = doc[2] if len(doc) > 2 and doc[2] is not None else f"doc{i}"
        if event in seen or not tokens:
            continue
        seen.add(event)
        text = "".join(tokens)
        scored = lexicon.scores(text, None, tag)
        v = lexicon.classify(text, None, tag, "normal") if scored else None
        if v is not None:
            examples.append((_features(tokens, known, overlaps), v.category))
        elif not scored:
            examples.append((_features(tokens, known, overlaps), None))
    model = WordModel()
    for words, cat in examples:
        if cat is None:
            model.neg.update(words)
            model.n_neg += 1
        else:
            model.pos.setdefault(cat, Counter()).update(words)
            model.n_pos[cat] = model.n_pos.get(cat, 0) + 1
    model._index()
    ranked = sorted(((model.score(w), c is not None) for w, c in examples), reverse=True)
    for mode, wanted in PRECISION.items():
        hits, best = 0, None
        for k, (s, positive) in enumerate(ranked, 1):
            hits += positive
            if k >= MIN_TOP and hits / k >= wanted:
                best = s
        if best is not None:
            model.thresholds[mode] = best
    return model


def store_model(store: Any, model: WordModel) -> None:
    """Replace the stored model (call inside a transaction)."""
    store.replace_learned(SCOPE, model.rows())
    store.set_meta(META_KEY, model.meta())
