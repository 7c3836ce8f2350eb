"""The story side of the store: events, their terms, trend refreshes and the observation
series the trend baseline learns from (mixed into ``Store``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from hotspot.storage.columns import chunks, like_contains, to_json

CANDIDATES_PER_TERM = 200


class EventStore:
    """Queries and writes about events (mixed into ``Store``)."""

    conn: sqlite3.Connection
    rows: Callable[..., list[dict[str, Any]]]  # provided by Store

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
        return event_id

    def touch_events(self, sightings: dict[int, tuple[str, int | None]], at: int) -> None:
        """Fold one poll's sightings (event id -> (platform, best rank)) into the events."""
        ids = list(sightings)
        current = {}
        for chunk in chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            for eid, platforms in self.conn.execute(
                f"SELECT id, platforms FROM events WHERE id IN ({marks})", chunk
            ):
                current[eid] = platforms
        rows = []
        for eid, (platform, rank) in sightings.items():
            platforms = set((current.get(eid) or "").split(",")) - {""}
            platforms.add(platform)
            rows.append((at, at, ",".join(sorted(platforms)), rank, rank, rank, eid))
        self.conn.executemany(
            "UPDATE events SET last_seen = MAX(last_seen, ?), first_seen = MIN(first_seen, ?), "
            "platforms = ?, best_rank = CASE WHEN ? IS NULL THEN best_rank WHEN best_rank IS "
            "NULL THEN ? ELSE MIN(best_rank, ?) END WHERE id = ?",
            rows,
        )

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
        """``refresh_event`` for one poll's events in one statement batch."""
        self.conn.executemany(
            "UPDATE events SET items = (SELECT COUNT(*) FROM items WHERE event_id = :id), "
            "heat = (SELECT SUM(last_heat) FROM items WHERE event_id = :id), "
            "state = COALESCE(:state, state), trend = COALESCE(:trend, trend), "
            "rising_at = COALESCE(rising_at, :rising), "
            "rising_chance = COALESCE(:chance, rising_chance), "
            "rising_chance_top3 = COALESCE(:chance3, rising_chance_top3), "
            "rising_eta = COALESCE(:eta, rising_eta), "
            "rising_why = COALESCE(:why, rising_why) WHERE id = :id",
            [
                {
                    "id": event_id,
                    "state": state,
                    "trend": to_json(trend) if trend else None,
                    "rising": rising_at,
                    "chance": (est or {}).get("chance"),
                    "chance3": (est or {}).get("chance_top3"),
                    "eta": (est or {}).get("eta_minutes"),
                    "why": (est or {}).get("why"),
                }
                for event_id, state, trend, rising_at, est in rows
            ],
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
        where: list[str] = []
        params: list[Any] = []
        if since is not None:
            where.append("last_seen >= ?")
            params.append(since)
        if platform:
            where.append("(',' || platforms || ',') LIKE ?")
            params.append(f"%,{platform},%")
        if search:
            where.append("id IN (SELECT event_id FROM items WHERE title LIKE ? ESCAPE '\\')")
            params.append(like_contains(search))
        if state:
            where.append("state = ?")
            params.append(state)
        if multi:
            where.append("platforms LIKE '%,%'")
        sql = "SELECT * FROM events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY last_seen DESC, heat DESC LIMIT ?"
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
