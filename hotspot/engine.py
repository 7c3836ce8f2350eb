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
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from hotspot.analysis import events as ev
from hotspot.analysis import rising, trends
from hotspot.analysis.keywords import Segmenter, content_keywords
from hotspot.analysis.lexicon import Vertical, load_verticals
from hotspot.analysis.matcher import Document, Learned, Matcher
from hotspot.config import Config, ThemeConfig
from hotspot.ingest.normalize import normalize
from hotspot.models import Hotspot, RawItem
from hotspot.storage.store import AlertTuple, Store
from hotspot.training_child import RUNNING, TrainingChild

log = logging.getLogger(__name__)

#: Items kept from one response. A platform's hot list has about 50 entries and a busy feed
#: 100; beyond this a response is hostile or broken, and its tail is dropped (the first
#: entries are kept: a hot list's top ranks, a feed's newest entries).
MAX_ITEMS_PER_POLL = 200

MATCHED_MEMORY = (
    20_000  # item ids remembered as matched; past that, forget (matching is idempotent)
)


RISING_META = "rising_model"
TRAIN_EVERY = 86400  # the rising detector relearns daily (the daemon's hourly job checks)
TRAIN_DAYS = 7  # of history it learns from (memory stays flat however long the daemon runs)
FOLLOW_UP_QUIET = 86400  # a story silent this long that comes back is a follow-up
FOLLOW_UP_AGE = 6 * 3600  # a new platform or a new peak this long after the start, too


@dataclass(slots=True)
class IngestResult:
    items: int = 0
    new_items: int = 0
    alert_ids: list[int] = field(default_factory=list)
    rising_events: list[int] = field(default_factory=list)
    follow_ups: list[int] = field(default_factory=list)
    estimated_events: list[int] = field(default_factory=list)  # got a chance this poll


def theme_key(account: str, theme: ThemeConfig) -> str:
    """A stable fingerprint of one account's theme definition (what it matches on)."""
    import hashlib

    text = repr(
        (
            account,
            theme.name,
            theme.keywords,
            theme.synonyms,
            theme.exclude,
            theme.required,
            sorted(theme.weights.items()),
            theme.min_score,
            theme.verticals,
            theme.exclude_verticals,
            theme.expand,
        )
    )
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


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
    """What relearning stored: expansions (``v:``/``t:``), demotions (``d:``), short-word
    factors (``a:``) and self-refreshing entities (``e:``, folded into their vertical's
    learned terms: ``learn.merge_entities``)."""
    from hotspot.analysis.learn import merge_entities

    terms: dict[str, dict[str, float]] = {}
    demoted: dict[str, dict[str, float]] = {}
    alone: dict[str, dict[str, float]] = {}
    entities: dict[str, dict[str, float]] = {}
    for scope, entries in store.learned_terms().items():
        if scope.startswith("d:"):
            demoted[scope[2:]] = entries
        elif scope.startswith("a:"):
            alone[scope[2:]] = entries
        elif scope.startswith("e:"):
            entities[scope] = entries
        else:
            terms[scope] = entries
    learned = Learned(terms=terms, demoted=demoted, alone=alone, feedback=load_feedback(store))
    return merge_entities(learned, entities)


def load_feedback(store: Store) -> dict[tuple[str, str], dict[str, tuple[int, int]]]:
    """(account, theme) -> evidence term -> (alerts judged irrelevant, alerts judged useful
    or chased), from each alert's current verdict. A verdict that names a ``term`` is about
    that term; otherwise it is about every evidence term of the alert."""
    newest: dict[int, dict] = {}
    for row in store.feedback():
        newest[row["alert_id"]] = row  # rows come oldest first
    out: dict[tuple[str, str], dict[str, list[int]]] = {}
    for row in newest.values():
        if row["term"]:
            terms = [row["term"]]
        else:
            try:
                terms = json.loads(row.get("alert_terms") or "[]")
            except ValueError:
                terms = []
        slot = 0 if row["verdict"] == "irrelevant" else 1
        scope = out.setdefault((row["account"], row["theme"]), {})
        for term in terms:
            scope.setdefault(term, [0, 0])[slot] += 1
    return {key: {t: (c[0], c[1]) for t, c in terms.items() if c[0]} for key, terms in out.items()}


