"""Learn from the history the daemon collects: vocabulary expansions and ambiguous terms.

Pure functions over (tokens, category) documents plus ``relearn(store)`` that stores the
result in ``learned_terms``. Nothing here reads labelled data; it only reads what the
sources returned.

* Vertical expansion: a document is a *positive* of a vertical when the lexicon evidence
  for it is strong (>= 0.6) and no other vertical is stronger. A word that appears in at
  least ``MIN_SUPPORT`` positives and whose positives make up at least half of all the
  documents containing it (so not a generic word) becomes a learned term of the vertical,
  weighted by that precision and its support (at most ``MAX_LEARNED``). New names (a new
  drama, a player, a phone model) enter this way within days of appearing.
* Sense check: a lexicon term that history mostly shows without any other evidence of its
  own vertical but with strong evidence for another one (饺子 beside 哪吒 and 票房) is
  demoted by that share.
* Theme expansion (themes linked to no vertical): positives are the documents containing
  the theme's own keywords; the same precision/support rule gives its learned terms.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable, Sequence

from hotspot.analysis.keywords import content_keywords
from hotspot.analysis.lexicon import Vertical
from hotspot.analysis.matcher import Document, Learned, Matcher, noisy_or
from hotspot.config import ThemeConfig

log = logging.getLogger(__name__)

MIN_SUPPORT = 5
MIN_PRECISION = 0.6
MAX_LEARNED = 0.65
POSITIVE = 0.6
SENSE_MIN_DOCS = 8
SENSE_FOREIGN_SHARE = 0.6
SENSE_FLOOR = 0.4


def _weight(support: int, precision: float) -> float:
    return round(MAX_LEARNED * precision * min(1.0, math.log2(1 + support) / 3), 4)


def learn_verticals(
    docs: Iterable[tuple[Sequence[str], str | None]], verticals: Sequence[Vertical]
) -> Learned:
    base = Matcher([], verticals)
    lexicon = {v.id: v.terms for v in verticals}
    df: Counter[str] = Counter()
    positives: dict[str, Counter[str]] = {}
    seen: dict[str, Counter[str]] = {}
    foreign: dict[str, Counter[str]] = {}
    for tokens, category in docs:
        words = set(content_keywords(tokens))
        df.update(words)
        ev = base.vertical_evidence(Document(title_tokens=tokens, category=category))
        if not ev:
            continue
        strength = {vid: noisy_or(t.values()) for vid, t in ev.items()}
        top = max(strength.values())
        for vid, terms in ev.items():
            if strength[vid] >= POSITIVE and strength[vid] >= top:
                positives.setdefault(vid, Counter()).update(words - set(lexicon[vid]))
            for term in terms:
                if term.startswith("#"):
                    continue
                seen.setdefault(vid, Counter())[term] += 1
                without = noisy_or(x for t, x in terms.items() if t != term)
                if without >= 0.3:
                    continue
                # strong evidence for another vertical *without this term*: this sighting
                # is probably the other sense of the word (or an incidental mention)
                others = max(
                    (noisy_or(x for t, x in ev[v].items() if t != term) for v in ev if v != vid),
                    default=0.0,
                )
                if others >= POSITIVE:
                    foreign.setdefault(vid, Counter())[term] += 1
    strong_elsewhere = {t for v in verticals for t, w in v.terms.items() if w >= 0.7}
    learned: dict[str, dict[str, float]] = {}
    for vid, counts in positives.items():
        scope = learned.setdefault(f"v:{vid}", {})
        for word, support in counts.items():
            precision = support / df[word]
            if word in strong_elsewhere:
                continue  # another vertical's own word: evidence for that one, not this
            if support >= MIN_SUPPORT and precision >= MIN_PRECISION:
                scope[word] = _weight(support, precision)
    demoted: dict[str, dict[str, float]] = {}
    for vid, counts in seen.items():
        for term, total in counts.items():
            bad = foreign.get(vid, Counter())[term]
            if total >= SENSE_MIN_DOCS and bad / total >= SENSE_FOREIGN_SHARE:
                demoted.setdefault(vid, {})[term] = round(max(SENSE_FLOOR, 1 - bad / total), 3)
    return Learned(terms=learned, demoted=demoted)


def learn_theme(
    theme: ThemeConfig, docs: Iterable[Sequence[str]], matcher: Matcher
) -> dict[str, tuple[float, int, float]]:
    """Words that co-occur with ``theme``'s own keywords: term -> (weight, support, precision)."""
    df: Counter[str] = Counter()
    pos: Counter[str] = Counter()
    own = {w for w in (*theme.keywords, *theme.synonyms)}
    for tokens in docs:
        words = set(content_keywords(tokens))
        df.update(words)
        hits = matcher.keyword_hits(Document(title_tokens=tokens))
        if any(theme.name == name for (_, name) in hits):
            pos.update(words - own)
    out = {}
    for word, support in pos.items():
        precision = support / df[word]
        if support >= MIN_SUPPORT and precision >= MIN_PRECISION:
            out[word] = (_weight(support, precision), support, precision)
    return out


def relearn(store, verticals: Sequence[Vertical], baseline=None) -> Learned:
    """Recompute vertical expansions, demotions and the trend baseline from history
    (``baseline``: one already learned from the same history, e.g. a live replay's
    ``trends.BaselineSample``, instead of re-reading every sighting)."""
    import json

    from hotspot.analysis.trends import learn_baseline

    if baseline is None:
        baseline = learn_baseline(store.observation_series())
    store.set_meta("trend_baseline", json.dumps(baseline.as_dict()))
    docs = [(tokens, category) for _, tokens, category, _ in store.iter_documents()]
    learned = learn_verticals(docs, verticals)
    rows = [
        (scope, term, w, 0) for scope, terms in learned.terms.items() for term, w in terms.items()
    ]
    rows += [
        (f"d:{vid}", term, f, 0)
        for vid, terms in learned.demoted.items()
        for term, f in terms.items()
    ]
    store.replace_learned("v:", [r for r in rows if r[0].startswith("v:")])
    store.replace_learned("d:", [r for r in rows if r[0].startswith("d:")])
    log.info(
        "learned %d expansion terms and %d demotions from %d items",
        sum(len(t) for t in learned.terms.values()),
        sum(len(t) for t in learned.demoted.values()),
        len(docs),
    )
    return learned
