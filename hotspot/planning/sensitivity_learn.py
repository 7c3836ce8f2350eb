"""History-learned sensitivity terms: words the unlabelled history keeps showing with
already-sensitive evidence, under the matcher's learning guardrails (``analysis.learn``).

A stored item is a *positive* of a category when the hand-written lexicon alone makes it
sensitive in that category (normal mode, its own title). A word becomes a learned term of the
category when, over the whole history:

* it is in at least ``MIN_SUPPORT`` positives from at least ``MIN_EVENTS`` distinct events and
  ``MIN_PLATFORMS`` platforms (one story told many times, or by one list, is not vocabulary);
* at least ``MIN_PRECISION`` of all the items containing it are positives of that category
  (distinctive: not a generic word that also fills ordinary titles);
* it is a whole naming word by jieba's tag (``keywords.learnable``: no verbs, adjectives,
  numerals or measure words) and not a fragment of a longer name jieba splits;
* the lexicon does not already hold it (or a term inside it).

The weight is the matcher's (precision x support in events, at most 0.65); the classifier
counts a learned term like a weak term (at most 0.5), so in ``normal`` mode it decides only
beside other evidence, and every verdict shows it as ``learned:词``. Stored in
``learned_terms`` under the scope ``s:<category>``; nothing here reads labelled data.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from hotspot.analysis.keywords import content_keywords, learnable
from hotspot.analysis.learn import Neighbours, _weight
from hotspot.planning.sensitivity import CATEGORIES, THRESHOLDS, Sensitivity

log = logging.getLogger(__name__)

SCOPE = "s:"
STAMP = "sensitivity_learned_at"  # meta: when the terms and the model were last learned
MIN_SUPPORT = 5
MIN_EVENTS = 3
MIN_PLATFORMS = 2
MIN_PRECISION = 0.6
MIN_WEIGHT = 0.1


def learn_sensitive(
    docs: Iterable[Sequence[Any]],
    classifier: Sensitivity,
    flag: Callable[[str], str | None] | None = None,
) -> dict[str, dict[str, tuple[float, int]]]:
    """Docs are (tokens, category tag, event id, platform); returns category -> term ->
    (weight, events). ``classifier`` is the lexicon alone (its learned terms are ignored)."""
    lexicon = classifier if classifier.lexicon_alone else classifier.lexicon_only()
    known = lexicon.known_terms
    df: Counter[str] = Counter()
    pos: dict[str, Counter[str]] = {c: Counter() for c in CATEGORIES}
    events: dict[tuple[str, str], set[Any]] = {}
    platforms: dict[tuple[str, str], set[Any]] = {}
    neighbours = Neighbours()
    for i, doc in enumerate(docs):
        tokens, tag = doc[0], doc[1]
        event = doc[2] if len(doc) > 2 and doc[2] is not None else f"doc{i}"
        platform = doc[3] if len(doc) > 3 else None
        words = set(content_keywords(tokens))
        df.update(words)
        neighbours.add(tokens)
        scored = lexicon.scores("".join(tokens), None, tag)
        if not scored:
            continue
        cat, (score, found) = max(
            scored.items(), key=lambda kv: (kv[1][0], -CATEGORIES.index(kv[0]))
        )
        if score < THRESHOLDS["normal"]:
            continue
        # the evidence itself, words holding it (遇难者 holds 遇难) and pieces of it that
        # jieba cut off (称泽 of 称泽连斯基) are not new
        fresh = {w for w in words if not any(t in w or w in t for t in found)}
        fresh -= _overlapping(tokens, found)
        pos[cat].update(fresh)
        for w in fresh:
            events.setdefault((cat, w), set()).add(event)
            platforms.setdefault((cat, w), set()).add(platform)
    out: dict[str, dict[str, tuple[float, int]]] = {}
    for cat, counts in pos.items():
        for word, support in counts.items():
            n_events = len(events[(cat, word)])
            precision = support / df[word]
            if support < MIN_SUPPORT or n_events < MIN_EVENTS or precision < MIN_PRECISION:
                continue
            if len(platforms[(cat, word)]) < MIN_PLATFORMS:
                continue
            if word in known or any(t in word for t in known if not t.startswith("re:")):
                continue
            if flag is not None and not learnable(word, flag(word)):
                continue
            if neighbours.fragment(word):
                continue
            weight = _weight(n_events, precision)
            if weight >= MIN_WEIGHT:
                out.setdefault(cat, {})[word] = (weight, n_events)
    return out


def _overlapping(tokens: Sequence[str], found: Sequence[str]) -> set[str]:
    """Tokens whose span in the title overlaps a found term's span without holding it."""
    text = "".join(tokens)
    spans = []
    for term in found:
        start = text.find(term)
        while start >= 0:
            spans.append((start, start + len(term)))
            start = text.find(term, start + 1)
    out, at = set(), 0
    for tok in tokens:
        a, b = at, at + len(tok)
        at = b
        if any(a < e and s < b and not (a <= s and e <= b) for s, e in spans):
            out.add(tok)
    return out


