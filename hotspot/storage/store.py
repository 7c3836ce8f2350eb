"""Every read and write of hotspot's SQLite database (through sqlite-utils).

Writes are idempotent: items are keyed by their stable id, observations by (item, time),
alerts by (account, theme, event), digests by (account, day), deliveries by (notifier,
alert). ``transaction()`` wraps one poll's writes so an interrupted poll leaves nothing
half-written. Read queries serve the CLI and never import jieba.
"""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

from hotspot.storage.db import open_database
from hotspot.models import Hotspot
from hotspot.storage.store_delivery import DeliveryStore


def now() -> int:
    return int(time.time())


def bigrams(text: str) -> str:
    """Space-separated character bigrams of a title's match form, for substring search."""
    from hotspot.ingest.normalize import match_key

    key = match_key(text)
    if len(key) < 2:
        return key
    return " ".join(key[i:i + 2] for i in range(len(key) - 1))


@dataclass(frozen=True, slots=True)
class KnownItem:
    id: str
    rowid: int
    tokens: list[str]
    event_id: int | None
    first_seen: int
    summary_tokens: list[str] | None = None
    persons: list[str] | None = None


class Store(DeliveryStore):
    """The database of one hotspot installation."""

    def __init__(self, path: Path | str, *, migrate: bool = True):
        self.path = Path(path)
        self.conn: sqlite3.Connection = open_database(path, migrate=migrate)
        self._pending_grams: list[tuple[int, str]] = []

    def close(self) -> None:
        self.conn.close()

    # -- transactions ---------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit of writes (``BEGIN IMMEDIATE`` ... ``COMMIT``, rollback on error).
        Nested use joins the outer transaction (an import commits many snapshots at once)."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.flush_search()
        except BaseException:
            self._pending_grams.clear()
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def execute(self, sql: str, params: Sequence[Any] | dict = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def rows(self, sql: str, params: Sequence[Any] | dict = ()) -> list[dict[str, Any]]:
        cur = self.conn.execute(sql, params)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]

    # -- items and observations -----------------------------------------------------------
    def known_items(self, ids: Sequence[str]) -> dict[str, KnownItem]:
        out: dict[str, KnownItem] = {}
        for chunk in _chunks(list(ids), 500):
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(
                    f"SELECT id, rowid, tokens, event_id, first_seen, summary_tokens, persons "
                    f"FROM items WHERE id IN ({marks})", chunk):
                out[r[0]] = KnownItem(r[0], r[1], r[2].split(" ") if r[2] else [], r[3], r[4],
                                      r[5].split(" ") if r[5] else None,
                                      r[6].split(" ") if r[6] else None)
        return out

    def insert_item(self, h: Hotspot, tokens: Sequence[str], at: int,
                    summary_tokens: Sequence[str] | None = None,
                    persons: Sequence[str] = (), event_id: int | None = None) -> int:
        """Insert a new item (and its search grams); returns its rowid."""
        cur = self.conn.execute(
            "INSERT INTO items (id, platform, source, title, url, summary, category, label, "
            "pinned, is_ad, published, first_seen, last_seen, best_rank, last_rank, max_heat, "
            "last_heat, tokens, summary_tokens, persons, extras, event_id) VALUES "
            "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO NOTHING",
            (h.id, h.platform, h.source, h.title, h.url, h.summary, h.category, h.label,
             int(h.pinned), int(h.is_ad),
             int(h.published.timestamp()) if h.published else None, at, at, h.rank, h.rank,
             h.heat, h.heat, " ".join(tokens),
             " ".join(summary_tokens) if summary_tokens else None,
             " ".join(persons) if persons else None,
             _json(h.extras) if h.extras else None, event_id))
        rowid = cur.lastrowid if cur.rowcount else self.conn.execute(
            "SELECT rowid FROM items WHERE id = ?", (h.id,)).fetchone()[0]
        if cur.rowcount:
            self._pending_grams.append((rowid, bigrams(h.title)))
        return rowid

    def flush_search(self) -> None:
        """Index the titles inserted since the last flush (one statement per poll)."""
        if self._pending_grams:
            self.conn.executemany("INSERT INTO items_search (rowid, grams) VALUES (?, ?)",
                                  self._pending_grams)
            self._pending_grams.clear()

    def observe_many(self, hotspots: Sequence[Hotspot], at: int) -> None:
        """Record one poll's sightings and fold them into each item's best/last rank and heat
        (two statements for the whole poll)."""
        self.conn.executemany(
            "INSERT INTO observations (item_id, observed_at, rank, heat) VALUES (?,?,?,?) "
            "ON CONFLICT(item_id, observed_at) DO UPDATE SET rank = excluded.rank, "
            "heat = excluded.heat", [(h.id, at, h.rank, h.heat) for h in hotspots])
        self.conn.executemany(
            "UPDATE items SET last_seen = MAX(last_seen, ?), last_rank = ?, last_heat = ?, "
            "best_rank = CASE WHEN ? IS NULL THEN best_rank WHEN best_rank IS NULL THEN ? "
            "ELSE MIN(best_rank, ?) END, max_heat = MAX(COALESCE(max_heat, 0), "
            "COALESCE(?, 0)), url = COALESCE(url, ?), summary = COALESCE(?, summary), "
            "category = COALESCE(?, category), label = COALESCE(?, label) WHERE id = ?",
            [(at, h.rank, h.heat, h.rank, h.rank, h.rank, h.heat, h.url, h.summary, h.category,
             h.label, h.id) for h in hotspots])

    def set_item_event(self, item_id: str, event_id: int) -> None:
        self.conn.execute("UPDATE items SET event_id = ? WHERE id = ?", (event_id, item_id))

    def item_history(self, item_id: str) -> list[dict[str, Any]]:
        return self.rows("SELECT observed_at, rank, heat FROM observations WHERE item_id = ? "
                         "ORDER BY observed_at", (item_id,))

    def iter_documents(self) -> Iterator[tuple[str, list[str], str | None, str]]:
        """(item id, tokens, category, platform) of stored items, for learning."""
        for r in self.conn.execute("SELECT id, tokens, category, platform FROM items"):
            yield r[0], r[1].split(" ") if r[1] else [], r[2], r[3]

    def hotspots(self, *, source: str | None = None, platform: str | None = None,
                 since: int | None = None, search: str | None = None,
                 limit: int = 50) -> list[dict[str, Any]]:
        where, params = [], []
        if source:
            where.append("i.source = ?")
            params.append(source)
        if platform:
            where.append("i.platform = ?")
            params.append(platform)
        if since is not None:
            where.append("i.last_seen >= ?")
            params.append(since)
        if search:
            grams = bigrams(search)
            if len(grams) >= 2:
                where.append("i.rowid IN (SELECT rowid FROM items_search WHERE items_search "
                             "MATCH ?)")
                params.append('"' + grams.replace('"', '') + '"')
            else:
                where.append("i.title LIKE ?")
                params.append(f"%{search}%")
        sql = ("SELECT i.id, i.platform, i.source, i.title, i.url, i.category, i.best_rank, "
               "i.last_rank, i.max_heat, i.last_heat, i.first_seen, i.last_seen, i.event_id, "
               "i.pinned, i.is_ad FROM items i")
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY i.last_seen DESC, i.best_rank LIMIT ?"
        params.append(limit)
        return self.rows(sql, params)

    # -- alerts ---------------------------------------------------------------------------
    def insert_alert(self, *, account: str, theme: str, event_id: int, item_id: str,
                     score: float, terms: list[str], explanation: dict, at: int) -> int | None:
        """Insert an alert; None when this (account, theme, event) already has one."""
        cur = self.conn.execute(
            "INSERT INTO alerts (account, theme, event_id, item_id, score, terms, explanation, "
            "created_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(account, theme, event_id) "
            "DO NOTHING",
            (account, theme, event_id, item_id, score, _json(terms), _json(explanation), at))
        return cur.lastrowid if cur.rowcount else None

    def alerts(self, *, account: str | None = None, theme: str | None = None,
               since: int | None = None, min_score: float | None = None,
               limit: int | None = 50, ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
        where, params = [], []
        for col, val in (("a.account", account), ("a.theme", theme)):
            if val:
                where.append(f"{col} = ?")
                params.append(val)
        if since is not None:
            where.append("a.created_at >= ?")
            params.append(since)
        if min_score is not None:
            where.append("a.score >= ?")
            params.append(min_score)
        if ids is not None:
            where.append(f"a.id IN ({','.join('?' * len(ids))})")
            params.extend(ids)
        sql = ("SELECT a.id, a.account, a.theme, a.score, a.terms, a.explanation, a.created_at, "
               "a.event_id, a.item_id, i.title, i.url, i.platform, i.source, i.last_rank AS rank,"
               " i.best_rank, i.last_heat AS heat, i.max_heat, i.category, e.platforms, "
               "e.state, e.title AS event_title, e.heat AS event_heat, e.best_rank AS "
               "event_best_rank FROM alerts a JOIN items i ON i.id = a.item_id "
               "LEFT JOIN events e ON e.id = a.event_id")
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY a.created_at DESC, a.id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        rows = self.rows(sql, params)
        for r in rows:
            r["terms"] = json.loads(r["terms"])
            r["explanation"] = json.loads(r["explanation"])
            r["platforms"] = [p for p in (r.get("platforms") or "").split(",") if p]
        return rows

    def alert(self, alert_id: int) -> dict[str, Any] | None:
        rows = self.alerts(ids=[alert_id], limit=1)
        return rows[0] if rows else None

    def count(self, table: str) -> int:
        return self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    # -- polls and source state -----------------------------------------------------------
    def record_poll(self, source: str, started_at: float, duration_ms: int, items: int,
                    new_items: int, alerts: int, error: str | None) -> None:
        self.conn.execute(
            "INSERT INTO polls (source, started_at, duration_ms, items, new_items, alerts, "
            "error) VALUES (?,?,?,?,?,?,?)",
            (source, int(started_at), duration_ms, items, new_items, alerts, error))

    def source_state(self, source: str) -> dict[str, Any]:
        rows = self.rows("SELECT * FROM source_state WHERE source = ?", (source,))
        return rows[0] if rows else {"source": source, "failures": 0, "down_alerted": 0}

    def source_states(self) -> dict[str, dict[str, Any]]:
        return {r["source"]: r for r in self.rows("SELECT * FROM source_state")}

    def save_source_state(self, state: dict[str, Any]) -> None:
        cols = [c for c in state if c in _STATE_COLUMNS]
        self.conn.execute(
            f"INSERT INTO source_state ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            f" ON CONFLICT(source) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in cols if c != "source"),
            [state[c] for c in cols])

    def add_source_alert(self, source: str, kind: str, message: str, at: int) -> None:
        self.conn.execute("INSERT INTO source_alerts (source, kind, at, message) VALUES "
                          "(?,?,?,?)", (source, kind, at, message))

    def source_alerts(self, since: int | None = None) -> list[dict[str, Any]]:
        return self.rows("SELECT * FROM source_alerts WHERE at >= ? ORDER BY at",
                         (since or 0,))

    def last_polls(self) -> dict[str, dict[str, Any]]:
        """The latest poll of each source."""
        rows = self.rows("SELECT p.* FROM polls p JOIN (SELECT source, MAX(id) AS id FROM polls "
                         "GROUP BY source) m ON m.id = p.id")
        return {r["source"]: r for r in rows}

    # -- learned terms --------------------------------------------------------------------
    def learned_terms(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for scope, term, weight in self.conn.execute(
                "SELECT scope, term, weight FROM learned_terms"):
            out.setdefault(scope, {})[term] = weight
        return out

    def replace_learned(self, scope_prefix: str, rows: list[tuple[str, str, float, int]]
                        ) -> None:
        self.conn.execute("DELETE FROM learned_terms WHERE scope LIKE ?", (scope_prefix + "%",))
        self.conn.executemany("INSERT OR REPLACE INTO learned_terms (scope, term, weight, "
                              "support) VALUES (?,?,?,?)", rows)

    # -- events ---------------------------------------------------------------------------
    def oldest_recent_event(self, since: int) -> int | None:
        """The smallest id among events seen since ``since`` (None when there is none)."""
        return self.conn.execute("SELECT MIN(id) FROM events WHERE last_seen >= ?",
                                 (since,)).fetchone()[0]

    def candidate_events(self, terms: Sequence[str], since: int, oldest: int | None,
                         limit: int = 30) -> list[dict[str, Any]]:
        """Recent events sharing at least one keyword, most shared first. ``oldest`` is
        ``oldest_recent_event(since)``: ids grow with time, so the term index is scanned
        from there on, not over the whole history. Events created later are included."""
        if not terms or oldest is None:
            return []
        marks = ",".join("?" * len(terms))
        return self.rows(
            f"SELECT e.id, e.title, e.terms, e.last_seen, COUNT(*) AS shared FROM "
            f"event_terms t JOIN events e ON e.id = t.event_id WHERE t.term IN ({marks}) "
            f"AND t.event_id >= ? AND e.last_seen >= ? GROUP BY e.id "
            f"ORDER BY shared DESC, e.last_seen DESC LIMIT ?", [*terms, oldest, since, limit])

    def create_event(self, title: str, at: int, terms: Sequence[str]) -> int:
        cur = self.conn.execute("INSERT INTO events (title, first_seen, last_seen, terms) "
                                "VALUES (?,?,?,?)", (title, at, at, " ".join(terms)))
        event_id = cur.lastrowid
        self.conn.executemany("INSERT OR IGNORE INTO event_terms (term, event_id) VALUES (?,?)",
                              [(t, event_id) for t in terms])
        return event_id

    def touch_events(self, sightings: dict[int, tuple[str, int | None]], at: int) -> None:
        """Fold one poll's sightings (event id -> (platform, best rank)) into the events."""
        ids = list(sightings)
        current = {}
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            for eid, platforms in self.conn.execute(
                    f"SELECT id, platforms FROM events WHERE id IN ({marks})", chunk):
                current[eid] = platforms
        rows = []
        for eid, (platform, rank) in sightings.items():
            platforms = set((current.get(eid) or "").split(",")) - {""}
            platforms.add(platform)
            rows.append((at, at, ",".join(sorted(platforms)), rank, rank, rank, eid))
        self.conn.executemany(
            "UPDATE events SET last_seen = MAX(last_seen, ?), first_seen = MIN(first_seen, ?), "
            "platforms = ?, best_rank = CASE WHEN ? IS NULL THEN best_rank WHEN best_rank IS "
            "NULL THEN ? ELSE MIN(best_rank, ?) END WHERE id = ?", rows)

    def refresh_event(self, event_id: int, state: str | None, trend: dict | None,
                      rising_at: int | None) -> None:
        """Recompute items/heat from members and store the trend summary."""
        self.conn.execute(
            "UPDATE events SET items = (SELECT COUNT(*) FROM items WHERE event_id = :id), "
            "heat = (SELECT SUM(last_heat) FROM items WHERE event_id = :id), "
            "state = COALESCE(:state, state), trend = COALESCE(:trend, trend), "
            "rising_at = COALESCE(rising_at, :rising) WHERE id = :id",
            {"id": event_id, "state": state, "trend": _json(trend) if trend else None,
             "rising": rising_at})

    def recount_events(self) -> None:
        """Recompute every event's item count and combined heat (after a bulk import)."""
        self.conn.execute(
            "UPDATE events SET items = (SELECT COUNT(*) FROM items WHERE event_id = events.id), "
            "heat = (SELECT SUM(last_heat) FROM items WHERE event_id = events.id)")

    def event(self, event_id: int) -> dict[str, Any] | None:
        rows = self.rows("SELECT * FROM events WHERE id = ?", (event_id,))
        return rows[0] if rows else None

    def event_items(self, event_id: int) -> list[dict[str, Any]]:
        return self.rows("SELECT id, platform, source, title, url, best_rank, last_rank, "
                         "max_heat, last_heat, first_seen, last_seen FROM items WHERE "
                         "event_id = ? ORDER BY first_seen", (event_id,))

    def event_observations(self, event_id: int, since: int = 0) -> list[dict[str, Any]]:
        return self.rows("SELECT i.platform, o.observed_at, o.rank, o.heat FROM observations o "
                         "JOIN items i ON i.id = o.item_id WHERE i.event_id = ? AND "
                         "o.observed_at >= ? ORDER BY o.observed_at", (event_id, since))

    def events(self, *, since: int | None = None, platform: str | None = None,
               search: str | None = None, state: str | None = None, multi: bool = False,
               limit: int = 50) -> list[dict[str, Any]]:
        where, params = [], []
        if since is not None:
            where.append("last_seen >= ?")
            params.append(since)
        if platform:
            where.append("(',' || platforms || ',') LIKE ?")
            params.append(f"%,{platform},%")
        if search:
            where.append("id IN (SELECT event_id FROM items WHERE title LIKE ?)")
            params.append(f"%{search}%")
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

    def observation_series(self) -> Iterator[tuple[str, list[tuple[int, int | None, int | None]]]]:
        """(platform, [(observed_at, rank, heat)...]) per item, for the trend baseline."""
        current, platform, series = None, "", []
        for item_id, plat, at, rank, heat in self.conn.execute(
                "SELECT o.item_id, i.platform, o.observed_at, o.rank, o.heat FROM observations o "
                "JOIN items i ON i.id = o.item_id ORDER BY o.item_id, o.observed_at"):
            if item_id != current:
                if series:
                    yield platform, series
                current, platform, series = item_id, plat, []
            series.append((at, rank, heat))
        if series:
            yield platform, series

    def meta(self, key: str) -> str | None:
        r = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return r[0] if r else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO "
                          "UPDATE SET value = excluded.value", (key, value))


_STATE_COLUMNS = {"source", "last_attempt", "last_success", "last_error", "last_error_at",
                  "failures", "failing_since", "backoff_until", "next_poll", "etag",
                  "last_modified", "preferred_url", "host_wait", "down_alerted"}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _chunks(seq: list, n: int) -> Iterator[list]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]
