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
* the thresholds are chosen on the training data only, on *held-out* scores (each title
  scored by the model trained without it, ``held_out_scores``): the lowest score whose
  top-scored training titles are at least ``PRECISION[mode]`` positives (0.8 for ``normal``,
  0.6 for ``strict``). In-sample scores would overstate it (a word seen in three titles
  counts its own title): on the 31-day corpus the in-sample ``normal`` threshold kept
  titles that are 66 % positives held out, not 80 %;
* a verdict needs a word with a sensitive sense of its own: one of the title's words whose
  training titles are at least ``shares[mode]`` positives (seen in ``MIN_SUPPORT``
  positives at least); not only actors and places that often stand beside lexicon evidence
  (男子, 交警, 加拿大). The share is chosen per mode with the threshold, on the same
  held-out scores: of ``SHARES`` the one under which the most held-out positives clear a
  threshold of the mode's precision (on the 31-day corpus: 0.8 for ``normal``, where it
  lets 508 held-out positives through at 80 % instead of 142, and 0 for ``strict``);
* in ``normal`` mode a title with some lexicon evidence, too little alone (one weak term),
  is judged at the ``strict`` threshold and share: two views (the lexicon's partial
  evidence and the model's words) agree.

* one round of self-training (``SELF_ROUNDS``): the first model's confident verdicts (held
  out, at the ``normal`` threshold and share) on the lexicon's negatives and on the titles
  it left unsure become soft positives, each weighted by the held-out precision of the
  training titles scoring as high (``SELF_WEIGHT``: the semi-supervised naive Bayes of
  Nigam et al.: a self-label counts ``p`` as a positive and ``1 - p`` as a negative); the
  model is refitted and its thresholds and shares chosen again, held out, with the
  self-labels counting their weight. On the 31-day corpus: 136 negatives and 33 unsure
  titles, mean weight 0.78; a second round lets the model's own errors compound (no share
  survives for ``normal``) and is not run.

