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
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from hotspot.models import Hotspot
from hotspot.storage.columns import chunks, like_contains, to_json
from hotspot.storage.db import open_database
from hotspot.storage.store_benchmarks import BenchmarkStore
from hotspot.storage.store_delivery import DeliveryStore
from hotspot.storage.store_events import EventStore
from hotspot.storage.store_feedback import FeedbackStore
from hotspot.storage.store_sources import SourceStore


def now() -> int:
    return int(time.time())


def bigrams(text: str) -> str:
    """Space-separated character bigrams of a title's match form, for substring search."""
    from hotspot.ingest.normalize import match_key

    key = match_key(text)
    if len(key) < 2:
        return key
    return " ".join(key[i : i + 2] for i in range(len(key) - 1))


class AlertRow(NamedTuple):
    """One alert to insert (``Store.insert_alerts``)."""

    account: str
    theme: str
    event_id: int
    item_id: str
    score: float
    terms: list[str]
    explanation: dict
    at: int


#: An ``AlertRow`` as a plain tuple (what the engine builds, a thousand per match)
AlertTuple = tuple[str, str, int, str, float, list[str], dict, int]


@dataclass(frozen=True, slots=True)
class KnownItem:
    id: str
    rowid: int
    tokens: list[str]
    event_id: int | None
    first_seen: int
    summary_tokens: list[str] | None = None
    persons: list[str] | None = None


