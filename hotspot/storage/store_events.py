"""The story side of the store: events, their terms, trend refreshes and the observation
series the trend baseline learns from (mixed into ``Store``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from hotspot.analysis.events import Candidate
from hotspot.storage.columns import bigrams, chunks, like_contains, to_json
from hotspot.storage.event_index import KEPT, EventIndex

CANDIDATES_PER_TERM = 200
#: From this many titles matching the search's bigrams, ``events(search=...)`` walks the
#: events newest first and checks each one's items instead of scanning every title.
EVENT_SEARCH_SCAN_AT = 2_000


@lru_cache(maxsize=1_024)  # a handful of platform sets, folded in every poll
def _with_platform(platforms: str, platform: str) -> str:
    """An event's platforms (comma-separated, sorted) with one more."""
    names = set(platforms.split(",")) - {""}
    names.add(platform)
    return ",".join(sorted(names))


class EventStore:
    """Queries and writes about events (mixed into ``Store``)."""

    conn: sqlite3.Connection
    rows: Callable[..., list[dict[str, Any]]]  # provided by Store
    search_hits: Callable[[str, int], int]  # provided by Store
    #: the writer's in-memory copy of the grouping window (``Store.keep_caches``)
    _event_index: EventIndex | None = None
    _caching = False

    # -- the grouping window, from memory when the writer keeps it -------------------------
    def _index(self, since: int) -> EventIndex | None:
        if not self._caching:
            return None
        index = self._event_index
        if index is None or not index.covers(since):
            index = self._event_index = EventIndex(self.conn, since)
        return index

    def recent_oldest(self, since: int) -> int | None:
        """``oldest_recent_event``, from the writer's copy when it keeps one."""
        index = self._index(since)
        return index.oldest(since) if index is not None else self.oldest_recent_event(since)

    def recent_candidates(
        self,
        terms: Sequence[str],
        since: int,
        oldest: int | None,
        limit: int = 30,
        per_term: int = CANDIDATES_PER_TERM,
    ) -> list[Candidate]:
        """``candidate_events`` as ``events.Candidate`` (same rows, same order), from the
        writer's copy when the question is inside it."""
        if not terms or oldest is None:
            return []
        index = self._index(since) if per_term <= KEPT else None
        if index is not None and oldest >= index.id_floor:
            return [c for _, _, c in index.candidates(terms, since, oldest, limit, per_term)]
        return [
            Candidate(r["id"], r["title"], frozenset(r["terms"].split()))
            for r in self.candidate_events(terms, since, oldest, limit, per_term)
        ]

    def oldest_recent_event(self, since: int) -> int | None:
        """The smallest id among events seen since ``since`` (None when there is none)."""
        return self.conn.execute(
            "SELECT MIN(id) FROM events WHERE last_seen >= ?", (since,)
        ).fetchone()[0]

    def candidate_events(
        self,
        terms: Sequence[str],
        since: int,
        oldest: int | None,
        limit: int = 30,
        per_term: int = CANDIDATES_PER_TERM,
    ) -> list[dict[str, Any]]:
        """Recent events sharing at least one keyword, most shared first. ``oldest`` is
        ``oldest_recent_event(since)``: ids grow with time, so the term index is scanned
        from there on, not over the whole history. Events created later are included.

        The work is bounded: only the ``per_term`` most recent events of each keyword are
        considered, so a window where 20,000 events share one word costs what 200 do (an
        older event sharing only a very common word is not a likely match anyway)."""
        if not terms or oldest is None:
            return []
        one = "SELECT * FROM (SELECT event_id FROM event_terms WHERE term = ? AND event_id >= ? ORDER BY event_id DESC LIMIT ?)"
        union = " UNION ALL ".join([one] * len(terms))
        params: list[Any] = []
        for term in terms:
            params += [term, oldest, per_term]
        return self.rows(
            f"SELECT e.id, e.title, e.terms, e.last_seen, COUNT(*) AS shared FROM ({union}) t "
            f"JOIN events e ON e.id = t.event_id WHERE e.last_seen >= ? GROUP BY e.id "
            f"ORDER BY shared DESC, e.last_seen DESC LIMIT ?",
            [*params, since, limit],
        )

    def create_event(self, title: str, at: int, terms: Sequence[str]) -> int:
        cur = self.conn.execute(
            "INSERT INTO events (title, first_seen, last_seen, terms) VALUES (?,?,?,?)",
            (title, at, at, " ".join(terms)),
        )
        event_id = int(cur.lastrowid or 0)
        self.conn.executemany(
            "INSERT OR IGNORE INTO event_terms (term, event_id) VALUES (?,?)",
            [(t, event_id) for t in terms],
        )
        if self._event_index is not None:
            self._event_index.created(event_id, title, at, terms)
        self._event_created(event_id)
        return event_id

    def _event_created(self, event_id: int) -> None:
        """Hook for the store's item caches (a new event has no items yet)."""

    def touch_events(self, sightings: dict[int, tuple[str, int | None]], at: int) -> None:
        """Fold one poll's sightings (event id -> (platform, best rank)) into the events."""
        ids = list(sightings)
        index = self._event_index
        current: dict[int, str] = {}
        back: dict[int, tuple[str, str, int]] = {}  # seen again after leaving the copy
        missing = ids
        if index is not None:
            missing = []
            for eid in ids:
                e = index.events.get(eid)
                if e is None:
                    missing.append(eid)
                else:
                    current[eid] = e[2]
        for chunk in chunks(missing, 500):
            marks = ",".join("?" * len(chunk))
            for eid, platforms, title, terms, last_seen in self.conn.execute(
                f"SELECT id, platforms, title, terms, last_seen FROM events WHERE id IN ({marks})",
                chunk,
            ):
                current[eid] = platforms
                back[eid] = (title, terms, last_seen)
        rows = []
        joined: dict[int, str] = {}
        for eid, (platform, rank) in sightings.items():
            joined[eid] = text = _with_platform(current.get(eid) or "", platform)
            rows.append((at, at, text, rank, rank, rank, eid))
        self.conn.executemany(
            "UPDATE events SET last_seen = MAX(last_seen, ?), first_seen = MIN(first_seen, ?), "
            "platforms = ?, best_rank = CASE WHEN ? IS NULL THEN best_rank WHEN best_rank IS "
            "NULL THEN ? ELSE MIN(best_rank, ?) END WHERE id = ?",
            rows,
        )
        if index is not None:
            for eid in ids:
                e = index.events.get(eid)
                if e is not None:
                    e[0] = max(e[0], at)
                    e[2] = joined[eid]
                elif eid in back:
                    title, terms, last_seen = back[eid]
                    if not index.returned(eid, title, terms, max(last_seen, at), joined[eid]):
                        self._event_index = None  # older than the copy: rebuilt when asked
                        return

    def refresh_event(
        self,
        event_id: int,
        state: str | None,
        trend: dict | None,
        rising_at: int | None,
        estimate: dict | None = None,
    ) -> None:
        """Recompute items/heat from members and store the trend summary (and the rising
        detector's latest estimate, when there is one)."""
        self.refresh_events([(event_id, state, trend, rising_at, estimate)])

    def refresh_events(
        self, rows: Sequence[tuple[int, str | None, dict | None, int | None, dict | None]]
    ) -> None:
        """``refresh_event`` for one poll's events in one statement batch (members counted
        and their heat summed in one pass over the event's items)."""
        params = []
        for event_id, state, trend, rising_at, est in rows:
            est = est or {}
            params.append(
                (
                    event_id,
                    state,
                    to_json(trend) if trend else None,
                    rising_at,
                    est.get("chance"),
                    est.get("chance_top3"),
                    est.get("eta_minutes"),
                    est.get("why"),
                )
            )
        self.conn.executemany(
            "UPDATE events SET (items, heat) = (SELECT COUNT(*), SUM(last_heat) FROM items "
            "WHERE event_id = ?1), state = COALESCE(?2, state), trend = COALESCE(?3, trend), "
            "rising_at = COALESCE(rising_at, ?4), "
            "rising_chance = COALESCE(?5, rising_chance), "
            "rising_chance_top3 = COALESCE(?6, rising_chance_top3), "
            "rising_eta = COALESCE(?7, rising_eta), "
            "rising_why = COALESCE(?8, rising_why) WHERE id = ?1",
            params,
        )

    def mark_follow_up(self, event_id: int, at: int, why: str) -> None:
        """A story that comes back (new peak, new platform, heat after a quiet day)."""
        self.conn.execute(
            "UPDATE events SET follow_up_at = ?, follow_up_why = ? WHERE id = ?",
            (at, why, event_id),
        )

    def event_tracks(self, event_ids: Sequence[int], since: int) -> dict[int, list[tuple]]:
        """(platform, observed_at, rank, heat) per event since ``since``, in time order."""
        out: dict[int, list[tuple]] = {e: [] for e in event_ids}
        for chunk in chunks(list(event_ids), 500):
            marks = ",".join("?" * len(chunk))
            for eid, plat, at, rank, heat in self.conn.execute(
                "SELECT i.event_id, i.platform, o.observed_at, o.rank, o.heat FROM "
                f"observations o JOIN items i ON i.id = o.item_id WHERE i.event_id IN ({marks}) "
                "AND o.observed_at >= ? ORDER BY o.observed_at",
                [*chunk, since],
            ):
                out[eid].append((plat, at, rank, heat))
        return out

    def event_spans(
        self, event_ids: Sequence[int], at: int
    ) -> dict[int, dict[str, tuple[int, int, int | None]]]:
        """Per event, per platform: (first sighting, last sighting, best rank) strictly before
        ``at``, over the whole stored history (follow-ups of events the engine forgot)."""
        out: dict[int, dict[str, tuple[int, int, int | None]]] = {}
        for chunk in chunks(list(event_ids), 500):
            marks = ",".join("?" * len(chunk))
            for eid, plat, first, last, best in self.conn.execute(
                "SELECT i.event_id, i.platform, MIN(o.observed_at), MAX(o.observed_at), "
                "MIN(o.rank) FROM observations o JOIN items i ON i.id = o.item_id "
                f"WHERE i.event_id IN ({marks}) AND o.observed_at < ? "
                "GROUP BY i.event_id, i.platform",
                [*chunk, at],
            ):
                out.setdefault(eid, {})[plat] = (first, last, best)
        return out

    def has_observations(self) -> bool:
        """Whether any sighting is stored at all (a new database has none)."""
        return self.conn.execute("SELECT 1 FROM observations LIMIT 1").fetchone() is not None

    def snapshot_rows(self, since: int) -> Iterator[tuple]:
        """(platform, observed_at, item id, rank, heat, category, event id) since ``since``, in
        time order: the history the rising detector learns from."""
        yield from self.conn.execute(
            "SELECT i.platform, o.observed_at, o.item_id, o.rank, o.heat, i.category, "
            "i.event_id FROM observations o JOIN items i ON i.id = o.item_id "
            "WHERE o.observed_at >= ? AND i.pinned = 0 ORDER BY o.observed_at, i.platform",
            (since,),
        )

    def recount_events(self) -> None:
        """Recompute every event's item count and combined heat (after a bulk import)."""
        self.conn.execute(
            "UPDATE events SET items = (SELECT COUNT(*) FROM items WHERE event_id = events.id), "
            "heat = (SELECT SUM(last_heat) FROM items WHERE event_id = events.id)"
        )

    def event(self, event_id: int) -> dict[str, Any] | None:
        rows = self.rows("SELECT * FROM events WHERE id = ?", (event_id,))
        return rows[0] if rows else None

    def events_first_seen(self, event_ids: Sequence[int]) -> dict[int, int]:
        """event id -> first seen, for these events (unknown ids: absent)."""
        ids = sorted(set(event_ids))
        out: dict[int, int] = {}
        for chunk in chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            for eid, first in self.conn.execute(
                f"SELECT id, first_seen FROM events WHERE id IN ({marks})", chunk
            ):
                out[eid] = first
        return out

    def alert_ids_of_event(self, event_id: int) -> list[int]:
        """The ids of every alert of one event (all accounts and themes), oldest first."""
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT id FROM alerts WHERE event_id = ? ORDER BY id", (event_id,)
            )
        ]

    def event_items(self, event_id: int) -> list[dict[str, Any]]:
        return self.rows(
            "SELECT id, platform, source, title, url, best_rank, last_rank, "
            "max_heat, last_heat, first_seen, last_seen FROM items WHERE "
            "event_id = ? ORDER BY first_seen",
            (event_id,),
        )

    def event_observations(self, event_id: int, since: int = 0) -> list[dict[str, Any]]:
        return self.rows(
            "SELECT i.platform, o.observed_at, o.rank, o.heat FROM observations o "
            "JOIN items i ON i.id = o.item_id WHERE i.event_id = ? AND "
            "o.observed_at >= ? ORDER BY o.observed_at",
            (event_id, since),
        )

    def events(
        self,
        *,
        since: int | None = None,
        platform: str | None = None,
        search: str | None = None,
        state: str | None = None,
        multi: bool = False,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        """Events most recently seen first; ``search``: one of its items' titles contains the
        text (LIKE, as always). When the bigram index says many titles contain it
        (``EVENT_SEARCH_SCAN_AT``), the events are walked newest first through their last-seen
        index and each is kept if one of its items matches, stopping at ``limit``; otherwise
        every title is scanned once. Same rows, same order (ties broken by id) either way: the
        index only chooses the plan."""
        where: list[str] = []
        params: list[Any] = []
        walk = False
        if since is not None:
            where.append("last_seen >= ?")
            params.append(since)
        if platform:
            where.append("(',' || platforms || ',') LIKE ?")
            params.append(f"%,{platform},%")
        if search:
            grams = bigrams(search)
            if len(grams) >= 2:
                phrase = '"' + grams.replace('"', "") + '"'
                walk = self.search_hits(phrase, EVENT_SEARCH_SCAN_AT) >= EVENT_SEARCH_SCAN_AT
            if walk:
                where.append(
                    "EXISTS (SELECT 1 FROM items WHERE items.event_id = events.id AND "
                    "items.title LIKE ? ESCAPE '\\')"
                )
            else:
                where.append("id IN (SELECT event_id FROM items WHERE title LIKE ? ESCAPE '\\')")
            params.append(like_contains(search))
        if state:
            where.append("state = ?")
            params.append(state)
        if multi:
            where.append("platforms LIKE '%,%'")
        sql = "SELECT * FROM events" + (" INDEXED BY events_last_seen" if walk else "")
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY last_seen DESC, heat DESC, id LIMIT ?"
        params.append(limit)
        return self.rows(sql, params)

    def observation_rows(self) -> Iterator[tuple[str, str, int, int | None, int | None]]:
        """(item id, platform, observed_at, rank, heat), by item then time."""
        yield from self.conn.execute(
            "SELECT o.item_id, i.platform, o.observed_at, o.rank, o.heat FROM observations o "
            "JOIN items i ON i.id = o.item_id ORDER BY o.item_id, o.observed_at"
        )

    def observation_series(self) -> Iterator[tuple[str, list[tuple[int, int | None, int | None]]]]:
        """(platform, [(observed_at, rank, heat)...]) per item, for the trend baseline."""
        current, platform = None, ""
        series: list[tuple[int, int | None, int | None]] = []
        for item_id, plat, at, rank, heat in self.observation_rows():
            if item_id != current:
                if series:
                    yield platform, series
                current, platform, series = item_id, plat, []
            series.append((at, rank, heat))
        if series:
            yield platform, series
