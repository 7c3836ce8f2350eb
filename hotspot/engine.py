"""The warm processing state of a running hotspot: segmenter, matcher and store together.

``Engine.ingest`` is the whole processing path for one poll's items, after the fetch:

    normalise -> look up known items -> segment the new ones (each title once, ever)
    -> [one transaction] store item + observation -> assign event -> match every
       account x theme -> insert alerts (unique per account, theme, event) -> trend

Building an Engine loads jieba's dictionary and the lexicons (about a second); the read-only
CLI commands never build one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hotspot.analysis import events as ev
from hotspot.analysis import trends
from hotspot.analysis.keywords import Segmenter, content_keywords
from hotspot.analysis.lexicon import Vertical, load_verticals
from hotspot.analysis.matcher import Document, Learned, Matcher
from hotspot.config import Config, ThemeConfig
from hotspot.ingest.normalize import normalize
from hotspot.models import Hotspot, RawItem
from hotspot.storage.store import Store

log = logging.getLogger(__name__)

MATCHED_MEMORY = (
    20_000  # item ids remembered as matched; past that, forget (matching is idempotent)
)


@dataclass(slots=True)
class IngestResult:
    items: int = 0
    new_items: int = 0
    alert_ids: list[int] = field(default_factory=list)
    rising_events: list[int] = field(default_factory=list)


def theme_pairs(config: Config) -> list[tuple[str, ThemeConfig]]:
    return [(a.name, t) for a in config.accounts for t in a.themes]


def build_segmenter(themes: Iterable[ThemeConfig]) -> Segmenter:
    """Theme keywords become user words. Lexicon terms do not: a long lexicon entry such as
    "一杯奶茶" would swallow the operator's keyword "奶茶"; lexicon terms that jieba splits
    still match, because the matcher looks terms up over runs of whole tokens."""
    words: set[str] = set()
    for t in themes:
        words.update(t.keywords)
        words.update(t.synonyms)
    return Segmenter(sorted(words))


def load_learned(store: Store) -> Learned:
    terms: dict[str, dict[str, float]] = {}
    demoted: dict[str, dict[str, float]] = {}
    for scope, entries in store.learned_terms().items():
        if scope.startswith("d:"):
            demoted[scope[2:]] = entries
        else:
            terms[scope] = entries
    return Learned(terms=terms, demoted=demoted)


def load_baseline(store: Store) -> trends.Baseline:
    raw = store.meta("trend_baseline")
    try:
        return trends.Baseline.from_dict(json.loads(raw) if raw else None)
    except (ValueError, TypeError, AttributeError):
        log.warning("stored trend baseline is unreadable; using defaults until relearned")
        return trends.Baseline()


class Engine:
    """Segmenter + matcher + store, built once per daemon (or per CLI write command)."""

    def __init__(
        self,
        store: Store,
        themes: Sequence[tuple[str, ThemeConfig]],
        verticals: Sequence[Vertical] | None = None,
    ):
        self.store = store
        self.verticals = tuple(verticals if verticals is not None else load_verticals())
        self.themes = list(themes)
        self.learned = load_learned(store)
        self.segmenter = build_segmenter(t for _, t in self.themes)
        self.matcher = Matcher(self.themes, self.verticals, self.learned)
        self._matched: set[str] = set()  # item ids matched by the current matcher
        self.baseline = load_baseline(store)

    @classmethod
    def from_config(cls, config: Config, store: Store) -> Engine:
        return cls(store, theme_pairs(config), load_verticals(config.lexicons))

    def reload(self, themes: Sequence[tuple[str, ThemeConfig]]) -> None:
        """New themes (SIGHUP) or new learned terms: rebuild the matcher, keep the segmenter."""
        self.themes = list(themes)
        self.learned = load_learned(self.store)
        self.segmenter.add_words(w for _, t in self.themes for w in (*t.keywords, *t.synonyms))
        self.matcher = Matcher(self.themes, self.verticals, self.learned)
        self._matched = set()  # a new matcher looks at every item again
        self.baseline = load_baseline(self.store)

    def learn_unlinked_themes(self) -> None:
        """Themes no lexicon covers learn, from the stored history, the words that co-occur
        with their own keywords (see ``hotspot.analysis.learn.learn_theme``); used by match/eval."""
        from hotspot.analysis.learn import learn_theme

        unlinked = [t for a, t in self.themes if t.expand and not self.matcher.linked(a, t.name)]
        if not unlinked or self.store.count("items") == 0:
            return
        docs = [tokens for _, tokens, _, _ in self.store.iter_documents()]
        terms = dict(self.learned.terms)
        for t in unlinked:
            terms[f"t:{t.name}"] = {w: v[0] for w, v in learn_theme(t, docs, self.matcher).items()}
        self.learned = Learned(terms=terms, demoted=self.learned.demoted)
        self.matcher = Matcher(self.themes, self.verticals, self.learned)
        self._matched = set()

    def document(
        self,
        title: str,
        summary: str | None = None,
        category: str | None = None,
        platform: str | None = None,
        title_tokens: list[str] | None = None,
    ) -> Document:
        persons: list[str] = []
        if title_tokens is None:
            title_tokens, persons = self.segmenter.analyse(title)
        return Document(
            title_tokens=title_tokens,
            summary_tokens=self.segmenter.tokens(summary) if summary else (),
            title=title,
            summary=summary or "",
            category=category,
            platform=platform,
            persons=persons,
        )

    def ingest(
        self,
        source: str,
        platform: str,
        raw_items: Sequence[RawItem],
        observed_at: datetime | None = None,
        *,
        keyed: bool = False,
        with_trends: bool = True,
        max_age: float | None = None,
        undated_before: int | None = None,
    ) -> IngestResult:
        """Store one poll's items and raise alerts, all in one transaction.

        Titles and summaries are segmented once, when the item is first seen (the tokens are
        stored); an item is matched once per matcher generation (a config reload or relearn
        starts a new one), so a list that is re-polled every two minutes costs little more
        than its new entries.

        The alert gate: an item published more than ``max_age`` seconds before
        ``observed_at`` never alerts (a feed's backlog); an item without a date that was first
        seen at or before ``undated_before`` (a feed's first poll) is stored but never alerts.
        Hot lists pass neither: their entries are current by definition.
        """
        observed_at = observed_at or datetime.now(UTC)
        at = int(observed_at.timestamp())
        hotspots: dict[str, Hotspot] = {}
        for raw in raw_items:
            h = normalize(
                raw, source=source, platform=platform, observed_at=observed_at, keyed=keyed
            )
            if h is not None and h.id not in hotspots:
                hotspots[h.id] = h
        known = self.store.known_items(list(hotspots))
        result = IngestResult(items=len(hotspots), new_items=len(hotspots) - len(known))
        sightings: dict[int, tuple[str, int | None]] = {}
        window = _Window(self.store, at - ev.WINDOW)
        oldest = at - max_age if max_age else None
        with self.store.transaction():
            to_match: list[tuple[Hotspot, int, list[str], list[str] | None, list[str]]] = []
            for hid, h in hotspots.items():
                k = known.get(hid)
                first_seen = k.first_seen if k is not None else at
                if k is None:
                    tokens, persons = self.segmenter.analyse(h.title)
                    summary_tokens = self.segmenter.tokens(h.summary) if h.summary else None
                    event_id = self._assign_event(h, tokens, at, window)
                    self.store.insert_item(h, tokens, at, summary_tokens, persons, event_id)
                else:
                    tokens, summary_tokens = k.tokens, k.summary_tokens
                    persons = k.persons or []
                    if k.event_id is None:  # an item stored before it could be grouped
                        event_id = self._assign_event(h, tokens, at, window)
                        self.store.set_item_event(hid, event_id)
                    else:
                        event_id = k.event_id
                seen = sightings.get(event_id)
                best = (
                    h.rank
                    if seen is None or seen[1] is None
                    else (seen[1] if h.rank is None else min(seen[1], h.rank))
                )
                sightings[event_id] = (platform, best)
                if h.is_ad or hid in self._matched:  # ads are never alerted
                    continue
                if oldest is not None and h.published and h.published.timestamp() < oldest:
                    continue  # published too long ago (max_age): stored, never alerted
                if (
                    h.published is None
                    and undated_before is not None
                    and (first_seen <= undated_before)
                ):
                    continue  # undated and there since the feed's first poll
                to_match.append((h, event_id, tokens, summary_tokens, persons))
            self.store.observe_many(list(hotspots.values()), at)
            self.store.touch_events(sightings, at)
            for h, event_id, tokens, summary_tokens, persons in to_match:
                doc = Document(
                    title_tokens=tokens,
                    summary_tokens=summary_tokens or (),
                    title=h.title,
                    summary=h.summary or "",
                    category=h.category,
                    platform=platform,
                    persons=persons,
                )
                for m in self.matcher.match(doc):
                    alert_id = self.store.insert_alert(
                        account=m.account,
                        theme=m.theme,
                        event_id=event_id,
                        item_id=h.id,
                        score=m.score,
                        terms=m.terms,
                        explanation=m.explanation(),
                        at=at,
                    )
                    if alert_id is not None:
                        result.alert_ids.append(alert_id)
            if with_trends:
                result.rising_events = self.refresh_trends(sightings, at)
        # only after the commit: a rolled-back poll must be matched again
        if len(self._matched) > MATCHED_MEMORY:
            self._matched.clear()
        self._matched.update(m[0].id for m in to_match)
        return result

    def refresh_trends(self, event_ids: Iterable[int], at: int) -> list[int]:
        """Recompute the trend of these events as of ``at``; returns those rising."""
        rising = []
        for event_id in event_ids:
            t = trends.analyze(
                self.store.event_observations(event_id, at - trends.HISTORY), at, self.baseline
            )
            self.store.refresh_event(event_id, t.state, t.as_dict(), at if t.rising else None)
            if t.rising:
                rising.append(event_id)
        return rising

    def _assign_event(self, h: Hotspot, tokens: list[str], at: int, window: _Window) -> int:
        terms = content_keywords(tokens)[: ev.MAX_EVENT_TERMS]
        rows = self.store.candidate_events(terms, window.since, window.oldest())
        candidates = [
            ev.Candidate(r["id"], r["title"], frozenset(r["terms"].split())) for r in rows
        ]
        chosen = ev.choose_event(h.title, terms, candidates)
        if chosen is not None:
            return chosen
        event_id = self.store.create_event(h.title, at, terms)
        window.created(event_id)
        return event_id


class _Window:
    """The recent-events window of one poll: its oldest event id is looked up once."""

    def __init__(self, store: Store, since: int):
        self.since = since
        self._store = store
        self._oldest: int | None = None
        self._looked = False

    def oldest(self) -> int | None:
        if not self._looked:
            self._oldest = self._store.oldest_recent_event(self.since)
            self._looked = True
        return self._oldest

    def created(self, event_id: int) -> None:
        """A new event of this poll is recent too."""
        if self.oldest() is None:
            self._oldest = event_id