It decides only for items with no verdict of their own or from their event, and says so:
the verdict's terms are ``model:词`` for the words that weighed most. At classification
time titles are cut by forward maximum matching over the model's vocabulary (no jieba
needed at delivery). Stored in ``learned_terms`` under ``m:<category>`` / ``m:-`` (word
counts) and ``meta`` ``sensitivity_model`` (sizes, thresholds and shares).
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
MIN_SUPPORT = 3  # positives a word needs before its share of positives vouches for a title
SHARES = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9)  # the shares tried (``train``)
PRECISION = {"normal": 0.8, "strict": 0.6}
SELF_ROUNDS = 1  # rounds of self-training on the model's own confident verdicts
SELF_WEIGHT = "confidence"  # a self-label's weight: "hard" (1) or "confidence" (held-out precision)
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
    n_pos: dict[str, float] = field(default_factory=dict)
    n_neg: float = 0
    thresholds: dict[str, float] = field(default_factory=dict)
    #: per mode, the share of positives one of a title's words must reach (``share``)
    shares: dict[str, float] = field(default_factory=dict)
    #: the training titles' held-out (score, best share), in training order (not stored)
    held_out: list[tuple[float, float]] = field(default_factory=list, repr=False)

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

    def share(self, word: str) -> float:
        """The share of the training titles holding ``word`` that are positives, when at
        least ``MIN_SUPPORT`` positives hold it (else 0: too rare to vouch for anything)."""
        pos = self.total[word]
        return pos / (pos + self.neg[word]) if pos >= MIN_SUPPORT else 0.0

    def verdict(
        self, text: str, mode: str, labels: dict[str, str], beside: bool = False
    ) -> Verdict | None:
        """``beside``: the lexicon found some evidence in the title, too little alone; the
        model agreeing is then a second view, and ``strict``'s threshold is enough."""
        key = "strict" if beside else mode
        threshold = self.thresholds.get(key)
        if threshold is None or not self.lo:
            return None
        words = self.words(text)
        s = self.score(words)
        if s < threshold:
            return None
        # the evidence must hold a word with a sensitive sense of its own: one whose training
        # titles are positives often enough (not an actor like 男子: ``shares``, from training)
        wanted = self.shares.get(key, 0.0)
        sure = sorted((w for w in words if self.share(w) >= wanted), key=lambda w: -self.lo[w])
        if not sure:
            return None
        rest = sorted(
            (w for w in words if w not in sure and self.lo.get(w, 0) > 0), key=lambda w: -self.lo[w]
        )
        cat = self.category(words)
        terms = tuple(PREFIX + w for w in (sure + rest)[:SHOWN])
        return Verdict(cat, labels.get(cat, cat), terms, round(s, 3))

    # -- storage ------------------------------------------------------------------------
    def rows(self) -> list[tuple[str, str, float, int]]:
        keep = self.vocab
        out = [(SCOPE + NEGATIVE, w, float(n), round(n)) for w, n in self.neg.items() if w in keep]
        for c, counts in self.pos.items():
            out += [(SCOPE + c, w, float(n), round(n)) for w, n in counts.items() if w in keep]
        return out

    def meta(self) -> str:
        return json.dumps(
            {
                "n_pos": self.n_pos,
                "n_neg": self.n_neg,
                "thresholds": self.thresholds,
                "shares": self.shares,
            },
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
            # a count is fractional when self-labels are weighted by confidence
            counts = Counter({w: float(n) for w, n in terms.items()})
            if key == NEGATIVE:
                neg = counts
            elif key in CATEGORIES:
                pos[key] = counts
        return cls(
            pos,
            neg,
            dict(info["n_pos"]),
            float(info["n_neg"]),
            dict(info["thresholds"]),
            dict(info.get("shares", {})),
        )


def _features(tokens: Sequence[str], known: _Known, overlaps: dict[str, bool]) -> set[str]:
    """The title's content words that neither hold nor sit inside a lexicon term
    (``overlaps`` remembers the answer per word)."""
    out = set()
    for w in content_keywords(tokens):
        o = overlaps.get(w)
        if o is None:
            o = overlaps[w] = known.overlaps(w)
        if not o:
            out.add(w)
    return out


class _Known:
    """The lexicon's plain terms, asked whether a word holds one or sits inside one: a word
    sits inside a term when it is in the terms joined; it holds one when one of its own
    substrings is a term (a title word is short, so these are few)."""

    def __init__(self, terms: Iterable[str]) -> None:
        self.terms = frozenset(terms)
        self.blob = "\x01".join(sorted(self.terms))
        self.longest = max((len(t) for t in self.terms), default=0)

    def overlaps(self, word: str) -> bool:
        if word in self.blob:
            return True
        n = len(word)
        return any(
            word[i : i + k] in self.terms
            for k in range(1, min(n, self.longest) + 1)
            for i in range(n - k + 1)
        )


def train(docs: Iterable[Sequence[Any]], classifier: Sensitivity) -> WordModel:
    """Docs are (tokens, category tag, event id, ...); one title per event is read."""
    lexicon = classifier if classifier.lexicon_alone else classifier.lexicon_only()
    known = _Known(t for t in lexicon.known_terms if not t.startswith("re:"))
    overlaps: dict[str, bool] = {}
    seen: set[Any] = set()
    examples: list[Example] = []
    unsure: list[set[str]] = []
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
        elif SELF_ROUNDS:
            unsure.append(_features(tokens, known, overlaps))
    model = _fit(examples)
    for _ in range(SELF_ROUNDS):
        # the lexicon's labels stay; the previous model's confident verdicts are added
        model = _fit(_self_labels(model, examples, unsure))
    return model


Example = tuple[set[str], str | None] | tuple[set[str], str | None, float]


def _weight_of(example: Example) -> float:
    """How much of the title counts as a positive of its category (1 for the lexicon's
    positives, 0 for its negatives, the confidence for a self-label)."""
    if len(example) > 2:
        return example[2]
    return 1.0 if example[1] is not None else 0.0


def _fit(examples: Sequence[Example]) -> WordModel:
    """Counts, then the thresholds and shares chosen on held-out scores."""
    model = WordModel()
    neg: Counter[str] = Counter()
    pos: dict[str, Counter[str]] = {}
    n_pos: dict[str, float] = {}
    n_neg = 0.0
    for e in examples:
        words, cat, p = e[0], e[1], _weight_of(e)
        if p < 1.0:
            for w in words:
                neg[w] += 1.0 - p  # type: ignore[assignment]  # soft counts
            n_neg += 1.0 - p
        if cat is not None and p > 0.0:
            counts = pos.setdefault(cat, Counter())
            for w in words:
                counts[w] += p  # type: ignore[assignment]
            n_pos[cat] = n_pos.get(cat, 0.0) + p
    model.pos, model.neg, model.n_pos, model.n_neg = pos, neg, n_pos, n_neg
    model._index()
    # thresholds on held-out scores: in-sample, a rare word counts its own title and the
    # top of the ranking looks far purer than it is on titles the model has not seen
    held_out = held_out_scores(model, examples)
    labels = [_weight_of(e) for e in examples]
    for mode, wanted in PRECISION.items():
        # the share a title's surest word must reach is chosen like the threshold: the one
        # under which the most held-out positives clear a threshold of the wanted precision
        best: tuple[float, float, float] | None = None
        for share in SHARES:
            found = _threshold(
                [(sc, pos) for (sc, sure), pos in zip(held_out, labels) if sure >= share], wanted
            )
            if found is not None and (best is None or found[0] > best[0]):
                best = (found[0], found[1], share)
        if best is not None:
            model.thresholds[mode], model.shares[mode] = best[1], best[2]
    model.held_out = held_out
    return model


def _self_labels(
    model: WordModel, examples: Sequence[Example], unsure: Sequence[set[str]]
) -> list[Example]:
    """The model's confident verdicts on titles the lexicon did not call positive: its
    negatives (held out) and the titles with too little lexicon evidence (never trained on),
    each scoring at least the ``normal`` threshold with a word of the ``normal`` share.
    They replace the negative they were (a negative becomes a soft positive)."""
    threshold, share = model.thresholds.get("normal"), model.shares.get("normal", 0.0)
    if threshold is None:
        return []
    held = model.held_out[: len(examples)]  # the lexicon's examples come first
    curve = _precision_curve(model.held_out, [_weight_of(e) for e in examples])
    out: list[Example] = []
    for e, (sc, sure) in zip(examples, held):
        if _weight_of(e) == 0.0 and sc >= threshold and sure >= share:
            out.append((e[0], model.category(list(e[0])), _confidence(curve, sc)))
        else:
            out.append(e)
    for words in unsure:
        ws = [w for w in words if w in model.lo]
        sc = model.score(ws)
        if sc >= threshold and max((model.share(w) for w in ws), default=0.0) >= share:
            out.append((words, model.category(ws), _confidence(curve, sc)))
    return out


def _precision_curve(
    held: Sequence[tuple[float, float]], labels: Sequence[float]
) -> list[tuple[float, float]]:
    """(score, share of positives among the ``MIN_TOP`` training titles ranked nearest
    it), highest score first: the *local* precision at a score (the share above it would
    credit a marginal title with the purity of the titles far above it)."""
    ranked = sorted(zip((s for s, _ in held), labels), reverse=True)
    sums = [0.0]
    for _, p in ranked:
        sums.append(sums[-1] + p)
    n, half = len(ranked), MIN_TOP // 2
    out = []
    for k, (sc, _) in enumerate(ranked):
        a, b = max(0, k - half), min(n, k + half + 1)
        out.append((sc, (sums[b] - sums[a]) / (b - a)))
    return out


def _confidence(curve: Sequence[tuple[float, float]], score: float) -> float:
    """A self-label's weight: 1 (``SELF_WEIGHT`` = "hard") or the local held-out precision
    of the training titles scoring about as high (``_precision_curve``)."""
    if SELF_WEIGHT == "hard":
        return 1.0
    lo, hi = 0, len(curve)
    while lo < hi:  # the last entry with a score >= ``score`` (scores descend)
        mid = (lo + hi) // 2
        if curve[mid][0] >= score:
            lo = mid + 1
        else:
            hi = mid
    return curve[max(lo - 1, 0)][1] if curve else 0.0


def _threshold(scored: list[tuple[float, float]], wanted: float) -> tuple[float, float] | None:
    """(positives above it, score): the lowest score whose top-scored titles are at least
    ``wanted`` positives (and at least ``MIN_TOP`` titles), or None."""
    hits, best = 0.0, None
    for k, (sc, positive) in enumerate(sorted(scored, reverse=True), 1):
        hits += positive
        if k >= MIN_TOP and hits / k >= wanted:
            best = (hits, sc)
    return best


def held_out_scores(model: WordModel, examples: Sequence[Example]) -> list[tuple[float, float]]:
    """Each training title's score, and the best ``share`` of its words, by the model
    trained without it (leave-one-out: its own words taken out of the counts, and out of
    the vocabulary when they fall below ``MIN_DF``), exact for naive Bayes and as cheap as
    one more pass over the titles."""
    out = []
    npos, nneg = model.npos, model.n_neg
    for e in examples:
        words, p = e[0], _weight_of(e)
        np_, nn = npos - p, nneg - (1.0 - p)
        if np_ <= 0 or nn <= 0:
            out.append((0.0, 0.0))
            continue
        s, sure = math.log(np_ / nn), 0.0
        for w in words:
            tp, tn = model.total[w] - p, model.neg[w] - (1.0 - p)
            if tp + tn < MIN_DF:
                continue
            s += math.log((tp + 0.5) / (np_ + 1)) - math.log((tn + 0.5) / (nn + 1))
            if tp >= MIN_SUPPORT:
                sure = max(sure, tp / (tp + tn))
        out.append((s, sure))
    return out


def store_model(store: Any, model: WordModel) -> None:
    """Replace the stored model (call inside a transaction)."""
    store.replace_learned(SCOPE, model.rows())
    store.set_meta(META_KEY, model.meta())
