"""Every read and write of hotspot's SQLite database (through sqlite-utils).

Writes are idempotent: items are keyed by their stable id, observations by (item, time),
alerts by (account, theme, event), digests by (account, day), deliveries by (notifier,
alert). ``transaction()`` wraps one poll's writes so an interrupted poll leaves nothing
half-written. Read queries serve the CLI and never import jieba.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from collections import Counter, OrderedDict
from collections.abc import Container, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple

from hotspot.models import Hotspot
from hotspot.storage.columns import ACCOUNT_ALERTS, bigrams, chunks, like_contains, to_json
from hotspot.storage.db import open_database
from hotspot.storage.store_benchmarks import BenchmarkStore
from hotspot.storage.store_delivery import DeliveryStore
from hotspot.storage.store_events import EventStore
from hotspot.storage.store_feedback import FeedbackStore
from hotspot.storage.store_sources import SourceStore

#: From this many matching titles on, ``hotspots(search=...)`` walks the last-seen index.
SEARCH_SCAN_AT = 2_000
__all__ = ["SEARCH_SCAN_AT", "KnownItem", "MatchAlerts", "Store", "bigrams", "now"]


def now() -> int:
    return int(time.time())


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


#: An ``AlertRow`` as a plain tuple
AlertTuple = tuple[str, str, int, str, float, list[str], dict, int]


class MatchAlerts(NamedTuple):
    """The alerts of one match (``Store.insert_matches``): one theme definition's result on
    one item, for every account that shares the definition (what the engine builds, one per
    match however many accounts)."""

    accounts: Sequence[str]
    theme: str
    event_id: int
    item_id: str
    score: float
    terms: list[str]
    explanation: dict
    at: int


#: accounts lists whose JSON the writer keeps (a few hundred definitions in an agency)
ACCOUNT_LISTS_KEPT = 4_096


@dataclass(frozen=True, slots=True)
class KnownItem:
    id: str
    rowid: int
    tokens: list[str]
    event_id: int | None
    first_seen: int
    summary_tokens: list[str] | None = None
    persons: list[str] | None = None


#: items (id -> KnownItem) and events (id -> first items) the writer keeps in memory; a hot
#: list's entries are seen poll after poll, so the recent ones are what an ingest asks about
KNOWN_KEPT = 2_000
SIBLINGS_KEPT = 1_000
SIBLINGS = 6  # ``event_siblings``' default limit; one more is kept to leave the asker out


def _words(joined: str) -> list[str]:
    """Space-joined tokens as the writer's copies keep them: each word once in memory
    (interned), not once per item that carries it."""
    return list(map(sys.intern, joined.split(" ")))


class Store(EventStore, SourceStore, FeedbackStore, DeliveryStore, BenchmarkStore):
    """The database of one hotspot installation."""

    def __init__(self, path: Path | str, *, migrate: bool = True, readonly: bool = False):
        self.path = Path(path)
        self.readonly = readonly
        self.conn: sqlite3.Connection = open_database(path, migrate=migrate, readonly=readonly)
        self._pending_grams: list[tuple[int, str]] = []
        self._known: OrderedDict[str, KnownItem] = OrderedDict()
        # event id -> its first items with tokens: (first_seen, rowid, item id, tokens)
        self._siblings: OrderedDict[int, list[tuple[int, int, str, list[str]]]] = OrderedDict()
        self._data_version: int | None = None
        # id() of an accounts tuple -> (it, its JSON array): see _accounts_json
        self._account_lists: dict[int, tuple[Sequence[str], str]] = {}
        self._account_names: dict[str, str] = {}  # account -> its JSON string

    def close(self) -> None:
        self.conn.close()

    # -- the writer's memory --------------------------------------------------------------
    def keep_caches(self) -> None:
        """Keep in memory what the ingest path reads per item (recent events and their
        keywords, known items, event siblings), so a poll asks SQLite only about what is
        new. Every answer is the one SQL gives; the copies follow this store's writes, are
        dropped on a rollback and when another connection commits (``sync_caches``), and
        are bounded (the grouping window; the ``KNOWN_KEPT`` / ``SIBLINGS_KEPT`` most
        recently used). ``HOTSPOT_NO_CACHE=1`` in the environment sends every read to SQLite
        (the equivalence tests compare both; also a way to rule the copies out)."""
        self._caching = not os.environ.get("HOTSPOT_NO_CACHE")
        self.sync_caches()

    @property
    def caching(self) -> bool:
        return self._caching

    def sync_caches(self) -> None:
        """Drop the copies when another connection has committed since the last call."""
        if not self._caching:
            return
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self.drop_caches()
            self._data_version = version

    def drop_caches(self) -> None:
        self._event_index = None
        self._known.clear()
        self._siblings.clear()

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
            self.drop_caches()  # the copies may hold what is rolled back
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
        cache = self._known if self._caching else None
        wanted = list(ids)
        if cache is not None:
            wanted = []
            for item_id in ids:
                k = cache.get(item_id)
                if k is None:
                    wanted.append(item_id)
                else:
                    cache.move_to_end(item_id)
                    out[item_id] = k
        for chunk in chunks(wanted, 500):
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(
                f"SELECT id, rowid, tokens, event_id, first_seen, summary_tokens, persons "
                f"FROM items WHERE id IN ({marks})",
                chunk,
            ):
                out[r[0]] = k = KnownItem(
                    r[0],
                    r[1],
                    _words(r[2]) if r[2] else [],
                    r[3],
                    r[4],
                    _words(r[5]) if r[5] else None,
                    _words(r[6]) if r[6] else None,
                )
                if cache is not None:
                    self._remember(k)
        return out

    def _remember(self, k: KnownItem) -> None:
        self._known[k.id] = k
        if len(self._known) > KNOWN_KEPT:
            self._known.popitem(last=False)

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
            if self._caching:  # as known_items would read it back
                joined = " ".join(tokens)
                k = KnownItem(
                    h.id,
                    rowid,
                    _words(joined) if joined else [],
                    event_id,
                    at,
                    _words(" ".join(summary_tokens)) if summary_tokens else None,
                    _words(" ".join(persons)) if persons else None,
                )
                self._remember(k)
                if event_id is not None and joined:
                    self._sibling_added(event_id, (at, rowid, h.id, k.tokens))
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
        k = self._known.get(item_id)
        if k is not None:
            self._known[item_id] = replace(k, event_id=event_id)
        self._siblings.clear()  # rare (an item stored before it could be grouped)

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
        self, event_id: int, exclude_item: str | None = None, limit: int = SIBLINGS
    ) -> list[list[str]]:
        """Title tokens of other items of one event (the same story on other platforms)."""
        if not self._caching or limit > SIBLINGS:
            rows = self.conn.execute(
                "SELECT tokens FROM items WHERE event_id = ? AND id != ? AND tokens != '' "
                "ORDER BY first_seen LIMIT ?",
                (event_id, exclude_item or "", limit),
            )
            return [r[0].split(" ") for r in rows]
        first = self._siblings.get(event_id)
        if first is None:
            first = [
                (r[0], r[1], r[2], _words(r[3]))
                for r in self.conn.execute(
                    "SELECT first_seen, rowid, id, tokens FROM items WHERE event_id = ? "
                    "AND tokens != '' ORDER BY first_seen LIMIT ?",
                    (event_id, SIBLINGS + 1),
                )
            ]
            self._siblings[event_id] = first
            if len(self._siblings) > SIBLINGS_KEPT:
                self._siblings.popitem(last=False)
        else:
            self._siblings.move_to_end(event_id)
        return [t for _, _, i, t in first if i != exclude_item][:limit]

    def _event_created(self, event_id: int) -> None:
        if self._caching:  # no items yet: nothing to read back when the first one asks
            self._siblings[event_id] = []
            if len(self._siblings) > SIBLINGS_KEPT:
                self._siblings.popitem(last=False)

    def _sibling_added(self, event_id: int, row: tuple[int, int, str, list[str]]) -> None:
        first = self._siblings.get(event_id)
        if first is None:
            return  # read from the database when asked
        if len(first) <= SIBLINGS or row[:2] < first[-1][:2]:
            first.append(row)
            first.sort(key=lambda r: r[:2])
            del first[SIBLINGS + 1 :]

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
        """(tokens, category, event id, last seen) of stored items: what relearning reads.
        Tokens are interned (``_words``): relearning holds the whole history at once, and a
        word is then one string, not one per item (less memory at the relearn's peak, less of
        it left scattered when it ends)."""
        for r in self.conn.execute("SELECT tokens, category, event_id, last_seen FROM items"):
            yield _words(r[0]) if r[0] else [], r[1], r[2], r[3]

    def hotspots(
        self,
        *,
        source: str | None = None,
        platform: str | None = None,
        since: int | None = None,
        search: str | None = None,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        """Stored items, most recently seen first; ``search`` finds titles containing the
        text (the bigram index for two characters or more, LIKE for one).

        A search word found in many titles (``SEARCH_SCAN_AT`` or more, counted with an early
        stop) is answered by walking the last-seen index newest first and keeping the
        matching rows until ``limit`` are found: cost ~ limit x items / matches, instead of
        looking up every match and sorting them (a word in 5% of a year's 770,000 titles took
        0.2 s that way, 12 ms this way). A rarer word keeps the lookup plan, where that walk
        would cross the whole index. Both plans order by (last seen, best rank, rowid): the
        same rows in the same order."""
        where: list[str] = []
        params: list[Any] = []
        walk_index: str | None = None
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
                phrase = '"' + grams.replace('"', "") + '"'
                where.append(
                    "i.rowid IN (SELECT rowid FROM items_search WHERE items_search MATCH ?)"
                )
                params.append(phrase)
                if self.search_hits(phrase, SEARCH_SCAN_AT) >= SEARCH_SCAN_AT:
                    walk_index = "items_source_last_seen" if source else "items_last_seen"
            else:
                where.append("i.title LIKE ? ESCAPE '\\'")
                params.append(like_contains(search))
        sql = (
            "SELECT i.id, i.platform, i.source, i.title, i.url, i.category, i.best_rank, "
            "i.last_rank, i.max_heat, i.last_heat, i.first_seen, i.last_seen, i.event_id, "
            "i.pinned, i.is_ad FROM items i"
        )
        if walk_index:
            sql += f" INDEXED BY {walk_index}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY i.last_seen DESC, i.best_rank, i.rowid LIMIT ?"
        params.append(limit)
        return self.rows(sql, params)

    def search_hits(self, phrase: str, cap: int) -> int:
        """How many titles the bigram phrase matches, counting no further than ``cap``."""
        return int(
            self.conn.execute(
                "SELECT COUNT(*) FROM (SELECT rowid FROM items_search WHERE items_search "
                "MATCH ? LIMIT ?)",
                (phrase, cap),
            ).fetchone()[0]
        )

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
        ids = self.insert_matches(
            [MatchAlerts((account,), theme, event_id, item_id, score, terms, explanation, at)]
        )
        return ids[0] if ids else None

    def insert_alerts(self, rows: Iterable[AlertRow | AlertTuple]) -> list[int]:
        """Insert alerts as ``insert_alert`` would one by one: the same rows, a row whose
        (account, theme, event) already has an alert, stored before or earlier in ``rows``,
        left out; returns the ids inserted, ascending. The ids are given account by account
        (``insert_matches``), so each account's alerts have the order of ``rows``.
        Consecutive rows of one match (same theme, event, item, score and time, and the
        same ``terms`` list and ``explanation`` dict objects) are stored as one match."""
        out: list[int] = []
        matches: list[MatchAlerts] = []
        for account, theme, event_id, item_id, score, terms, explanation, at in rows:
            if matches:
                m = matches[-1]
                if (
                    m.terms is terms
                    and m.explanation is explanation
                    and (m.theme, m.event_id, m.item_id, m.score, m.at)
                    == (theme, event_id, item_id, score, at)
                ):
                    m.accounts.append(account)  # type: ignore[attr-defined]
                    continue
                if at < m.at:  # insert_matches orders by time first: keep the rows' order
                    out += self.insert_matches(matches)
                    matches = []
            matches.append(
                MatchAlerts([account], theme, event_id, item_id, score, terms, explanation, at)
            )
        return out + self.insert_matches(matches)

    def insert_matches(self, matches: Iterable[MatchAlerts]) -> list[int]:
        """Insert the alerts of each match, one per account of ``accounts``; returns the ids
        of the alerts inserted, ascending. An (account, theme, event) that already has an
        alert, stored before or earlier in this call, is left out.

        The ids are the next free ones, given account by account (in the order of
        ``matches`` within an account): each account's alerts of one call are then one run
        of ids, and one ``alert_spans`` row per account and time finds them, where an
        (account, time) index entry per alert cost a random b-tree insert each.

        The per-account work is SQLite's: the matches go to a temporary table, and one
        ``INSERT ... SELECT`` expands them into alert rows. For one time (a poll) it walks a
        JSON object of each account's match ids (``_matches_by_account``, accounts in
        order), so the rows come out account by account without a sort (the join can only
        run in that order: the inner ``json_each`` reads the outer one's value, the matches
        are looked up by key). Otherwise each match's accounts (a JSON array, encoded once
        per accounts tuple) are expanded and sorted by (account, time, match). A match's
        terms and explanation are stored once, in ``alert_matches``, if any of its alerts
        was inserted. No Python runs per alert; the tests check the spans against the
        rows."""
        matches = list(matches)
        if not matches:
            return []
        # id() of a terms list / explanation dict -> (it, its JSON); holding the object
        # keeps its id from being reused by another during the call
        encoded: dict[int, tuple[Any, str]] = {}

        def text(value: Any) -> str:
            got = encoded.get(id(value))
            if got is None:
                got = encoded[id(value)] = (value, to_json(value))
            return got[1]

        conn = self.conn
        with self.transaction():  # the ids are only ours to give inside one transaction
            (last,) = conn.execute("SELECT COALESCE(MAX(id), 0) FROM alerts").fetchone()
            (match_last,) = conn.execute(
                "SELECT COALESCE(MAX(id), 0) FROM alert_matches"
            ).fetchone()
            conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS alert_pending (seq INTEGER PRIMARY KEY, "
                "accounts TEXT, theme TEXT, event_id INTEGER, item_id TEXT, score REAL, "
                "at INTEGER)"
            )
            conn.execute("DELETE FROM temp.alert_pending")
            at = matches[0].at
            one_time = all(m.at == at for m in matches)
            accounts = self._accounts_json
            conn.executemany(
                "INSERT INTO temp.alert_pending VALUES (?,?,?,?,?,?,?)",
                [
                    (
                        match_last + k,
                        "" if one_time else accounts(m),
                        m.theme,
                        m.event_id,
                        m.item_id,
                        m.score,
                        m.at,
                    )
                    for k, m in enumerate(matches, 1)
                ],
            )
            if one_time:  # (a poll) each account's matches, accounts in order: no sort
                conn.execute(
                    "INSERT INTO alerts (account, theme, event_id, item_id, score, match_id, "
                    "created_at) SELECT a.key, p.theme, p.event_id, p.item_id, p.score, p.seq, "
                    "p.at FROM json_each(?) a, json_each(a.value) s JOIN temp.alert_pending p "
                    "ON p.seq = s.value WHERE true "
                    "ON CONFLICT (event_id, account, theme) DO NOTHING",
                    (self._matches_by_account(matches, match_last),),
                )
            else:
                conn.execute(
                    "INSERT INTO alerts (account, theme, event_id, item_id, score, match_id, "
                    "created_at) SELECT j.value, p.theme, p.event_id, p.item_id, p.score, "
                    "p.seq, p.at FROM temp.alert_pending p, json_each(p.accounts) j WHERE true "
                    "ORDER BY j.value, p.at, p.seq "
                    "ON CONFLICT (event_id, account, theme) DO NOTHING"
                )
            (now_last,) = conn.execute("SELECT COALESCE(MAX(id), 0) FROM alerts").fetchone()
            if now_last == last:
                return []
            # ids were given in (account, time) order, so each (account, time) is one run
            counts, unused = self._expected_alerts(matches, match_last)
            if one_time and counts.total() == now_last - last:
                # one time, and nothing left out but the repeats within the call (a poll of
                # new events): the runs follow from the counts, in SQLite's order (UTF-8
                # byte order is code point order)
                spans, lo = [], last + 1
                for account in sorted(counts):
                    if counts[account] > 0:
                        spans.append((account, at, lo, lo + counts[account] - 1))
                        lo += counts[account]
                conn.executemany("INSERT INTO alert_spans VALUES (?,?,?,?)", spans)
                used: Container[int] = set(
                    range(match_last + 1, match_last + len(matches) + 1)
                ).difference(unused)
            else:
                conn.execute(
                    "INSERT INTO alert_spans (account, created_at, lo, hi) SELECT account, "
                    "created_at, MIN(id), MAX(id) FROM alerts WHERE id > ? "
                    "GROUP BY account, created_at",
                    (last,),
                )
                used = {
                    r[0]
                    for r in conn.execute(
                        "SELECT DISTINCT match_id FROM alerts WHERE id > ?", (last,)
                    )
                }
            conn.executemany(
                "INSERT INTO alert_matches (id, terms, explanation) VALUES (?,?,?)",
                [
                    (match_last + k, text(m.terms), text(m.explanation))
                    for k, m in enumerate(matches, 1)
                    if match_last + k in used
                ],
            )
        return list(range(last + 1, now_last + 1))

    def _matches_by_account(self, matches: list[MatchAlerts], match_last: int) -> str:
        """``{"account": [match ids in order], ...}`` with the accounts in code point order
        (SQLite's UTF-8 byte order), as JSON: what ``insert_matches`` expands without a
        sort. Built per distinct accounts tuple (a definition's accounts) and per distinct
        set of them an account belongs to, so the Python work follows the definitions;
        only the JSON text is per account."""
        groups: dict[int, tuple[Sequence[str], list[int]]] = {}
        for k, m in enumerate(matches, match_last + 1):
            g = groups.get(id(m.accounts))
            if g is None:
                groups[id(m.accounts)] = (m.accounts, [k])
            else:
                g[1].append(k)
        member: dict[str, list[int]] = {}
        lists = []
        for gi, (accounts, ids) in enumerate(groups.values()):
            lists.append(ids)
            for a in accounts:
                mine = member.get(a)
                if mine is None:
                    member[a] = [gi]
                else:
                    mine.append(gi)
        merged: dict[tuple[int, ...], str] = {}
        names = self._account_names
        parts = []
        for a in sorted(member):
            key = tuple(member[a])
            text = merged.get(key)
            if text is None:
                ids = lists[key[0]] if len(key) == 1 else sorted(chain(*(lists[i] for i in key)))
                text = merged[key] = to_json(ids)
            name = names.get(a)
            if name is None:
                if len(names) >= ACCOUNT_LISTS_KEPT:
                    names.clear()
                name = names[a] = to_json(a)
            parts.append(f"{name}:{text}")
        return "{" + ",".join(parts) + "}"

    @staticmethod
    def _expected_alerts(
        matches: list[MatchAlerts], match_last: int
    ) -> tuple[Counter[str], set[int]]:
        """The alerts per account ``matches`` raise if none is stored already, and the
        match ids that then raise none: an account a match shares with an earlier one of the
        same theme and event (two items of one story in one list) is left out of the later
        one. Counted in C (``Counter.update``) but for those repeats."""
        counts: Counter[str] = Counter()
        keys = Counter((m.theme, m.event_id) for m in matches)
        seen: dict[tuple[str, int], set[str]] = {}
        unused: set[int] = set()
        for k, m in enumerate(matches, 1):
            counts.update(m.accounts)
            key = (m.theme, m.event_id)
            if keys[key] > 1:
                before = seen.setdefault(key, set())
                repeats = before.intersection(m.accounts)
                counts.subtract(repeats)
                if len(repeats) == len(m.accounts):
                    unused.add(match_last + k)
                before.update(m.accounts)
        return counts, unused

    def _accounts_json(self, m: MatchAlerts) -> str:
        """The JSON array of a match's accounts; a definition's accounts tuple is the same
        object poll after poll, so it is encoded once (by identity, bounded)."""
        got = self._account_lists.get(id(m.accounts))
        if got is not None and got[0] is m.accounts:
            return got[1]
        encoded = to_json(list(m.accounts))
        if isinstance(m.accounts, tuple):  # a list may change: only tuples are kept
            if len(self._account_lists) >= ACCOUNT_LISTS_KEPT:
                self._account_lists.clear()
            self._account_lists[id(m.accounts)] = (m.accounts, encoded)
        return encoded

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
        # one account's alerts are found through its spans (the account's runs of ids),
        # newest span first: the (account, time) order an index would give
        by_span = bool(account) and ids is None
        for col, val in (("s.account" if by_span else "a.account", account), ("a.theme", theme)):
            if val:
                where.append(f"{col} = ?")
                params.append(val)
        if since is not None:
            where.append("s.created_at >= ?" if by_span else "a.created_at >= ?")
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
            "SELECT a.id, a.account, a.theme, a.score, m.terms, m.explanation, a.created_at, "
            "a.event_id, a.item_id, i.title, i.url, i.platform, i.source, i.last_rank AS rank,"
            " i.best_rank, i.last_heat AS heat, i.max_heat, i.category, i.summary, "
            "e.terms AS event_terms, e.first_seen AS event_first_seen, e.platforms, "
            "e.state, e.title AS event_title, e.heat AS event_heat, e.best_rank AS "
            "event_best_rank, (SELECT f.verdict FROM feedback f WHERE f.alert_id = a.id "
            "ORDER BY f.id DESC LIMIT 1) AS verdict "
            f"FROM {ACCOUNT_ALERTS if by_span else 'alerts a'} JOIN items i ON i.id = a.item_id "
            "LEFT JOIN events e ON e.id = a.event_id "
            "LEFT JOIN alert_matches m ON m.id = a.match_id"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        if by_span:  # a span's alerts share its time: the same order as below
            sql += " ORDER BY s.created_at DESC, s.lo DESC, a.id DESC"
        else:
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

    def vacuum(self) -> None:
        """Fold the WAL into the file and rewrite it without its free pages (``db vacuum``)."""
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.execute("VACUUM")

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