def history_documents(store: Any) -> Iterable[tuple[list[str], str | None, Any, str]]:
    """(tokens, category tag, event id, platform) of every stored item."""
    for r in store.execute("SELECT tokens, category, event_id, platform FROM items"):
        yield (r[0].split(" ") if r[0] else [], r[1], r[2], r[3])


@dataclass(frozen=True, slots=True)
class SensitiveRelearned:
    """What ``relearn_sensitive`` writes, computed and not yet stored: the learned terms'
    rows (scope ``s:``), the word model's rows and meta (``sensitivity_model.store_model``)
    and the learned terms themselves. Plain data (a child process hands it over as JSON)."""

    rows: list[tuple[str, str, float, int]]
    model_rows: list[tuple[str, str, float, int]]
    model_meta: str
    learned: dict[str, dict[str, tuple[float, int]]]
    summary: str  # the model's size and thresholds, for the log line


def compute_relearn_sensitive(
    store: Any,
    classifier: Sensitivity | None = None,
    flag: Callable[[str], str | None] | None = None,
) -> SensitiveRelearned:
    """Everything ``relearn_sensitive`` computes from the store's history, writing nothing."""
    from hotspot.planning.sensitivity_model import train

    # one lexicon pass over the history serves both learners
    lexicon = (classifier or Sensitivity.load()).lexicon_only(memo=True)
    docs = list(history_documents(store))
    learned = learn_sensitive(docs, lexicon, flag)
    model = train(docs, lexicon)
    del docs
    rows = [
        (SCOPE + cat, term, w, n)
        for cat, terms in learned.items()
        for term, (w, n) in sorted(terms.items())
    ]
    thresholds = {m: round(t, 2) for m, t in model.thresholds.items()}
    summary = f"word model of {len(model.lo)} words, thresholds {thresholds}"
    return SensitiveRelearned(rows, model.rows(), model.meta(), learned, summary)


def write_relearn_sensitive(store: Any, result: SensitiveRelearned) -> None:
    """Store what ``compute_relearn_sensitive`` found (call inside a transaction)."""
    from hotspot.planning.sensitivity_model import META_KEY
    from hotspot.planning.sensitivity_model import SCOPE as MODEL_SCOPE

    # as ``sensitivity_model.store_model`` does, from the model's rows and meta
    store.replace_learned(MODEL_SCOPE, result.model_rows)
    store.set_meta(META_KEY, result.model_meta)
    store.replace_learned(SCOPE, result.rows)
    store.set_meta(STAMP, str(int(time.time() * 1000)))
    log.info("learned %d sensitivity terms; %s", len(result.rows), result.summary)


def relearn_sensitive(
    store: Any,
    classifier: Sensitivity | None = None,
    flag: Callable[[str], str | None] | None = None,
) -> dict[str, dict[str, tuple[float, int]]]:
    """Recompute the learned sensitivity terms from the store's history and store them
    (call inside a transaction): ``compute_relearn_sensitive`` then
    ``write_relearn_sensitive``."""
    result = compute_relearn_sensitive(store, classifier, flag)
    write_relearn_sensitive(store, result)
    return result.learned


def stored_learned(store: Any) -> dict[str, dict[str, float]]:
    """category -> term -> weight of the learned sensitivity terms in the store."""
    out: dict[str, dict[str, float]] = {}
    for scope, terms in store.learned_terms().items():
        if scope.startswith(SCOPE) and scope[len(SCOPE) :] in CATEGORIES:
            out[scope[len(SCOPE) :]] = dict(terms)
    return out
