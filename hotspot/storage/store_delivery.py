"""The delivery tables: digests per (account, day) and pushes per (notifier, alert).

A mixin of ``Store`` (it uses ``self.conn``, ``self.rows`` and ``self.transaction``).

Digest protocol (exactly once per account per day, across restarts):

    claim_digest()  -> row committed as ``pending`` (attempts += 1) BEFORE the SMTP call,
                       covering the alerts ``alert_from < id <= alert_upto`` (from the last
                       sent digest's watermark to the newest alert) and ``period_start``–now
    SMTP accepts    -> digest_done() commits ``sent`` (recipients refused for now go to
                       ``retry_to`` and are retried alone with the same message)
    SMTP fails      -> digest_failed() keeps it ``pending`` with ``next_attempt`` =
                       now + backoff (exponential with jitter, capped at 1 h) and the error,
                       or gives up (``failed``) after ``MAX_DIGEST_ATTEMPTS``

Sent digests partition the account's alerts by id, so every alert is in exactly one of them.
(Alert ids are SQLite rowids: they grow, except that a rowid can be reused if the newest
alert is deleted; retention deletes the oldest, so in practice they only grow.)

A daemon killed between "pending" and "sent" finds the row pending on restart and sends it
then: in the normal case (the server had not accepted the message) exactly one mail arrives.
The residual window is a crash *after* the server accepted and *before* the ``sent`` commit:
that digest is sent again (at-least-once). The Message-ID is derived from (account, day), so
the resend carries the same Message-ID and most mail clients (Gmail, Thunderbird, Outlook)
show it once.

Pushes: a row per (notifier, alert) is inserted once in ``deliveries`` (``INSERT OR IGNORE``).
Before a message is sent, ``begin_message`` commits a ``push_messages`` row (``sending``) and
links its deliveries to it; then ``message_sent``, ``message_failed`` (certainly not
delivered: pending again with backoff, or ``failed`` after ``MAX_PUSH_ATTEMPTS``) or
``message_unconfirmed`` (sent, not answered: never resent). ``recover_sending`` turns what a
killed process left ``sending`` into ``unconfirmed``. Source alerts (``source_alerts`` table) are pushed too; their rows use the
negative id ``-source_alerts.id`` so they share the table without clashing with alerts.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from hotspot.storage.columns import ACCOUNT_ALERTS
from hotspot.storage.store_feedback import NOT_IRRELEVANT

BACKOFF_BASE = 60.0
BACKOFF_CAP = 3600.0
MAX_PUSH_ATTEMPTS = 12
MAX_DIGEST_ATTEMPTS = 24
DAY = 86400


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
    meta: Callable[[str], str | None]
    set_meta: Callable[[str, str], None]

    # -- digests ------------------------------------------------------------------------
    def digest(self, account: str, day: str) -> dict[str, Any] | None:
        r = self.rows("SELECT * FROM digests WHERE account = ? AND day = ?", (account, day))
        return r[0] if r else None

    def last_sent_digests(self) -> dict[str, dict[str, Any]]:
        """account -> its most recently sent (or recorded empty) digest: the one whose period
        ended last. Its ``period_end`` and ``alert_upto`` are where the next digest starts."""
        rows = self.rows(
            "SELECT * FROM digests WHERE status IN ('sent', 'empty') "
            "ORDER BY account, period_end, COALESCE(alert_upto, 0)"
        )
        return {r["account"]: r for r in rows}

    def mark_covered(self, now: int) -> None:
        """Remember when hotspot first started collecting (daemon start, poll or import):
        no digest is due for a period before that."""
        if self.meta("covered_since") is None:
            with self.transaction():
                self.set_meta("covered_since", str(int(now)))

    def coverage_start(self, account: str) -> int | None:
        """When collecting for ``account`` began: the first start/poll/import, or its oldest
        alert if that is older (an import of history). None: nothing was ever covered."""
        meta = self.meta("covered_since")
        r = self.conn.execute(
            "SELECT MIN(created_at) FROM alert_spans WHERE account = ?", (account,)
        ).fetchone()
        candidates = [int(v) for v in (meta, r[0] if r else None) if v is not None]
        return min(candidates) if candidates else None

    def digest_bounds(self, account: str, now: int) -> dict[str, int]:
        """What the next digest of ``account`` covers if it is sent at ``now``: the alerts
        with ``alert_from < id <= alert_upto`` and the period ``period_start``–``now``.
        ``alert_from`` is the watermark of the previously sent digest, so every alert is in
        exactly one sent digest whatever day labels, early or late sends and restarts."""
        last = self.last_sent_digests().get(account)
        if last is None:
            alert_from = 0
            start = self.coverage_start(account)
            period_start = start if start is not None and start < now else now - DAY
        else:
            alert_from = self._watermark(account, last)
            period_start = int(last["period_end"])
        r = self.conn.execute("SELECT MAX(id) FROM alerts").fetchone()
        upto = max(int(r[0] or 0), alert_from)
        return {
            "alert_from": alert_from,
            "alert_upto": upto,
            "period_start": min(period_start, now),
            "period_end": now,
        }

    def _watermark(self, account: str, row: dict[str, Any]) -> int:
        if row.get("alert_upto") is not None:
            return int(row["alert_upto"])
        r = self.conn.execute(  # a digest sent before watermarks existed: by time
            "SELECT MAX(hi) FROM alert_spans WHERE account = ? AND created_at < ?",
            (account, row["period_end"]),
        ).fetchone()
        return int(r[0] or 0)

    def claim_digest(
        self,
        account: str,
        day: str,
        message_id: str,
        now: int,
        *,
        force: bool = False,
    ) -> dict[str, Any] | None:
        """Record (and commit) the digest as pending before sending it.

        Returns the row to send, or None when it is already sent (unless ``force``), was
        given up, or is waiting for its next attempt. A new or retried digest covers what
        ``digest_bounds`` says at ``now``; a forced resend of a sent one keeps its content
        (its row is returned unchanged but for the Message-ID, and stays ``sent``).
        """
        with self.transaction():
            row = self.digest(account, day)
            if row is not None and row["status"] in ("sent", "empty"):
                if not force:
                    return None
                return {**row, "message_id": message_id, "resend": True}
            if row is not None and not force:
                if row["status"] == "failed":
                    return None
                if row["status"] == "pending" and (row["next_attempt"] or 0) > now:
                    return None
            b = self.digest_bounds(account, now)
            if row is None:
                self.conn.execute(
                    "INSERT INTO digests (account, day, status, period_start, period_end, "
                    "attempts, message_id, created_at, alert_from, alert_upto) "
                    "VALUES (?,?,'pending',?,?,0,?,?,?,?)",
                    (
                        account,
                        day,
                        b["period_start"],
                        b["period_end"],
                        message_id,
                        now,
                        b["alert_from"],
                        b["alert_upto"],
                    ),
                )
            else:
                self.conn.execute(
                    "UPDATE digests SET status = 'pending', message_id = ?, period_start = ?, "
                    "period_end = ?, alert_from = ?, alert_upto = ? WHERE account = ? "
                    "AND day = ?",
                    (
                        message_id,
                        b["period_start"],
                        b["period_end"],
                        b["alert_from"],
                        b["alert_upto"],
                        account,
                        day,
                    ),
                )
            self.conn.execute(
                "UPDATE digests SET attempts = attempts + 1, next_attempt = NULL "
                "WHERE account = ? AND day = ?",
                (account, day),
            )
            # other digests that never went out are covered by this one
            self.conn.execute(
                "UPDATE digests SET status = 'superseded' WHERE account = ? AND "
                "day != ? AND status IN ('pending', 'failed')",
                (account, day),
            )
            return self.digest(account, day)

    def digest_done(
        self,
        account: str,
        day: str,
        status: str,
        now: int,
        *,
        retry_to: Sequence[str] = (),
        error: str | None = None,
        message_id: str | None = None,
    ) -> None:
        """Commit ``sent`` (the server accepted it) or ``empty`` (nothing to send).
        ``retry_to``: recipients the server refused for now (4xx), retried later with the
        same message (``recipient_retries``)."""
        with self.transaction():
            self.conn.execute(
                "UPDATE digests SET status = ?, sent_at = ?, error = ?, retry_to = ?, "
                "next_attempt = ?, message_id = COALESCE(?, message_id) "
                "WHERE account = ? AND day = ?",
                (
                    status,
                    now,
                    error,
                    json.dumps(list(retry_to)) if retry_to else None,
                    now + int(backoff(1)) if retry_to else None,
                    message_id,
                    account,
                    day,
                ),
            )

    def recipient_retry_failed(
        self, account: str, day: str, retry_to: Sequence[str], error: str, now: int
    ) -> int | None:
        """A recipient retry failed again: schedule the next one (None: gave up)."""
        row = self.digest(account, day)
        attempts = (row["attempts"] if row else 0) + 1
        give_up = attempts >= MAX_DIGEST_ATTEMPTS
        at = None if give_up else now + int(backoff(attempts))
        with self.transaction():
            self.conn.execute(
                "UPDATE digests SET attempts = ?, error = ?, retry_to = ?, next_attempt = ? "
                "WHERE account = ? AND day = ?",
                (
                    attempts,
                    error,
                    None if give_up else json.dumps(list(retry_to)),
                    at,
                    account,
                    day,
                ),
            )
        return at

    def recipient_retries(self, now: int) -> list[dict[str, Any]]:
        rows = self.rows(
            "SELECT * FROM digests WHERE status = 'sent' AND retry_to IS NOT NULL AND "
            "COALESCE(next_attempt, 0) <= ? ORDER BY day",
            (now,),
        )
        for r in rows:
            r["retry_to"] = json.loads(r["retry_to"])
        return rows

    def digest_failed(
        self, account: str, day: str, error: str, now: int, rng: random.Random | None = None
    ) -> int | None:
        """Keep it pending and schedule the next attempt (returns its time), or give up
        (status ``failed``, returns None) after ``MAX_DIGEST_ATTEMPTS``; its alerts then go
        into the next digest."""
        row = self.digest(account, day)
        attempts = row["attempts"] if row else 1
        give_up = attempts >= MAX_DIGEST_ATTEMPTS
        at = None if give_up else now + int(backoff(attempts, rng))
        with self.transaction():
            self.conn.execute(
                "UPDATE digests SET status = ?, error = ?, "
                "next_attempt = ? WHERE account = ? AND day = ?",
                ("failed" if give_up else "pending", error, at, account, day),
            )
        return at

    def pending_digests(self, now: int) -> list[dict[str, Any]]:
        return self.rows(
            "SELECT * FROM digests WHERE status = 'pending' AND "
            "COALESCE(next_attempt, 0) <= ? ORDER BY day",
            (now,),
        )

    def undelivered_digests(self) -> list[dict[str, Any]]:
        """Pending, given-up and partly delivered digests, for ``deliveries`` and ``doctor``."""
        return self.rows(
            "SELECT * FROM digests WHERE status IN ('pending', 'failed') OR "
            "(status = 'sent' AND error IS NOT NULL) ORDER BY day, account"
        )

    # -- what a digest contains -----------------------------------------------------------
    def digest_alerts(self, account: str, alert_from: int, alert_upto: int) -> list[dict[str, Any]]:
        """The account's alerts with ``alert_from < id <= alert_upto``."""
        return self._digest_rows(
            "s.account = ? AND s.hi > ? AND s.lo <= ? AND a.id > ? AND a.id <= ?",
            (account, alert_from, alert_upto, alert_from, alert_upto),
        )

    def alerts_between(self, account: str, start: int, end: int) -> list[dict[str, Any]]:
        """The account's alerts created in [start, end), with item, event and trend."""
        return self._digest_rows(
            "s.account = ? AND s.created_at >= ? AND s.created_at < ?", (account, start, end)
        )

    def _digest_rows(self, where: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        """One account's alerts (through its spans, ``s``) for a digest; those the operator marked irrelevant are left out (they are
        never listed in a digest, though the digest's bounds still cover them)."""
        rows = self.rows(
            "SELECT a.id, a.account, a.theme, a.score, m.terms, a.created_at, a.event_id, "
            "a.item_id, i.title, i.url, i.platform, i.source, i.best_rank, i.max_heat, "
            "i.summary, i.category, e.title AS event_title, e.terms AS event_terms, "
            "i.first_seen, e.platforms, e.state, e.heat AS event_heat, e.best_rank AS "
            f"event_best_rank, e.first_seen AS event_first_seen, e.trend FROM {ACCOUNT_ALERTS} "
            "JOIN items i ON i.id = a.item_id LEFT JOIN events e ON e.id = a.event_id "
            "LEFT JOIN alert_matches m ON m.id = a.match_id "
            f"WHERE ({where}) AND {NOT_IRRELEVANT} ORDER BY a.created_at, a.id",
            tuple(params),
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

    def due_deliveries(self, notifier: str, now: int, limit: int = 500) -> list[dict[str, Any]]:
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

    # -- push messages: recorded before they are sent -------------------------------------
    def begin_message(self, notifier: str, account: str, alert_ids: Sequence[int], now: int) -> int:
        """Commit a ``sending`` message row (and its alerts' deliveries) BEFORE the request:
        a crash during it leaves the message ``unconfirmed``, never resent."""
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO push_messages (notifier, account, alerts, status, started_at) "
                "VALUES (?, ?, ?, 'sending', ?)",
                (notifier, account, len(alert_ids), now),
            )
            mid = int(cur.lastrowid or 0)
            self.conn.executemany(
                "UPDATE deliveries SET status = 'sending', message = ?, attempts = attempts + 1 "
                "WHERE notifier = ? AND alert_id = ?",
                [(mid, notifier, a) for a in alert_ids],
            )
        return mid

    def _finish_message(self, mid: int, status: str, now: int, error: str | None) -> None:
        self.conn.execute(
            "UPDATE push_messages SET status = ?, finished_at = ?, error = ? WHERE id = ?",
            (status, now, error, mid),
        )

    def message_sent(self, mid: int, now: int) -> None:
        with self.transaction():
            self._finish_message(mid, "sent", now, None)
            self.conn.execute(
                "UPDATE deliveries SET status = 'sent', sent_at = ?, error = NULL, "
                "next_attempt = NULL WHERE message = ?",
                (now, mid),
            )

    def message_unconfirmed(self, mid: int, error: str, now: int) -> None:
        """Sent (perhaps) but not answered: shown as ``unconfirmed``, never resent."""
        with self.transaction():
            self._finish_message(mid, "unconfirmed", now, error)
            self.conn.execute(
                "UPDATE deliveries SET status = 'unconfirmed', error = ?, next_attempt = NULL "
                "WHERE message = ?",
                (error, mid),
            )

    def message_failed(
        self, mid: int, error: str, now: int, rng: random.Random | None = None
    ) -> tuple[int, int | None]:
        """Certainly not delivered (refused connection, DNS, an error status): its alerts are
        pending again with a backoff, or ``failed`` after ``MAX_PUSH_ATTEMPTS``. Returns
        (number of alerts given up, time of the next attempt or None)."""
        given_up, next_at = 0, None
        with self.transaction():
            self._finish_message(mid, "failed", now, error)
            rows = self.conn.execute(
                "SELECT notifier, alert_id, attempts FROM deliveries WHERE message = ?", (mid,)
            ).fetchall()
            for notifier, alert_id, attempts in rows:
                give_up = attempts >= MAX_PUSH_ATTEMPTS
                at = now + int(backoff(attempts, rng))
                given_up += give_up
                next_at = None if give_up else at
                self.conn.execute(
                    "UPDATE deliveries SET status = ?, error = ?, next_attempt = ? "
                    "WHERE notifier = ? AND alert_id = ?",
                    ("failed" if give_up else "pending", error, at, notifier, alert_id),
                )
        return given_up, next_at

    def recover_sending(self, now: int) -> int:
        """Messages left ``sending`` by a process that died mid-request: ``unconfirmed``."""
        error = "interrupted while sending (the daemon stopped or crashed); not resent"
        with self.transaction():
            mids = [
                r[0]
                for r in self.conn.execute("SELECT id FROM push_messages WHERE status = 'sending'")
            ]
            for mid in mids:
                self._finish_message(mid, "unconfirmed", now, error)
            self.conn.execute(
                "UPDATE deliveries SET status = 'unconfirmed', error = ? WHERE status = 'sending'",
                (error,),
            )
        return len(mids)

    def messages_since(self, notifier: str, since: int) -> int:
        """Messages ``notifier`` started since ``since`` (the hourly cap counts them all)."""
        r = self.conn.execute(
            "SELECT COUNT(*) FROM push_messages WHERE notifier = ? AND started_at >= ?",
            (notifier, since),
        ).fetchone()
        return int(r[0])

    def undelivered_pushes(self) -> list[dict[str, Any]]:
        """Deliveries not (yet, or not certainly) delivered, with the alert they carry."""
        return self.rows(
            "SELECT d.notifier, d.alert_id, d.status, d.attempts, d.next_attempt, d.error, "
            "d.message, a.account, a.theme, COALESCE(i.title, s.message) AS title, "
            "COALESCE(m.started_at, d.next_attempt) AS at FROM deliveries d "
            "LEFT JOIN alerts a ON a.id = d.alert_id LEFT JOIN items i ON i.id = a.item_id "
            "LEFT JOIN source_alerts s ON s.id = -d.alert_id "
            "LEFT JOIN push_messages m ON m.id = d.message "
            "WHERE d.status IN ('pending', 'failed', 'unconfirmed', 'sending') "
            "ORDER BY d.notifier, d.alert_id"
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
            "SELECT a.id, a.account, a.theme, a.score, m.terms, a.created_at, a.event_id, "
            "i.title, i.url, i.platform, i.best_rank, i.max_heat, e.platforms, e.state, "
            "i.summary, i.category, "
            "e.rising_chance, e.rising_eta, e.rising_why, e.follow_up_at, e.follow_up_why, "
            f"e.heat AS event_heat FROM alerts a JOIN items i ON i.id = a.item_id LEFT JOIN "
            "events e ON e.id = a.event_id LEFT JOIN alert_matches m ON m.id = a.match_id "
            f"WHERE a.id IN ({marks}) AND {NOT_IRRELEVANT} "
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
