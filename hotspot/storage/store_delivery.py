"""The delivery tables: digests per (account, day) and pushes per (notifier, alert).

A mixin of ``Store`` (it uses ``self.conn``, ``self.rows`` and ``self.transaction``).

Digest protocol (exactly once per account per day, across restarts):

    claim_digest()  -> row committed as ``pending`` (attempts += 1) BEFORE the SMTP call
    SMTP accepts    -> digest_done() commits ``sent``
    SMTP fails      -> digest_failed() keeps it ``pending`` with ``next_attempt`` =
                       now + backoff (exponential with jitter, capped at 1 h) and the error

A daemon killed between "pending" and "sent" finds the row pending on restart and sends it
then: in the normal case (the server had not accepted the message) exactly one mail arrives.
The residual window is a crash *after* the server accepted and *before* the ``sent`` commit:
that digest is sent again (at-least-once). The Message-ID is derived from (account, day), so
the resend carries the same Message-ID and most mail clients (Gmail, Thunderbird, Outlook)
show it once.

Pushes follow the same shape in ``deliveries``: a row per (notifier, alert) is inserted once
(``INSERT OR IGNORE``: at most one push per alert per notifier), then marked ``sent`` or
rescheduled. Source alerts (``source_alerts`` table) are pushed too; their rows use the
negative id ``-source_alerts.id`` so they share the table without clashing with alerts.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from hotspot.storage.store_feedback import NOT_IRRELEVANT

BACKOFF_BASE = 60.0
BACKOFF_CAP = 3600.0
MAX_PUSH_ATTEMPTS = 12


def backoff(attempts: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after the ``attempts``-th failure: 60 s doubling, full jitter in the
    upper half, never above an hour."""
    r = rng or random
    base = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1))
    return min(BACKOFF_CAP, base / 2 + r.random() * base / 2)


#: Delivery ids at or above this are follow-up pushes of alert ``id - FOLLOW_UP_ID``.
FOLLOW_UP_ID = 1 << 40


