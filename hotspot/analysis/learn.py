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
* Self-refreshing entities (``learn_entities``): a name (person, proper noun, a work's title
  in 《》) that two independent, differently worded sources show beside a vertical's
  distinctive evidence is a learned term of it at the next relearn, without waiting for
  three events, and fades with a half-life of ``ENTITY_HALF_LIFE_DAYS``.
"""

from __future__ import annotations

import logging
import math
import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from hotspot.analysis.keywords import content_keywords, learnable
from hotspot.analysis.lexicon import Vertical, term_key
from hotspot.analysis.matcher import (
    Document,
    Learned,
    Matcher,
    is_short,
    link_verticals,
    noisy_or,
)
from hotspot.config import ThemeConfig

log = logging.getLogger(__name__)

MIN_SUPPORT = 5
MIN_EVENTS = 3  # a learned term must come from at least this many distinct events
HALF_LIFE_DAYS = 7.0
FRAGMENT_SHARE = 0.8
MIN_LEARNED = 0.1  # a faded term below this weight is forgotten
MIN_PRECISION = 0.6
MAX_LEARNED = 0.65
POSITIVE = 0.6
SENSE_MIN_DOCS = 8
SENSE_FOREIGN_SHARE = 0.6
SENSE_FLOOR = 0.4
DISTINCT_MIN_DOCS = 10  # below this, history says nothing about a term's ambiguity
DISTINCT_SHARE = 0.3  # a term seen with its vertical's other evidence this often is distinctive
DISTINCT_FLOOR = 0.5
# self-refreshing entities (names of people, works, products): see ``learn_entities``
ENTITY_MIN_SOURCES = 2  # independent sightings: distinct (platform, event) pairs
ENTITY_MIN_PRECISION = 0.6
ENTITY_MAX = 0.65
ENTITY_HALF_LIFE_DAYS = 2.0
ENTITY_STRONG = 0.7  # a lexicon term this strong (or the platform's tag) is distinctive
ENTITY_FLAGS = frozenset({"nr", "nrt", "nrfg", "nz", "eng"})
_WORK = re.compile(r"《([^《》]{2,12})》")


def _weight(support: int, precision: float) -> float:
    return round(MAX_LEARNED * precision * min(1.0, math.log2(1 + support) / 3), 4)


class Neighbours:
    """Which lone character stands next to a word in history: a word that nearly always has
    the same one beside it is a fragment of a longer name jieba split (丁禹|兮, 泽|连斯基)."""

    def __init__(self) -> None:
        self.count: Counter[str] = Counter()
        self.left: dict[str, Counter[str]] = {}
        self.right: dict[str, Counter[str]] = {}

    def add(self, tokens: Sequence[str]) -> None:
        for i, tok in enumerate(tokens):
            if len(tok) < 2:
                continue
            self.count[tok] += 1
            # a lone character beside it is what a split name leaves (丁禹|兮, 米哈|游)
            if i > 0 and len(tokens[i - 1]) == 1 and tokens[i - 1].isalpha():
                self.left.setdefault(tok, Counter())[tokens[i - 1]] += 1
            if i + 1 < len(tokens) and len(tokens[i + 1]) == 1 and tokens[i + 1].isalpha():
                self.right.setdefault(tok, Counter())[tokens[i + 1]] += 1

    def fragment(self, word: str) -> bool:
        n = self.count[word]
        if n < 3:
            return False
        for side in (self.left, self.right):
            top = side.get(word, Counter()).most_common(1)
            if top and top[0][1] >= FRAGMENT_SHARE * n:
                return True
        return False


def _fade(age_seconds: float) -> float:
    """Learned entities fade: half the weight for every ``HALF_LIFE_DAYS`` since last seen."""
    return 0.5 ** (max(0.0, age_seconds) / 86400 / HALF_LIFE_DAYS)


_LEXICON_MATCHER: list = []  # [(verticals, Matcher, evidence memo)] inside reuse_lexicon()
EVIDENCE_KEPT = 20_000  # titles whose lexicon evidence is remembered between relearns


@contextmanager
def reuse_lexicon(keep: bool = True) -> Iterator[None]:
    """Within this block, relearning builds the theme-less lexicon matcher once per set of
    vertical objects and remembers, between relearns (a live replay relearns every simulated
    hour over mostly the same titles), each title's lexicon evidence and what it adds to
    vertical learning (``_summary``), each sighting's candidate names and the words' tags
    (``_entity_memo``): all pure functions of the title, so the learned terms are those
    of relearning afresh. Outside it (or with ``keep`` false) nothing is kept: the daemon
    relearns once an hour and would rather have the memory back."""
    if not keep:
        yield
        return
    _LEXICON_MATCHER[:] = [None]
    try:
        yield
    finally:
        _LEXICON_MATCHER.clear()
        _LEXICON_PARTS.clear()
        _LEXICON_FIXED.clear()
        _SUMMARIES.clear()
        _FLAGS.clear()


def _lexicon_matcher(verticals: Sequence[Vertical]) -> tuple[Matcher, dict]:
    key = tuple(verticals)
    if _LEXICON_MATCHER and _LEXICON_MATCHER[0] is not None:
        known, matcher, memo = _LEXICON_MATCHER[0]
        if len(known) == len(key) and all(a is b for a, b in zip(known, key)):
            return matcher, memo
    matcher, memo = Matcher([], key), {}
    if _LEXICON_MATCHER:
        _LEXICON_MATCHER[0] = (key, matcher, memo)
    return matcher, memo


def _parts(known: Iterable[str]) -> set[str]:
    """The heads (2 characters or more) and tails of every name of 3 characters or more,
    the name itself left out."""
    parts: set[str] = set()
    for k in known:
        if len(k) >= 3:
            parts.update(k[:i] for i in range(2, len(k)))
            parts.update(k[i:] for i in range(1, len(k) - 1))
    return parts


_LEXICON_PARTS: list = []  # [(verticals, terms, parts)], kept like the lexicon matcher


def _lexicon_parts(verticals: Sequence[Vertical]) -> tuple[set[str], set[str]]:
    """Every lexicon term, and ``_parts`` of them: the same for every relearn of one import
    (inside ``reuse_lexicon`` built once, 2 s of a live replay's 96 relearns otherwise)."""
    key = tuple(verticals)
    for known, terms, parts in _LEXICON_PARTS:
        if len(known) == len(key) and all(a is b for a, b in zip(known, key)):
            return terms, parts
    terms = {t for v in verticals for t in v.terms}
    parts = _parts(terms)
    if _LEXICON_MATCHER:  # inside reuse_lexicon
        _LEXICON_PARTS[:] = [(key, terms, parts)]
    return terms, parts


def _evidence_of(
    base: Matcher, memo: dict, tokens: Sequence[str], category: str | None
) -> dict[str, dict[str, float]]:
    """``base.vertical_evidence`` of a title, remembered in ``memo`` (read-only result)."""
    key = (tuple(tokens), category)
    ev = memo.get(key)
    if ev is None:
        ev = base.vertical_evidence(Document(title_tokens=tokens, category=category))
        if len(memo) >= EVIDENCE_KEPT:
            memo.clear()
        memo[key] = ev
    return ev


@dataclass(frozen=True, slots=True)
class _Fixed:
    """What ``learn_verticals`` reads of the lexicon on every relearn: the same for all
    relearns of one import (built once inside ``reuse_lexicon``)."""

    terms: dict[str, frozenset[str]]  # vertical id -> its lexicon terms
    strong: frozenset[str]  # every vertical's terms of weight >= 0.7
    entity_strong: tuple[tuple[str, frozenset[str]], ...]  # per vertical, >= ENTITY_STRONG


_LEXICON_FIXED: list = []  # [(verticals, _Fixed)], kept like the lexicon matcher
_SUMMARIES: list = []  # [(verticals, {(tokens, category): summary})], likewise
_SUPPORTED, _FOREIGN = 1, 2


def _same(known: Sequence[Any], key: Sequence[Any]) -> bool:
    return len(known) == len(key) and all(a is b for a, b in zip(known, key))


def _lexicon_fixed(verticals: Sequence[Vertical]) -> _Fixed:
    key = tuple(verticals)
    for known, fixed in _LEXICON_FIXED:
        if _same(known, key):
            return fixed
    fixed = _Fixed(
        {v.id: frozenset(v.terms) for v in verticals},
        frozenset(t for v in verticals for t, w in v.terms.items() if w >= 0.7),
        tuple(
            (v.id, frozenset(t for t, w in v.terms.items() if w >= ENTITY_STRONG))
            for v in verticals
        ),
    )
    if _LEXICON_MATCHER:  # inside reuse_lexicon
        _LEXICON_FIXED[:] = [(key, fixed)]
    return fixed


def _summaries(verticals: Sequence[Vertical]) -> dict:
    key = tuple(verticals)
    for known, kept in _SUMMARIES:
        if _same(known, key):
            return kept
    memo: dict = {}
    if _LEXICON_MATCHER:  # inside reuse_lexicon
        _SUMMARIES[:] = [(key, memo)]
    return memo


def _summary(
    base: Matcher,
    memo: dict,
    summaries: dict,
    fixed: _Fixed,
    tokens: Sequence[str],
    category: str | None,
) -> tuple[set[str], list[tuple[str, set[str]]], list[tuple[str, str, int]]]:
    """What one title adds to ``learn_verticals``' counts, whatever its event and date: its
    content words, the words it adds to each vertical it is a positive of, and for each
    lexicon term found, whether other evidence of the term's vertical backs it
    (``_SUPPORTED``), strong evidence for another vertical does (``_FOREIGN``), or neither.
    A pure function of the title, so a live replay's hourly relearns over mostly the same
    titles remember it (inside ``reuse_lexicon``, at most ``EVIDENCE_KEPT`` titles)."""
    key = (tuple(tokens), category)
    hit = summaries.get(key)
    if hit is not None:
        return hit
    words = set(content_keywords(tokens))
    fresh_of: list[tuple[str, set[str]]] = []
    senses: list[tuple[str, str, int]] = []
    ev = _evidence_of(base, memo, tokens, category)
    if ev:
        strength = {vid: noisy_or(t.values()) for vid, t in ev.items()}
        top = max(strength.values())
        for vid, terms in ev.items():
            if strength[vid] >= POSITIVE and strength[vid] >= top:
                fresh_of.append((vid, words - fixed.terms[vid]))
            for term in terms:
                if term.startswith("#"):
                    continue
                without = noisy_or(x for t, x in terms.items() if t != term)
                if without >= 0.3:
                    senses.append((vid, term, _SUPPORTED))
                    continue
                # strong evidence for another vertical *without this term*: this sighting
                # is probably the other sense of the word (or an incidental mention)
                others = max(
                    (noisy_or(x for t, x in ev[v].items() if t != term) for v in ev if v != vid),
                    default=0.0,
                )
                senses.append((vid, term, _FOREIGN if others >= POSITIVE else 0))
    out = (words, fresh_of, senses)
    if _SUMMARIES:  # only inside reuse_lexicon: the daemon keeps nothing between relearns
        if len(summaries) >= EVIDENCE_KEPT:
            summaries.clear()
        summaries[key] = out
    return out


def _bump(counts: dict[str, Counter[str]], vid: str, term: str) -> None:
    c = counts.get(vid)
    if c is None:
        c = counts[vid] = Counter()
    c[term] += 1


def learn_verticals(
    docs: Iterable[tuple[Sequence[str], str | None] | tuple[Sequence[str], str | None, Any, Any]],
    verticals: Sequence[Vertical],
    flag: Callable[[str], str | None] | None = None,
    neighbours: Neighbours | None = None,
) -> Learned:
    """Docs are (tokens, category) or (tokens, category, event id, last seen timestamp).

    ``flag`` is jieba's tag of a word (``Segmenter.word_flag``); with it, only whole words
    that name things become learned terms (see ``keywords.learnable``). Support is counted in
    distinct events when docs carry them (one story repeated on four platforms is one), and a
    learned term's weight fades with the time since history last showed it. ``neighbours``:
    the docs' ``Neighbours`` when the caller has counted them already (``relearn`` counts
    them once for this and ``learn_entities``: the same items).
    """
    base, memo = _lexicon_matcher(verticals)
    fixed = _lexicon_fixed(verticals)
    summaries = _summaries(verticals)
    df: Counter[str] = Counter()
    positives: dict[str, Counter[str]] = {}
    events: dict[tuple[str, str], set[Any]] = {}
    last: dict[tuple[str, str], float] = {}
    newest = 0.0
    seen: dict[str, Counter[str]] = {}
    foreign: dict[str, Counter[str]] = {}
    supported: dict[str, Counter[str]] = {}
    own = neighbours is None
    if neighbours is None:
        neighbours = Neighbours()
    for i, doc in enumerate(docs):
        tokens, category = doc[0], doc[1]
        event = doc[2] if len(doc) > 2 and doc[2] is not None else f"doc{i}"
        when = float(doc[3]) if len(doc) > 3 and doc[3] is not None else 0.0
        newest = max(newest, when)
        if own:
            neighbours.add(tokens)
        words, fresh_of, senses = _summary(base, memo, summaries, fixed, tokens, category)
        df.update(words)
        for vid, fresh in fresh_of:
            positives.setdefault(vid, Counter()).update(fresh)
            for word in fresh:
                events.setdefault((vid, word), set()).add(event)
                last[(vid, word)] = max(last.get((vid, word), 0.0), when)
        for vid, term, kind in senses:
            _bump(seen, vid, term)
            if kind == _SUPPORTED:
                _bump(supported, vid, term)
            elif kind == _FOREIGN:
                _bump(foreign, vid, term)
    strong_elsewhere = fixed.strong
    learned: dict[str, dict[str, float]] = {}
    for vid, counts in positives.items():
        scope = learned.setdefault(f"v:{vid}", {})
        for word, support in counts.items():
            precision = support / df[word]
            if word in strong_elsewhere:
                continue  # another vertical's own word: evidence for that one, not this
            if support < MIN_SUPPORT or precision < MIN_PRECISION:
                continue
            if len(events[(vid, word)]) < MIN_EVENTS:
                continue  # one story told many times is not a domain's vocabulary
            if flag is not None and not learnable(word, flag(word)):
                continue
            if neighbours.fragment(word):
                continue  # 丁禹 of 丁禹兮, 米哈 of 米哈游: a piece of a name jieba does not know
            w = _weight(len(events[(vid, word)]), precision) * _fade(newest - last[(vid, word)])
            if w >= MIN_LEARNED:
                scope[word] = round(w, 4)
    demoted: dict[str, dict[str, float]] = {}
    alone: dict[str, dict[str, float]] = {}
    for vid, counts in seen.items():
        for term, total in counts.items():
            bad = foreign.get(vid, Counter())[term]
            if total >= SENSE_MIN_DOCS and bad / total >= SENSE_FOREIGN_SHARE:
                demoted.setdefault(vid, {})[term] = round(max(SENSE_FLOOR, 1 - bad / total), 3)
            if total >= DISTINCT_MIN_DOCS and is_short(term):
                share = (supported.get(vid, Counter())[term] + 1) / (total + 2)
                factor = min(1.0, max(DISTINCT_FLOOR, share / DISTINCT_SHARE))
                alone.setdefault(vid, {})[term] = round(factor, 3)
    return Learned(terms=learned, demoted=demoted, alone=alone)


@dataclass(frozen=True, slots=True)
class Sighting:
    """One stored item as entity learning reads it."""

    tokens: Sequence[str]
    category: str | None
    event: Any
    platform: str
    last_seen: float
    title: str = ""
    persons: Sequence[str] = ()


def entity_candidates(s: Sighting, flag: Callable[[str], str | None] | None) -> dict[str, bool]:
    """The names in one title -> whether it is a work's title: person names jieba tags,
    words it tags as proper nouns or foreign words (``ENTITY_FLAGS``), and titles of works
    in 《》 (in ``term_key`` form, the run of tokens the matcher will see)."""
    out = {term_key(p): False for p in s.persons if len(p) >= 2}
    if flag is not None:
        for tok in content_keywords(s.tokens):
            if flag(tok) in ENTITY_FLAGS:
                out[tok] = False
    for work in _WORK.findall(s.title):
        out[term_key(work)] = True
    return {w: is_work for w, is_work in out.items() if len(w) >= 2 and not w.isdigit()}


def learn_entities(
    sightings: Iterable[Sighting],
    verticals: Sequence[Vertical],
    flag: Callable[[str], str | None] | None = None,
    now: float | None = None,
    demoted: Mapping[str, Mapping[str, float]] | None = None,
    neighbours: Neighbours | None = None,
) -> dict[str, dict[str, float]]:
    """Names that history shows with a vertical's *distinctive* evidence become evidence for
    it within a relearn, and fade within days when they go quiet.

    A sighting is *independent* per (platform, event), and the backing sightings must be
    worded differently: one story told on Weibo and on Baidu is two sources, the same
    story's three Weibo hashtags one, and one headline copied word for word by two lists one
    (a name jieba fused with a verb, 曝关晓彤, lives in one wording only). A sighting backs a vertical when,
    without the name itself, the title has that vertical's strong lexicon terms (weight >=
    ``ENTITY_STRONG``, not demoted by the sense check) or the platform's own category tag at
    >= ``POSITIVE`` strength, and no other vertical is stronger. A name becomes a learned
    entity of the vertical when ``ENTITY_MIN_SOURCES`` independent sightings back it and at
    least ``ENTITY_MIN_PRECISION`` of all its independent sightings do (a name seen as often
    beside another domain's evidence is ambiguous). Its weight grows with the sightings and
    halves every ``ENTITY_HALF_LIFE_DAYS`` since the last backing one. ``neighbours``: the
    sightings' ``Neighbours``, when the caller has counted them already."""
    demoted = demoted or {}
    flag, found_memo = _entity_memo(flag)
    base, memo = _lexicon_matcher(verticals)
    lexicon_terms, lexicon_parts = _lexicon_parts(verticals)
    strong = {
        vid: terms.difference(demoted[vid]) if demoted.get(vid) else terms
        for vid, terms in _lexicon_fixed(verticals).entity_strong
    }
    units: dict[str, set[tuple[str, Any]]] = {}
    backed: dict[tuple[str, str], set[tuple[str, Any]]] = {}
    wordings: dict[tuple[str, str], set[tuple[str, ...]]] = {}
    last: dict[tuple[str, str], float] = {}
    newest = 0.0
    own = neighbours is None
    if neighbours is None:
        neighbours = Neighbours()
    works: set[str] = set()
    for i, s in enumerate(sightings):
        newest = max(newest, s.last_seen)
        if own:
            neighbours.add(s.tokens)
        if found_memo is None:
            found = entity_candidates(s, flag)
        else:
            fkey = (tuple(s.tokens), s.title, tuple(s.persons))
            hit: dict[str, bool] | None = found_memo.get(fkey)
            if hit is None:
                if len(found_memo) >= EVIDENCE_KEPT:
                    found_memo.clear()
                hit = found_memo[fkey] = entity_candidates(s, flag)
            found = hit
        works.update(w for w, is_work in found.items() if is_work)
        names = set(found) - lexicon_terms
        if not names:
            continue
        unit = (s.platform, s.event if s.event is not None else f"doc{i}")
        for name in names:
            units.setdefault(name, set()).add(unit)
        ev = _evidence_of(base, memo, s.tokens, s.category)
        if not ev:
            continue
        distinct = {
            vid: noisy_or(w for t, w in terms.items() if t.startswith("#") or t in strong[vid])
            for vid, terms in ev.items()
        }
        overall = {vid: noisy_or(terms.values()) for vid, terms in ev.items()}
        top = max(overall.values())
        for vid, value in distinct.items():
            if value < POSITIVE or overall[vid] < top:
                continue
            for name in names:
                backed.setdefault((vid, name), set()).add(unit)
                wordings.setdefault((vid, name), set()).add(tuple(s.tokens))
                last[(vid, name)] = max(last.get((vid, name), 0.0), s.last_seen)
    # a known name fused with a verb or a neighbour (曝关晓彤, 孙颖莎胜) or a piece of a longer
    # known name (若楠 of 章若楠, 潘展 of 潘展乐) is not a new name
    parts = _parts(k for k in units if k not in lexicon_terms)  # and ``lexicon_parts``
    ref = newest if now is None else now
    out: dict[str, dict[str, float]] = {}
    for (vid, name), got in backed.items():
        n = len(got)
        if n < ENTITY_MIN_SOURCES or len(wordings[(vid, name)]) < ENTITY_MIN_SOURCES:
            continue  # one headline copied by two lists is one source
        precision = n / len(units[name])
        if precision < ENTITY_MIN_PRECISION:
            continue
        if name not in works:  # a work's title in 《》 is a name whatever jieba makes of it
            if flag is not None and not learnable(name, flag(name)):
                continue
            if name in parts or name in lexicon_parts or _fused(name, lexicon_terms):
                continue
            if neighbours.fragment(name):
                continue  # 刘诗 of 刘诗诗, 黄子 of 黄子韬
        w = ENTITY_MAX * precision * min(1.0, math.log2(1 + n) / 2)
        w *= 0.5 ** (max(0.0, ref - last[(vid, name)]) / 86400 / ENTITY_HALF_LIFE_DAYS)
        if w >= MIN_LEARNED:
            out.setdefault(f"v:{vid}", {})[name] = round(w, 4)
    return out


_FLAGS: list = []  # [(segmenter, its words_added, remembered flag, candidates memo)]


def _entity_memo(
    flag: Callable[[str], str | None] | None,
) -> tuple[Callable[[str], str | None] | None, dict | None]:
    """The flag remembered word by word, and a memo of ``entity_candidates`` per sighting
    (title, tokens, persons), or None. Inside ``reuse_lexicon``, for a segmenter's
    ``word_flag``, both are kept between relearns for as long as the segmenter has the same
    user words (a live replay's hourly relearns tag the same names every hour); otherwise
    the flag is remembered for this call only."""
    if flag is None:
        return None, None
    owner = getattr(flag, "__self__", None)
    version = getattr(owner, "words_added", None)
    func = getattr(flag, "__func__", None)
    if not _LEXICON_MATCHER or owner is None or not isinstance(version, int):
        return _memo(flag), None
    for o, f, v, cached, found in _FLAGS:
        if o is owner and f is func and v == version:
            return cached, found
    cached, found = _memo(flag), {}
    _FLAGS[:] = [(owner, func, version, cached, found)]
    return cached, found


def _memo(flag: Callable[[str], str | None]) -> Callable[[str], str | None]:
    cache: dict[str, str | None] = {}

    def cached(word: str) -> str | None:
        if word not in cache:
            cache[word] = flag(word)
        return cache[word]

    return cached


def _fused(name: str, known: set[str]) -> bool:
    """Whether ``name`` is a known term with something stuck to one edge (曝|关晓彤)."""
    return any(
        name[:i] in known or name[i:] in known
        for i in range(1, len(name))
        if len(name) - i >= 2 or i >= 2
    )


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A word history proposes for a theme, with the evidence that it is one."""

    word: str
    weight: float
    support: int  # titles with the theme's keywords that contain it
    events: int  # distinct events among them
    precision: float  # share of all titles containing it that have the theme's keywords
    examples: tuple[str, ...] = ()


def learn_theme(
    theme: ThemeConfig,
    docs: Iterable[Sequence[Any]],
    matcher: Matcher,
    flag: Callable[[str], str | None] | None = None,
    titles: Callable[[int], str] | None = None,
) -> dict[str, Suggestion]:
    """Words that co-occur with ``theme``'s own keywords, under the same guardrails as
    vertical expansion: support in ``MIN_EVENTS`` distinct events, precision on history,
    a whole naming word (``flag``), not a fragment, and not another vertical's strong term
    (京东 is e-commerce's, not 美食's). Docs are (tokens, category, event id, last seen);
    ``titles(i)`` gives the i-th doc's title for the examples shown."""
    df: Counter[str] = Counter()
    pos: Counter[str] = Counter()
    events: dict[str, set[Any]] = {}
    examples: dict[str, list[int]] = {}
    own = {w for w in (*theme.keywords, *theme.synonyms)}
    linked = {matcher.verticals[i].id for i in link_verticals(theme, matcher.verticals)}
    elsewhere = {
        t for v in matcher.verticals if v.id not in linked for t, w in v.terms.items() if w >= 0.7
    }
    neighbours = Neighbours()
    for i, doc in enumerate(docs):
        tokens = doc[0]
        event = doc[2] if len(doc) > 2 and doc[2] is not None else f"doc{i}"
        words = set(content_keywords(tokens))
        df.update(words)
        neighbours.add(tokens)
        hits = matcher.keyword_hits(Document(title_tokens=tokens))
        if any(theme.name == name for (_, name) in hits):
            fresh = words - own
            pos.update(fresh)
            for word in fresh:
                events.setdefault(word, set()).add(event)
                if len(examples.setdefault(word, [])) < 3:
                    examples[word].append(i)
    out = {}
    for word, support in pos.items():
        precision = support / df[word]
        n_events = len(events[word])
        if support < MIN_SUPPORT or precision < MIN_PRECISION or n_events < MIN_EVENTS:
            continue
        if word in elsewhere or neighbours.fragment(word):
            continue
        if flag is not None and not learnable(word, flag(word)):
            continue
        shown = tuple(titles(i) for i in examples[word]) if titles else ()
        out[word] = Suggestion(
            word, _weight(n_events, precision), support, n_events, precision, shown
        )
    return out


def keyword_alone_factors(
    themes: Iterable[ThemeConfig], docs: Iterable[Sequence[Any]], matcher: Matcher
) -> dict[str, dict[str, float]]:
    """theme name -> keyword -> factor for a keyword that history shows mostly *without* any
    other evidence of its theme (孩子, 学生, 酒店: generic words an operator lists): alone in
    a title, such a keyword counts for less; beside other evidence it counts in full.
    Keywords the theme's linked lexicons hold as strong terms are vouched for and exempt."""
    by_name = {t.name: t for t in themes}
    vouched: dict[str, set[str]] = {}
    for name, t in by_name.items():
        linked = link_verticals(t, matcher.verticals)
        vouched[name] = {
            term_key(k)
            for k in (*t.keywords, *t.synonyms)
            if any(matcher.verticals[i].terms.get(term_key(k), 0) >= 0.7 for i in linked)
        }
    seen: Counter[tuple[str, str]] = Counter()
    backed: Counter[tuple[str, str]] = Counter()
    for doc in docs:
        d = Document(title_tokens=doc[0], category=doc[1] if len(doc) > 1 else None)
        # one count per (theme, keyword) per document, however many accounts share the theme
        # (an agency's dozen food accounts must not reach DISTINCT_MIN_DOCS twelve times faster)
        here: dict[tuple[str, str], bool] = {}
        for m, _accounts in matcher.match_groups(d):
            for e in m.evidence:
                if e.via != "keyword" or e.term in vouched.get(m.theme, ()):
                    continue
                key = (m.theme, e.term)
                support = noisy_or(x.weight for x in m.evidence if x.term != e.term) >= 0.3
                here[key] = here.get(key, False) or support
        for key, support in here.items():
            seen[key] += 1
            if support:
                backed[key] += 1
    shares: dict[str, dict[str, float]] = {}
    for (theme, term), n in seen.items():
        if n >= DISTINCT_MIN_DOCS:
            shares.setdefault(theme, {})[term] = (backed[(theme, term)] + 1) / (n + 2)
    out: dict[str, dict[str, float]] = {}
    for theme, by_term in shares.items():
        typical = max(DISTINCT_SHARE, statistics.median(by_term.values()))
        for term, share in by_term.items():
            if share < typical:
                factor = max(DISTINCT_FLOOR, share / typical)
                out.setdefault(theme, {})[term] = round(factor, 3)
    return out


def stored_sightings(store) -> Iterable[Sighting]:
    """What entity learning reads of the stored items (platform, title and person names
    besides what ``iter_learning_documents`` gives)."""
    rows = store.conn.execute(
        "SELECT tokens, category, event_id, platform, last_seen, title, persons FROM items"
    )
    for tokens, category, event, platform, last_seen, title, persons in rows:
        yield Sighting(
            tokens.split(" ") if tokens else [],
            category,
            event,
            platform,
            float(last_seen),
            title or "",
            persons.split(" ") if persons else (),
        )


def merge_entities(learned: Learned, entities: Mapping[str, Mapping[str, float]]) -> Learned:
    """``learned`` with entity terms (scope ``e:<vertical>``) folded into the vertical's
    learned terms (``v:<vertical>``), the larger weight winning."""
    if not entities:
        return learned
    terms = {scope: dict(t) for scope, t in learned.terms.items()}
    for scope, found in entities.items():
        into = terms.setdefault("v:" + scope.split(":", 1)[1], {})
        for term, w in found.items():
            into[term] = max(w, into.get(term, 0.0))
    return replace(learned, terms=terms)


@dataclass(frozen=True, slots=True)
class Relearned:
    """What ``relearn`` writes, computed and not yet stored (``compute_relearn``): the trend
    baseline (JSON), the ``learned_terms`` rows of the scopes ``v:``/``d:``/``a:``/``e:``,
    and the learned terms as the matcher reads them. Plain data, so a child process can
    compute it and hand it over as JSON (``hotspot.learner``)."""

    baseline: str
    rows: list[tuple[str, str, float, int]]
    learned: Learned
    items: int  # documents read, for the log line


def compute_relearn(
    store,
    verticals: Sequence[Vertical],
    flag: Callable[[str], str | None] | None = None,
    baseline=None,
) -> Relearned:
    """Everything ``relearn`` computes from the store's history, writing nothing (the store
    may be read-only)."""
    import json

    from hotspot.analysis.trends import learn_baseline

    if baseline is None:
        baseline = learn_baseline(store.observation_series())
    baseline_json = json.dumps(baseline.as_dict())
    docs = list(store.iter_learning_documents())
    # learn_entities reads the same items (stored_sightings): their neighbours, counted once
    neighbours = Neighbours()
    for doc in docs:
        neighbours.add(doc[0])
    learned = learn_verticals(docs, verticals, flag=flag, neighbours=neighbours)
    n_docs = len(docs)
    del docs
    rows = [
        (scope, term, w, 0) for scope, terms in learned.terms.items() for term, w in terms.items()
    ]
    rows += [
        (f"d:{vid}", term, f, 0)
        for vid, terms in learned.demoted.items()
        for term, f in terms.items()
    ]
    rows += [
        (f"a:{vid}", term, f, 0)
        for vid, terms in learned.alone.items()
        for term, f in terms.items()
    ]
    entities = learn_entities(
        stored_sightings(store),
        verticals,
        flag=flag,
        demoted=learned.demoted,
        neighbours=neighbours,
    )
    rows += [
        (f"e:{scope[2:]}", term, w, 0)
        for scope, terms in entities.items()
        for term, w in terms.items()
    ]
    merged = merge_entities(learned, {f"e:{k[2:]}": v for k, v in entities.items()})
    return Relearned(baseline_json, rows, merged, n_docs)


def write_relearn(store, result: Relearned) -> None:
    """Store what ``compute_relearn`` found (call inside a transaction)."""
    rows = result.rows
    store.set_meta("trend_baseline", result.baseline)
    store.replace_learned("e:", [r for r in rows if r[0].startswith("e:")])
    store.replace_learned("a:", [r for r in rows if r[0].startswith("a:")])
    store.replace_learned("v:", [r for r in rows if r[0].startswith("v:")])
    store.replace_learned("d:", [r for r in rows if r[0].startswith("d:")])
    count = Counter(r[0][:2] for r in rows)
    log.info(
        "learned %d expansion terms, %d entities and %d demotions from %d items",
        count["v:"],
        count["e:"],
        count["d:"],
        result.items,
    )


def relearn(
    store,
    verticals: Sequence[Vertical],
    flag: Callable[[str], str | None] | None = None,
    baseline=None,
) -> Learned:
    """Recompute vertical expansions, demotions and the trend baseline from history and store
    them (``baseline``: one already learned from the same history, e.g. a live replay's
    ``trends.BaselineSample``, instead of re-reading every sighting):
    ``compute_relearn`` then ``write_relearn``."""
    result = compute_relearn(store, verticals, flag=flag, baseline=baseline)
    write_relearn(store, result)
    return result.learned