class Store(EventStore, SourceStore, FeedbackStore, DeliveryStore, BenchmarkStore):
    """The database of one hotspot installation."""

    def __init__(self, path: Path | str, *, migrate: bool = True, readonly: bool = False):
        self.path = Path(path)
        self.readonly = readonly
        self.conn: sqlite3.Connection = open_database(path, migrate=migrate, readonly=readonly)
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
            if self.conn.in_transaction:  # SQLITE_FULL and some I/O errors roll back already
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
        for chunk in chunks(list(ids), 500):
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(
                f"SELECT id, rowid, tokens, event_id, first_seen, summary_tokens, persons "
                f"FROM items WHERE id IN ({marks})",
                chunk,
            ):
                out[r[0]] = KnownItem(
                    r[0],
                    r[1],
                    r[2].split(" ") if r[2] else [],
                    r[3],
                    r[4],
                    r[5].split(" ") if r[5] else None,
                    r[6].split(" ") if r[6] else None,
                )
        return out

    def insert_item(
        self,
        h: Hotspot,
        tokens: Sequence[str],
        at: int,
        summary_tokens: Sequence[str] | None = None,
        persons: Sequence[str] = (),
        event_id: int | None = None,
    ) -> int:
        """Insert a new item (and its search grams); returns its rowid."""
        cur = self.conn.execute(
            "INSERT INTO items (id, platform, source, title, url, summary, category, label, "
            "pinned, is_ad, published, first_seen, last_seen, best_rank, last_rank, max_heat, "
            "last_heat, tokens, summary_tokens, persons, extras, event_id) VALUES "
            "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO NOTHING",
            (
                h.id,
                h.platform,
                h.source,
                h.title,
                h.url,
                h.summary,
                h.category,
                h.label,
                int(h.pinned),
                int(h.is_ad),
                int(h.published.timestamp()) if h.published else None,
                at,
                at,
                h.rank,
                h.rank,
                h.heat,
                h.heat,
                " ".join(tokens),
                " ".join(summary_tokens) if summary_tokens else None,
                " ".join(persons) if persons else None,
                to_json(h.extras) if h.extras else None,
                event_id,
            ),
        )
        rowid: int = (
            int(cur.lastrowid or 0)
            if cur.rowcount
            else self.conn.execute("SELECT rowid FROM items WHERE id = ?", (h.id,)).fetchone()[0]
        )
        if cur.rowcount:
            self._pending_grams.append((rowid, bigrams(h.title)))
        return rowid

    def flush_search(self) -> None:
        """Index the titles inserted since the last flush (one statement per poll)."""
        if self._pending_grams:
            self.conn.executemany(
                "INSERT INTO items_search (rowid, grams) VALUES (?, ?)", self._pending_grams
            )
            self._pending_grams.clear()

    def observe_many(self, hotspots: Sequence[Hotspot], at: int) -> None:
        """Record one poll's sightings and fold them into each item's best/last rank and heat
        (two statements for the whole poll)."""
        self.conn.executemany(
            "INSERT INTO observations (item_id, observed_at, rank, heat) VALUES (?,?,?,?) "
            "ON CONFLICT(item_id, observed_at) DO UPDATE SET rank = excluded.rank, "
            "heat = excluded.heat",
            [(h.id, at, h.rank, h.heat) for h in hotspots],
        )
        self.conn.executemany(
            "UPDATE items SET last_seen = MAX(last_seen, ?), last_rank = ?, last_heat = ?, "
            "best_rank = CASE WHEN ? IS NULL THEN best_rank WHEN best_rank IS NULL THEN ? "
            "ELSE MIN(best_rank, ?) END, max_heat = MAX(COALESCE(max_heat, 0), "
            "COALESCE(?, 0)), url = COALESCE(url, ?), summary = COALESCE(?, summary), "
            "category = COALESCE(?, category), label = COALESCE(?, label) WHERE id = ?",
            [
                (
                    at,
                    h.rank,
                    h.heat,
                    h.rank,
                    h.rank,
                    h.rank,
                    h.heat,
                    h.url,
                    h.summary,
                    h.category,
                    h.label,
                    h.id,
                )
                for h in hotspots
            ],
        )

    def set_item_event(self, item_id: str, event_id: int) -> None:
        self.conn.execute("UPDATE items SET event_id = ? WHERE id = ?", (event_id, item_id))

    def item_history(self, item_id: str) -> list[dict[str, Any]]:
        return self.rows(
            "SELECT observed_at, rank, heat FROM observations WHERE item_id = ? "
            "ORDER BY observed_at",
            (item_id,),
        )

    def iter_documents(self) -> Iterator[tuple[str, list[str], str | None, str]]:
        """(item id, tokens, category, platform) of stored items, for learning."""
        for r in self.conn.execute("SELECT id, tokens, category, platform FROM items"):
            yield r[0], r[1].split(" ") if r[1] else [], r[2], r[3]

    def event_siblings(
        self, event_id: int, exclude_item: str | None = None, limit: int = 6
    ) -> list[list[str]]:
        """Title tokens of other items of one event (the same story on other platforms)."""
        rows = self.conn.execute(
            "SELECT tokens FROM items WHERE event_id = ? AND id != ? AND tokens != '' "
            "ORDER BY first_seen LIMIT ?",
            (event_id, exclude_item or "", limit),
        )
        return [r[0].split(" ") for r in rows]

    def item_event(self, platform: str, title: str) -> tuple[str, int] | None:
        """(item id, event id) of a stored item with this exact title on this platform."""
        r = self.conn.execute(
            "SELECT id, event_id FROM items WHERE platform = ? AND title = ? "
            "AND event_id IS NOT NULL LIMIT 1",
            (platform, title),
        ).fetchone()
        return (r[0], r[1]) if r is not None else None

    def title_events(self) -> dict[str, int]:
        """title -> event id of stored items (for matching archived entries in context)."""
        return {
            r[0]: r[1]
            for r in self.conn.execute(
                "SELECT title, event_id FROM items WHERE event_id IS NOT NULL"
            )
        }

    def iter_learning_documents(self) -> Iterator[tuple[list[str], str | None, int | None, int]]:
        """(tokens, category, event id, last seen) of stored items: what relearning reads."""
        for r in self.conn.execute("SELECT tokens, category, event_id, last_seen FROM items"):
            yield r[0].split(" ") if r[0] else [], r[1], r[2], r[3]

    def hotspots(
        self,
        *,
        source: str | None = None,
        platform: str | None = None,
        since: int | None = None,
        search: str | None = None,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        where: list[str] = []
        params: list[Any] = []
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
                where.append(
                    "i.rowid IN (SELECT rowid FROM items_search WHERE items_search MATCH ?)"
                )
                params.append('"' + grams.replace('"', "") + '"')
            else:
                where.append("i.title LIKE ? ESCAPE '\\'")
                params.append(like_contains(search))
        sql = (
            "SELECT i.id, i.platform, i.source, i.title, i.url, i.category, i.best_rank, "
            "i.last_rank, i.max_heat, i.last_heat, i.first_seen, i.last_seen, i.event_id, "
            "i.pinned, i.is_ad FROM items i"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY i.last_seen DESC, i.best_rank LIMIT ?"
        params.append(limit)
        return self.rows(sql, params)

    # -- alerts ---------------------------------------------------------------------------
    def insert_alert(
        self,
        *,
        account: str,
        theme: str,
        event_id: int,
        item_id: str,
        score: float,
        terms: list[str],
        explanation: dict,
        at: int,
    ) -> int | None:
        """Insert an alert; None when this (account, theme, event) already has one."""
        cur = self.conn.execute(
            "INSERT INTO alerts (account, theme, event_id, item_id, score, terms, explanation, "
            "created_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(account, theme, event_id) "
            "DO NOTHING",
            (account, theme, event_id, item_id, score, to_json(terms), to_json(explanation), at),
        )
        return cur.lastrowid if cur.rowcount else None

    def insert_alerts(self, rows: Iterable[AlertRow | AlertTuple]) -> list[int]:
        """Insert alerts as ``insert_alert`` would one by one, in one statement; returns the
        ids of the rows inserted, in order. A row whose (account, theme, event) already has
        an alert, stored before or earlier in ``rows``, is left out. Rows that share one
        ``terms`` list or ``explanation`` dict (the accounts of one theme definition) have
        it encoded once.

        The ids are the ones one-by-one inserts would have given (the next free ones, in
        the order of ``rows``), but the rows are written in the order of the (account,
        theme, event) index: a thousand accounts' alerts of one poll then cost one sweep
        of the indexes instead of one per theme definition, and the cost stays flat as the
        table grows."""
        rows = list(rows)
        if not rows:
            return []
        # id() of a terms list / explanation dict -> (it, its JSON); holding the object
        # keeps its id from being reused by another during the call
        encoded: dict[int, tuple[Any, str]] = {}

        def text(value: Any) -> str:
            got = encoded.get(id(value))
            if got is None:
                got = encoded[id(value)] = (value, to_json(value))
            return got[1]

        with self.transaction():  # the ids are only ours to give inside one transaction
            taken: set[tuple[str, str, int]] = set()
            for chunk in chunks(sorted({r[2] for r in rows}), 500):
                taken.update(
                    self.conn.execute(
                        "SELECT account, theme, event_id FROM alerts "
                        f"WHERE event_id IN ({','.join('?' * len(chunk))})",
                        chunk,
                    )
                )
            (last,) = self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM alerts").fetchone()
            first = last + 1
            new: list[tuple] = []
            add, append = taken.add, new.append
            last_terms: Any = None
            last_explanation: Any = None
            terms_json = explanation_json = ""
            for account, theme, event_id, item_id, score, terms, explanation, at in rows:
                key = (account, theme, event_id)
                if key in taken:
                    continue
                add(key)
                if terms is not last_terms:  # the rows of one match come together
                    last_terms, terms_json = terms, text(terms)
                if explanation is not last_explanation:
                    last_explanation, explanation_json = explanation, text(explanation)
                last += 1
                append((*key, last, item_id, score, terms_json, explanation_json, at))
            new.sort()  # (account, theme, event) is unique among them: index order
            before = self.conn.total_changes
            self.conn.executemany(
                "INSERT INTO alerts (account, theme, event_id, id, item_id, score, terms, "
                "explanation, created_at) VALUES (?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT(account, theme, event_id) DO NOTHING",
                new,
            )
            if self.conn.total_changes - before == len(new):
                return list(range(first, last + 1))
            return [  # not reached: the conflicts were left out above
                r[0]
                for r in self.conn.execute(
                    "SELECT id FROM alerts WHERE id >= ? ORDER BY id", (first,)
                )
            ]

    def alerts(
        self,
        *,
        account: str | None = None,
        theme: str | None = None,
        since: int | None = None,
        min_score: float | None = None,
        limit: int | None = 50,
        ids: Sequence[int] | None = None,
        include_irrelevant: bool = True,
    ) -> list[dict[str, Any]]:
        """Alerts newest first, each with its current operator ``verdict`` (or None).
        ``include_irrelevant=False`` leaves out alerts whose current verdict is irrelevant."""
        where: list[str] = []
        params: list[Any] = []
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
        if not include_irrelevant:
            where.append(
                "COALESCE((SELECT f.verdict FROM feedback f WHERE f.alert_id = a.id "
                "ORDER BY f.id DESC LIMIT 1), '') != 'irrelevant'"
            )
        if ids is not None:
            where.append(f"a.id IN ({','.join('?' * len(ids))})")
            params.extend(ids)
        sql = (
            "SELECT a.id, a.account, a.theme, a.score, a.terms, a.explanation, a.created_at, "
            "a.event_id, a.item_id, i.title, i.url, i.platform, i.source, i.last_rank AS rank,"
            " i.best_rank, i.last_heat AS heat, i.max_heat, i.category, i.summary, "
            "e.terms AS event_terms, e.first_seen AS event_first_seen, e.platforms, "
            "e.state, e.title AS event_title, e.heat AS event_heat, e.best_rank AS "
            "event_best_rank, (SELECT f.verdict FROM feedback f WHERE f.alert_id = a.id "
            "ORDER BY f.id DESC LIMIT 1) AS verdict "
            "FROM alerts a JOIN items i ON i.id = a.item_id "
            "LEFT JOIN events e ON e.id = a.event_id"
        )
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
    def learned_terms(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for scope, term, weight in self.conn.execute(
            "SELECT scope, term, weight FROM learned_terms"
        ):
            out.setdefault(scope, {})[term] = weight
        return out

    def replace_learned(self, scope_prefix: str, rows: list[tuple[str, str, float, int]]) -> None:
        self.conn.execute("DELETE FROM learned_terms WHERE scope LIKE ?", (scope_prefix + "%",))
        self.conn.executemany(
            "INSERT OR REPLACE INTO learned_terms (scope, term, weight, support) VALUES (?,?,?,?)",
            rows,
        )

    # -- events ---------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        r = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return r[0] if r else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO "
            "UPDATE SET value = excluded.value",
            (key, value),
        )