def load_baseline(store: Store) -> trends.Baseline:
    raw = store.meta("trend_baseline")
    try:
        return trends.Baseline.from_dict(json.loads(raw) if raw else None)
    except (ValueError, TypeError, AttributeError):
        log.warning("stored trend baseline is unreadable; using defaults until relearned")
        return trends.Baseline()


def load_rising_models(store: Store) -> dict[str, rising.PlatformModel]:
    raw = store.meta(RISING_META)
    if not raw:
        return {}
    try:
        return rising.models_from_dict(json.loads(raw))
    except Exception:  # a corrupt or foreign model must not stop the daemon
        log.warning("stored rising model is unreadable; using the percentile rule until retrained")
        return {}


#: ``undated_before`` on a feed's first poll: every undated entry is backlog.
FIRST = 2**62


class Engine:
    """Segmenter + matcher + store, built once per daemon (or per CLI write command).

    It also keeps the live trend state: one ``trends.Track`` per recently seen event and the
    rising detector's ``Tracker`` (the last half hour of each item), so the trend refresh after
    a poll is incremental; both forget what has not been seen for ``trends.GONE_AFTER``.
    """

    def __init__(
        self,
        store: Store,
        themes: Sequence[tuple[str, ThemeConfig]],
        verticals: Sequence[Vertical] | None = None,
    ):
        self.store = store
        store.keep_caches()  # the engine is the writer: what ingest reads stays in memory
        self.verticals = tuple(verticals if verticals is not None else load_verticals())
        self.themes = list(themes)
        self.learned = load_learned(store)
        self.segmenter = build_segmenter(t for _, t in self.themes)
        self.matcher = Matcher(self.themes, self.verticals, self.learned)
        self._title_events: dict[str, int] | None = None
        self._matched: set[str] = set()  # item ids matched by the current matcher
        self.baseline = load_baseline(store)
        self._epochs: dict[tuple[str, str], int] | None = None  # read at the first ingest
        self.tracks: dict[int, trends.Track] = {}
        self.tracker = rising.Tracker()
        self.models = load_rising_models(store)
        self._models_raw = store.meta(RISING_META)  # what ``models`` was parsed from
        self.trained_at = int(store.meta("rising_trained_at") or 0)
        self._training: TrainingChild | None = None  # the daemon's running training child
        self._forgot_at = 0
        self.sample: trends.BaselineSample | None = None  # see follow_baseline

    def follow_baseline(self) -> trends.BaselineSample:
        """Gather the trend baseline's sample poll by poll from now on (seeded with the
        stored history), so an hourly relearn need not re-read every sighting."""
        sample = trends.BaselineSample()
        for item_id, platform, at, rank, heat in self.store.observation_rows():
            sample.add(platform, item_id, at, rank, heat)
        self.sample = sample
        return sample

    @classmethod
    def from_config(cls, config: Config, store: Store) -> Engine:
        return cls(store, theme_pairs(config), load_verticals(config.lexicons))

    def reload(self, themes: Sequence[tuple[str, ThemeConfig]]) -> None:
        """New themes (SIGHUP) or new learned terms: rebuild the matcher, keep the segmenter."""
        themes = list(themes)
        learned = load_learned(self.store)
        self.segmenter.add_words(w for _, t in themes for w in (*t.keywords, *t.synonyms))
        if themes != self.themes or learned != self.learned or not self.store.caching:
            # building the index costs a tenth of a second; an hourly relearn that changed
            # nothing keeps the one it has
            self.matcher = Matcher(themes, self.verticals, learned)
        self.themes, self.learned = themes, learned
        self._matched = set()  # a new matcher generation looks at every item again
        self.baseline = load_baseline(self.store)
        if self.store.meta(RISING_META) != self._models_raw:  # parsing boosters costs
            self.models = load_rising_models(self.store)
            self._models_raw = self.store.meta(RISING_META)
        self._epochs = None

    def _refresh_epochs(self) -> dict[tuple[str, str], int]:
        """Record, for every theme definition not seen before, the newest stored item id at
        the time it first appeared ("epoch"): older items were never matched against it."""
        try:
            stored = json.loads(self.store.meta("theme_epochs") or "{}")
        except ValueError:
            stored = {}
        latest = None
        epochs: dict[tuple[str, str], int] = {}
        for account, theme in self.themes:
            key = theme_key(account, theme)
            if key not in stored:
                if latest is None:
                    row = self.store.execute("SELECT MAX(rowid) FROM items").fetchone()
                    latest = int(row[0] or 0)
                stored[key] = latest
            epochs[(account, theme.name)] = int(stored[key])
        self.store.set_meta("theme_epochs", json.dumps(stored, sort_keys=True))
        return epochs

    def _realert_accounts(self, rowid: int, theme: str, accounts: Sequence[str]) -> list[str]:
        """Of the accounts matching ``theme`` on an item stored before this poll, those whose
        theme the item has never been matched against: defined (or changed) after it was
        stored.

        The rule for old items (``README``: "Re-alerting"): an item is matched against a
        theme definition once, by the matcher that first sees them together. Relearning,
        event context growing, a restart or a re-import never alert it again; a new or
        changed theme (other keywords, another ``min_score``) is the operator asking, and
        matches the items stored before it.
        """
        epochs = self._epochs or {}
        return [a for a in accounts if rowid <= epochs.get((a, theme), 0)]

    def learn_unlinked_themes(self) -> None:
        """From the stored history: themes no lexicon covers learn the words that co-occur
        with their own keywords (``learn.learn_theme``), and every theme learns which of its
        keywords are generic alone (``learn.keyword_alone_factors``). Used by match/eval and
        after the daemon's hourly relearn."""
        from hotspot.analysis.learn import keyword_alone_factors, learn_theme

        unlinked = [t for a, t in self.themes if t.expand and not self.matcher.linked(a, t.name)]
        if self.store.count("items") == 0:
            return
        docs = list(self.store.iter_learning_documents())
        alone = keyword_alone_factors((t for _, t in self.themes), docs, self.matcher)
        self.learned = replace(self.learned, keyword_alone=alone)
        terms = dict(self.learned.terms)
        flag = self.segmenter.word_flag
        for t in unlinked:
            found = learn_theme(t, docs, self.matcher, flag=flag)
            terms[f"t:{t.name}"] = {w: s.weight for w, s in found.items()}
        self.learned = replace(self.learned, terms=terms)
        self.matcher = Matcher(self.themes, self.verticals, self.learned)
        self._matched = set()

    def document(
        self,
        title: str,
        summary: str | None = None,
        category: str | None = None,
        platform: str | None = None,
        title_tokens: list[str] | None = None,
        *,
        in_context: bool = False,
    ) -> Document:
        """A document to match; ``in_context``: when the title is already stored, the other
        items of its event (the same story on other platforms) are its context."""
        persons: list[str] = []
        if title_tokens is None:
            title_tokens, persons = self.segmenter.analyse(title)
        context: list[list[str]] = []
        if in_context:
            if self._title_events is None:
                self._title_events = self.store.title_events()
            event_id = self._title_events.get(title)
            if event_id is not None:
                context = [
                    t for t in self.store.event_siblings(event_id) if t != list(title_tokens)
                ]
        return Document(
            title_tokens=title_tokens,
            summary_tokens=self.segmenter.tokens(summary) if summary else (),
            title=title,
            summary=summary or "",
            category=category,
            platform=platform,
            persons=persons,
            context=context,
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
        if len(raw_items) > MAX_ITEMS_PER_POLL:
            log.warning(
                "source %s: %d items in one response; keeping the first %d "
                "(the top of the list, as the platform orders it)",
                source,
                len(raw_items),
                MAX_ITEMS_PER_POLL,
            )
            raw_items = raw_items[:MAX_ITEMS_PER_POLL]
        hotspots: dict[str, Hotspot] = {}
        for raw in raw_items:
            h = normalize(
                raw, source=source, platform=platform, observed_at=observed_at, keyed=keyed
            )
            if h is not None and h.id not in hotspots:
                hotspots[h.id] = h
        if self._epochs is None:  # before anything is stored under these theme definitions
            self._epochs = self._refresh_epochs()
        self.store.sync_caches()
        known = self.store.known_items(list(hotspots))
        result = IngestResult(items=len(hotspots), new_items=len(hotspots) - len(known))
        sightings: dict[int, tuple[str, int | None]] = {}
        event_of: dict[str, int] = {}
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
                event_of[hid] = event_id
                if h.is_ad or hid in self._matched:  # ads are never alerted
                    continue
                if oldest is not None and h.published and h.published.timestamp() < oldest:
                    continue  # published too long ago (max_age): stored, never alerted
                if (
                    h.published is None
                    and undated_before is not None
                    and (first_seen <= undated_before if k is not None else undated_before >= FIRST)
                ):
                    # undated and there since the feed's first poll. Compared by what is new
                    # in this poll, not by the clock alone: two polls can fall in one second.
                    continue
                to_match.append((h, event_id, tokens, summary_tokens, persons))
            self.store.observe_many(list(hotspots.values()), at)
            if self.sample is not None:
                for h in hotspots.values():
                    self.sample.add(platform, h.id, at, h.rank, h.heat)
            self.store.touch_events(sightings, at)
            # the accounts of one theme definition share one match: its terms and
            # explanation are built (and encoded) once, the poll's alerts inserted together
            rows: list[AlertTuple] = []
            for h, event_id, tokens, summary_tokens, persons in to_match:
                doc = Document(
                    title_tokens=tokens,
                    summary_tokens=summary_tokens or (),
                    title=h.title,
                    summary=h.summary or "",
                    category=h.category,
                    platform=platform,
                    persons=persons,
                    context=self.store.event_siblings(event_id, h.id),
                )
                for m, group in self.matcher.match_groups(doc):
                    accounts: Sequence[str] = group
                    if h.id in known:
                        accounts = self._realert_accounts(known[h.id].rowid, m.theme, group)
                    terms, explanation = m.terms, m.explanation()
                    rows.extend(
                        [
                            (a, m.theme, event_id, h.id, m.score, terms, explanation, at)
                            for a in accounts
                        ]
                    )
            result.alert_ids.extend(self.store.insert_alerts(rows))
            if with_trends:
                result.rising_events, result.follow_ups, result.estimated_events = self._trend_poll(
                    platform, hotspots, event_of, at
                )
        # only after the commit: a rolled-back poll must be matched again
        if len(self._matched) > MATCHED_MEMORY:
            self._matched.clear()
        self._matched.update(m[0].id for m in to_match)
        return result

    def _trend_poll(
        self, platform: str, hotspots: dict[str, Hotspot], event_of: dict[str, int], at: int
    ) -> tuple[list[int], list[int], list[int]]:
        """Fold one poll into the live trend state; (rising, follow-up, estimated) events."""
        entries = [
            rising.Entry(h.id, h.rank, h.heat, h.category, event_of[h.id])
            for h in hotspots.values()
            if h.rank is not None and not h.pinned
        ]
        seen = self.tracker.snapshot(platform, at, entries)
        model = self.models.get(platform)
        estimates: dict[int, rising.Estimate] = {}
        if model is not None:
            for s, e in zip(seen, rising.estimate(model, seen)):
                if e is not None and (
                    s.group not in estimates or e.chance > estimates[s.group].chance
                ):
                    estimates[s.group] = e
        new_obs: dict[int, list[tuple]] = {}
        for hid, h in hotspots.items():
            new_obs.setdefault(event_of[hid], []).append((platform, at, h.rank, h.heat))
        follow_ups = self._follow_ups(new_obs, at)
        rising_ids = self.refresh_trends(
            list(new_obs), at, new_obs, estimates, learned=model is not None
        )
        if at - self._forgot_at >= 3600:
            self.forget(at)
        return rising_ids, follow_ups, list(estimates)

    def _follow_ups(self, new_obs: dict[int, list[tuple]], at: int) -> list[int]:
        """Events that come back: after a quiet day, on a new platform, or at a new peak
        well after they began. Judged against the track before this poll is added; for an
        event the engine forgot (quiet for ``trends.GONE_AFTER``), against its whole stored
        history (``Store.event_spans``), so a story back after seven hours on a new platform
        is a follow-up whether or not the engine still held it."""
        out = []
        untracked = [e for e in new_obs if e not in self.tracks or self.tracks[e].first is None]
        spans = self.store.event_spans(untracked, at) if untracked else {}
        for event_id, obs in new_obs.items():
            t = self.tracks.get(event_id)
            if t is not None and t.first is not None:
                first, last = t.first, t.last
                best = {p: v.best for p, v in t.platforms.items()}
            elif event_id in spans:
                per = spans[event_id]
                first = min(v[0] for v in per.values())
                last = max(v[1] for v in per.values())
                best = {p: v[2] for p, v in per.items()}
            else:
                continue  # never seen before this poll: new, not back
            why = None
            if at - last >= FOLLOW_UP_QUIET:
                why = "沉寂一天后再度上榜"
            elif at - first >= FOLLOW_UP_AGE:
                for platform, _, rank, _ in obs:
                    if platform not in best:
                        why = f"新平台：{rising.PLATFORM_NAMES.get(platform, platform)}"
                    elif _new_peak(rank, best[platform]):
                        why = f"创新高：第 {rank} 名"
            if why:
                self.store.mark_follow_up(event_id, at, why)
                out.append(event_id)
        return out

    def refresh_trends(
        self,
        event_ids: Iterable[int],
        at: int,
        new_obs: dict[int, list[tuple]] | None = None,
        estimates: dict[int, rising.Estimate] | None = None,
        learned: bool = False,
    ) -> list[int]:
        """Recompute the trend of these events as of ``at``; returns those rising.

        Events the engine tracks take this poll's sightings (``new_obs``); others are read
        from the store once (the last ``trends.HISTORY``). With ``learned`` (the platform has
        a model) the detector's flag decides *rising*, else the percentile rule does."""
        ids = list(event_ids)
        missing = [e for e in ids if new_obs is None or e not in self.tracks]
        for event_id, obs in self.store.event_tracks(missing, at - trends.HISTORY).items():
            track = trends.Track()
            for o in obs:
                track.add(*o)
            self.tracks[event_id] = track
        estimates = estimates or {}
        rows, rising_ids = [], []
        for event_id in ids:
            track = self.tracks[event_id]
            if new_obs is not None and event_id not in missing:
                for o in new_obs.get(event_id, ()):
                    track.add(*o)
            est = estimates.get(event_id)
            override = (est is not None and est.flagged) if learned else None
            t = track.trend(at, self.baseline, override)
            trend = t.as_dict()
            estimate = est.as_dict() if est is not None else None
            if estimate is not None:
                trend["estimate"] = estimate
            rows.append((event_id, t.state, trend, at if t.rising else None, estimate))
            if t.rising:
                rising_ids.append(event_id)
        self.store.refresh_events(rows)
        return rising_ids

    def forget(self, at: int) -> None:
        """Drop trend state of events not seen for ``trends.GONE_AFTER`` (memory stays flat)."""
        cutoff = at - trends.GONE_AFTER
        for e in [e for e, t in self.tracks.items() if t.last < cutoff]:
            del self.tracks[e]
        self.tracker.forget(cutoff)
        self._forgot_at = at

    def retrain_due(self, at: int) -> bool:
        """The last training is ``TRAIN_EVERY`` old, or the stored model was made for other
        features."""
        return at - self.trained_at >= TRAIN_EVERY or (not self.models and self._stale_model())

    def maybe_retrain(self, at: int) -> bool:
        """Relearn the rising detector in this process when it is due (``retrain_due``)."""
        if not self.retrain_due(at):
            return False
        self.retrain(at)
        return True

    def _stale_model(self) -> bool:
        raw = self.store.meta(RISING_META)
        if not raw:
            return False
        try:
            stored = json.loads(raw).get("platforms", {})
        except (ValueError, AttributeError):
            return True
        return any(m.get("features") != list(rising.FEATURES) for m in stored.values())

    def retrain(self, at: int, *, child: bool = False) -> dict[str, rising.PlatformModel]:
        """Learn the rising detector from the last ``TRAIN_DAYS`` of stored sightings
        (``train_from_store``), store it in meta and use it from the next poll.

        With ``child`` the training runs in a short-lived process (``python -m
        hotspot.trainer``, see ``hotspot.training_child``) and this call waits for it; the
        daemon uses ``start_retrain`` and ``collect_retrain`` instead, so that it polls on while
        the child trains. The child reads the store, writes the model to a file and exits,
        so the daemon's own peak memory never carries the training replay and LightGBM's
        datasets: it only loads the boosters. The model is the same either way (LightGBM is
        seeded and single-threaded). A failed child keeps the old model. Without ``child``
        (``import --live``, tests) it trains in this process."""
        if child and self._child_can_train():
            data = TrainingChild(self.store.path, at, TRAIN_TIMEOUT).wait()
            if data is not None:
                self._adopt(at, data)
            return self.models
        models = train_from_store(self.store, at)
        self._store_models(at, models, json.dumps(rising.models_as_dict(models)))
        return models

    def start_retrain(self, at: int) -> bool:
        """When the detector is due and no training runs yet, start the daily training in a
        child process and return at once (True when one was started). ``collect_retrain``
        adopts its model when it is done. A store with no sighting has nothing to learn: the
        percentile rule is set in this process, no child is started for it."""
        if self._training is not None or not self.retrain_due(at):
            return False
        if not self._child_can_train():
            self.retrain(at)
            return False
        self._training = TrainingChild(self.store.path, at, TRAIN_TIMEOUT)
        log.info("rising detector training started in a child process (until %d)", at)
        return True

    def collect_retrain(self) -> bool:
        """Adopt the model of a finished training child (True when a new model was adopted).
        Cheap while the child runs: one ``waitpid``. A failed or overdue child is given up and
        the old model stays; the next hourly check starts another one."""
        job = self._training
        if job is None:
            return False
        data = job.result()
        if data is RUNNING:
            return False
        self._training = None
        if data is None:
            return False
        self._adopt(job.at, data)  # type: ignore[arg-type]
        return True

    def stop_training(self) -> None:
        """Stop a running training child (the daemon is stopping); the old model stays."""
        if self._training is not None:
            self._training.cancel()
            self._training = None

    def _child_can_train(self) -> bool:
        return str(self.store.path) != ":memory:" and self.store.has_observations()

    def _adopt(self, at: int, data: dict) -> None:
        data = dict(data)
        data.pop("peak_rss_mb", None)
        self._store_models(at, rising.models_from_dict(data), json.dumps(data))

    def _store_models(self, at: int, models: dict[str, rising.PlatformModel], raw: str) -> None:
        with self.store.transaction():  # joins the caller's, if any
            self.store.set_meta(RISING_META, raw)
            self.store.set_meta("rising_trained_at", str(at))
        self.trained_at = at
        self.models, self._models_raw = models, raw
        log.info(
            "rising detector trained until %d: %s",
            at,
            ", ".join(f"{p} (threshold {m.threshold:.2f})" for p, m in models.items())
            or "not enough history yet (percentile rule)",
        )

    def link_post(self, title: str, summary: str | None, at: int) -> list[tuple[int, float]]:
        """The events a benchmark post published at ``at`` covers (see planning.benchmarks):
        its title and the start of its summary against the events seen in the window."""
        from hotspot.planning.benchmarks import link

        tokens, _ = self.segmenter.analyse(title)
        if summary:
            tokens = tokens + self.segmenter.tokens(summary[:SUMMARY_CHARS])
        terms = content_keywords(tokens)[: 2 * ev.MAX_EVENT_TERMS]
        since = at - ev.WINDOW
        rows = self.store.candidate_events(terms, since, self.store.oldest_recent_event(since))
        candidates = [
            ev.Candidate(r["id"], r["title"], frozenset(r["terms"].split())) for r in rows
        ]
        return link(title, terms, candidates)

    def _assign_event(self, h: Hotspot, tokens: list[str], at: int, window: _Window) -> int:
        terms = content_keywords(tokens)[: ev.MAX_EVENT_TERMS]
        candidates = self.store.recent_candidates(terms, window.since, window.oldest())
        chosen = ev.choose_event(h.title, terms, candidates)
        if chosen is not None:
            return chosen
        event_id = self.store.create_event(h.title, at, terms)
        window.created(event_id)
        return event_id


def train_from_store(store: Store, at: int) -> dict[str, rising.PlatformModel]:
    """The rising detector learned from the last ``TRAIN_DAYS`` of stored sightings before
    ``at``, replayed through a fresh ``Tracker`` exactly as they were polled: two streaming
    passes (outcomes, then features; at most ``rising.PER_TITLE`` kept per item), so memory
    does not grow with the days. Platforms without enough history get no model (the
    percentile rule stays)."""
    since = at - TRAIN_DAYS * 86400
    labeller = rising.Labeller()
    for platform, observed_at, item_id, rank, *_ in store.snapshot_rows(since):
        if observed_at >= at:
            break
        labeller.outcome(platform, item_id, observed_at, rank)
    tracker = rising.Tracker()
    key: tuple[str, int] | None = None
    batch: list[rising.Entry] = []
    for platform, observed_at, item_id, rank, heat, category, event_id in store.snapshot_rows(
        since
    ):
        if observed_at >= at:
            break
        if (platform, observed_at) != key:
            if key is not None:
                for s in tracker.snapshot(key[0], key[1], batch):
                    labeller.add(s)
            key, batch = (platform, observed_at), []
        if rank is not None:
            batch.append(rising.Entry(item_id, rank, heat, category, event_id))
    if key is not None:
        for s in tracker.snapshot(key[0], key[1], batch):
            labeller.add(s)
    del tracker
    return rising.train(labeller.out, trained_until=at, previous=stored_choices(store))


def stored_choices(store: Store) -> dict[str, dict]:
    """platform -> the ``chosen`` of the stored model (which candidate the last weekly
    cross-validation picked, and when: ``rising.train`` keeps it for a week), read from the
    meta JSON without building boosters; {} when there is none or it is unreadable or made
    for other features."""
    try:
        stored = json.loads(store.meta(RISING_META) or "{}").get("platforms", {})
        return {
            p: dict(m.get("chosen") or {})
            for p, m in stored.items()
            if m.get("features") == list(rising.FEATURES)
        }
    except (ValueError, AttributeError, TypeError):
        return {}


def _new_peak(rank: int | None, best: int | None) -> bool:
    """A top-3 rank better than the platform's best so far."""
    return rank is not None and best is not None and rank < best and rank <= 3


TRAIN_TIMEOUT = 1800.0  # seconds a training child may take before it is given up


SUMMARY_CHARS = 200  # a post's summary beyond its lead is about other things


class _Window:
    """The recent-events window of one poll: its oldest event id is looked up once."""

    def __init__(self, store: Store, since: int):
        self.since = since
        self._store = store
        self._oldest: int | None = None
        self._looked = False

    def oldest(self) -> int | None:
        if not self._looked:
            self._oldest = self._store.recent_oldest(self.since)
            self._looked = True
        return self._oldest

    def created(self, event_id: int) -> None:
        """A new event of this poll is recent too."""
        if self.oldest() is None:
            self._oldest = event_id