class DeliveryStore:
    """Queries and writes of the delivery layer (mixed into ``Store``)."""

    conn: sqlite3.Connection
    rows: Callable[..., list[dict[str, Any]]]
    transaction: Callable[[], AbstractContextManager[None]]

    # -- digests --------------------------------------------------------------------------
    def digest(self, account: str, day: str) -> dict[str, Any] | None:
        r = self.rows("SELECT * FROM digests WHERE account = ? AND day = ?", (account, day))
        return r[0] if r else None

    def last_sent_digests(self) -> dict[str, dict[str, Any]]:
        """account -> its sent (or empty) digest with the latest day (day, period_end, ...)."""
        rows = self.rows(
            "SELECT d.* FROM digests d JOIN (SELECT account, MAX(day) AS day FROM "
            "digests WHERE status IN ('sent', 'empty') GROUP BY account) m "
            "ON m.account = d.account AND m.day = d.day"
        )
        return {r["account"]: r for r in rows}

    def claim_digest(
        self,
        account: str,
        day: str,
        period_start: int,
        period_end: int,
        message_id: str,
        now: int,
        *,
        force: bool = False,
    ) -> dict[str, Any] | None:
        """Record (and commit) the digest as pending before sending it.

        Returns the row to send, or None when it is already sent (unless ``force``) or is
        waiting for its next attempt. A pending row keeps its original period, so a retry
        sends the same content.
        """
        with self.transaction():
            row = self.digest(account, day)
            if row is None:
                self.conn.execute(
                    "INSERT INTO digests (account, day, status, period_start, period_end, "
                    "attempts, message_id, created_at) VALUES (?,?,'pending',?,?,0,?,?)",
                    (account, day, period_start, period_end, message_id, now),
                )
            elif (row["status"] in ("sent", "empty") and not force) or (
                row["status"] == "pending" and not force and (row["next_attempt"] or 0) > now
            ):
                return None
            else:
                self.conn.execute(
                    "UPDATE digests SET status = 'pending', message_id = ?, "
                    "period_start = CASE WHEN ? THEN ? ELSE period_start END, "
                    "period_end = CASE WHEN ? THEN ? ELSE period_end END "
                    "WHERE account = ? AND day = ?",
                    (message_id, force, period_start, force, period_end, account, day),
                )
            self.conn.execute(
                "UPDATE digests SET attempts = attempts + 1, next_attempt = NULL "
                "WHERE account = ? AND day = ?",
                (account, day),
            )
            # older digests that never went out are covered by this one's period
            self.conn.execute(
                "UPDATE digests SET status = 'superseded' WHERE account = ? AND "
                "day < ? AND status = 'pending'",
                (account, day),
            )
            return self.digest(account, day)

    def digest_done(self, account: str, day: str, status: str, now: int) -> None:
        """Commit ``sent`` (the server accepted it) or ``empty`` (nothing to send)."""
        with self.transaction():
            self.conn.execute(
                "UPDATE digests SET status = ?, sent_at = ?, error = NULL, "
                "next_attempt = NULL WHERE account = ? AND day = ?",
                (status, now, account, day),
            )

    def digest_failed(
        self, account: str, day: str, error: str, now: int, rng: random.Random | None = None
    ) -> int:
        """Keep it pending, schedule the next attempt; returns that time."""
        row = self.digest(account, day)
        attempts = row["attempts"] if row else 1
        at = now + int(backoff(attempts, rng))
        with self.transaction():
            self.conn.execute(
                "UPDATE digests SET status = 'pending', error = ?, "
                "next_attempt = ? WHERE account = ? AND day = ?",
                (error, at, account, day),
            )
        return at

    def pending_digests(self, now: int) -> list[dict[str, Any]]:
        return self.rows(
            "SELECT * FROM digests WHERE status = 'pending' AND "
            "COALESCE(next_attempt, 0) <= ? ORDER BY day",
            (now,),
        )

    # -- what a digest contains -----------------------------------------------------------
    def alerts_between(self, account: str, start: int, end: int) -> list[dict[str, Any]]:
        """The account's alerts created in [start, end), with item, event and trend; alerts
        the operator marked irrelevant are left out (they are never listed in a digest)."""
        rows = self.rows(
            "SELECT a.id, a.account, a.theme, a.score, a.terms, a.created_at, a.event_id, "
            "a.item_id, i.title, i.url, i.platform, i.source, i.best_rank, i.max_heat, "
            "i.summary, i.category, e.title AS event_title, e.terms AS event_terms, "
            "i.first_seen, e.platforms, e.state, e.heat AS event_heat, e.best_rank AS "
            "event_best_rank, e.first_seen AS event_first_seen, e.trend FROM alerts a "
            "JOIN items i ON i.id = a.item_id LEFT JOIN events e ON e.id = a.event_id "
            "WHERE a.account = ? AND a.created_at >= ? AND a.created_at < ? "
            f"AND {NOT_IRRELEVANT} ORDER BY a.created_at",
            (account, start, end),
        )
        for r in rows:
            r["terms"] = json.loads(r["terms"])
            r["platforms"] = [p for p in (r.get("platforms") or "").split(",") if p]
            r["trend"] = json.loads(r["trend"]) if r.get("trend") else None
        return rows

    def source_alerts_between(self, start: int, end: int) -> list[dict[str, Any]]:
        """Source alerts raised in the period, plus any "down" still open at its start."""
        rows = self.rows(
            "SELECT * FROM source_alerts WHERE at >= ? AND at < ? ORDER BY at", (start, end)
        )
        open_before = self.rows(
            "SELECT s.* FROM source_alerts s JOIN (SELECT source, MAX(id) AS id FROM "
            "source_alerts WHERE at < ? GROUP BY source) m ON m.id = s.id "
            "WHERE s.kind = 'down'",
            (start,),
        )
        return open_before + rows

    # -- pushes ---------------------------------------------------------------------------
    def enqueue_deliveries(self, pairs: Iterable[tuple[str, int]], now: int) -> int:
        """Insert pending (notifier, alert) rows; existing ones are left alone."""
        pairs = list(pairs)
        if not pairs:
            return 0
        with self.transaction():
            before = self.conn.total_changes
            self.conn.executemany(
                "INSERT OR IGNORE INTO deliveries (notifier, alert_id, status, attempts, "
                "next_attempt) VALUES (?, ?, 'pending', 0, ?)",
                [(n, a, now) for n, a in pairs],
            )
            return self.conn.total_changes - before

    def due_deliveries(self, notifier: str, now: int, limit: int = 50) -> list[dict[str, Any]]:
        return self.rows(
            "SELECT * FROM deliveries WHERE notifier = ? AND status = 'pending' "
            "AND COALESCE(next_attempt, 0) <= ? ORDER BY alert_id LIMIT ?",
            (notifier, now, limit),
        )

    def deliveries_sent(self, notifier: str, alert_ids: Sequence[int], now: int) -> None:
        with self.transaction():
            self.conn.executemany(
                "UPDATE deliveries SET status = 'sent', sent_at = ?, error = NULL, attempts = "
                "attempts + 1, next_attempt = NULL WHERE notifier = ? AND alert_id = ?",
                [(now, notifier, a) for a in alert_ids],
            )

    def deliveries_failed(
        self,
        notifier: str,
        alert_ids: Sequence[int],
        error: str,
        now: int,
        rng: random.Random | None = None,
    ) -> None:
        with self.transaction():
            for a in alert_ids:
                r = self.conn.execute(
                    "SELECT attempts FROM deliveries WHERE notifier = ? AND alert_id = ?",
                    (notifier, a),
                ).fetchone()
                attempts = (r[0] if r else 0) + 1
                status = "failed" if attempts >= MAX_PUSH_ATTEMPTS else "pending"
                self.conn.execute(
                    "UPDATE deliveries SET attempts = ?, status = ?, error = ?, next_attempt = ?"
                    " WHERE notifier = ? AND alert_id = ?",
                    (attempts, status, error, now + int(backoff(attempts, rng)), notifier, a),
                )

    def push_alerts(self, ids: Sequence[int]) -> list[dict[str, Any]]:
        """Alerts by id with what a push shows (title, url, platforms, rank, heat, state, the
        rising estimate). An id of ``FOLLOW_UP_ID + alert id`` is the alert's one follow-up
        push ("再度升温"): same row, that id, ``follow_up`` true. Alerts marked irrelevant are
        left out (follow-ups too), so a rising event the operator rejected is not pushed again
        (its queued rows are closed as having nothing to send)."""
        if not ids:
            return []
        wanted = {i: i % FOLLOW_UP_ID for i in ids}
        base = sorted(set(wanted.values()))
        marks = ",".join("?" * len(base))
        rows = self.rows(
            "SELECT a.id, a.account, a.theme, a.score, a.terms, a.created_at, a.event_id, "
            "i.title, i.url, i.platform, i.best_rank, i.max_heat, e.platforms, e.state, "
            "i.summary, i.category, "
            "e.rising_chance, e.rising_eta, e.rising_why, e.follow_up_at, e.follow_up_why, "
            f"e.heat AS event_heat FROM alerts a JOIN items i ON i.id = a.item_id LEFT JOIN "
            f"events e ON e.id = a.event_id WHERE a.id IN ({marks}) AND {NOT_IRRELEVANT} "
            "ORDER BY a.id",
            base,
        )
        by_id = {r["id"]: r for r in rows}
        out = []
        for want in sorted(wanted):
            r = by_id.get(wanted[want])
            if r is None:
                continue
            r = dict(r, id=want, follow_up=want >= FOLLOW_UP_ID)
            r["terms"] = json.loads(r["terms"])
            r["platforms"] = [p for p in (r.get("platforms") or "").split(",") if p]
            r["kind"] = "alert"
            r["rising"] = r.get("state") == "rising"
            out.append(r)
        return out

    def push_source_alerts(self, ids: Sequence[int]) -> list[dict[str, Any]]:
        """Source alerts by their (positive) id, shaped like alerts with kind='source'."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self.rows(
            f"SELECT * FROM source_alerts WHERE id IN ({marks}) ORDER BY id", list(ids)
        )
        return [
            {
                "id": -r["id"],
                "kind": "source",
                "source": r["source"],
                "source_kind": r["kind"],
                "title": r["message"],
                "created_at": r["at"],
                "url": None,
                "score": 1.0,
                "theme": "",
                "account": "",
                "terms": [],
                "platforms": [],
                "rising": False,
            }
            for r in rows
        ]

    def latest_source_alert_id(self, source: str) -> int | None:
        r = self.conn.execute(
            "SELECT MAX(id) FROM source_alerts WHERE source = ?", (source,)
        ).fetchone()
        return r[0] if r else None

    def alert_ids_of_events(self, event_ids: Sequence[int]) -> list[int]:
        if not event_ids:
            return []
        marks = ",".join("?" * len(event_ids))
        return [
            r[0]
            for r in self.conn.execute(
                f"SELECT id FROM alerts WHERE event_id IN ({marks})", list(event_ids)
            )
        ]
