"""Operator feedback on alerts (mixed into ``Store``): every judgement is kept.

A verdict is ``useful``, ``irrelevant`` or ``chased`` (the operator wrote about it), optionally
naming the evidence ``term`` it is about. Rows are never updated or deleted: the newest row of
an alert is its current verdict, and the full list is the history the matcher learns from. The
CLI (``hotspot alerts mark``), the web workspace and the MCP server all write through
``record_feedback``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Any

from hotspot.errors import InputError
from hotspot.i18n import _

VERDICTS = ("useful", "irrelevant", "chased")
# SQL: the alert ``a`` is not currently marked irrelevant (its newest verdict decides)
NOT_IRRELEVANT = (
    "COALESCE((SELECT f.verdict FROM feedback f WHERE f.alert_id = a.id "
    "ORDER BY f.id DESC LIMIT 1), '') != 'irrelevant'"
)


class FeedbackStore:
    """Writes and reads of the ``feedback`` table (mixed into ``Store``)."""

    conn: sqlite3.Connection
    rows: Callable[..., list[dict[str, Any]]]  # provided by Store

    def record_feedback(
        self,
        alert_id: int,
        verdict: str,
        *,
        term: str | None = None,
        origin: str = "cli",
        at: int | None = None,
    ) -> dict[str, Any]:
        """Record one judgement on ``alert_id``; returns the stored row. Raises ``InputError``
        for an unknown alert or verdict (nothing is written then)."""
        if verdict not in VERDICTS:
            raise InputError(
                _("unknown verdict {verdict!r}; use one of: {verdicts}").format(
                    verdict=verdict, verdicts=", ".join(VERDICTS)
                )
            )
        found = self.conn.execute(
            "SELECT account, theme, event_id FROM alerts WHERE id = ?", (alert_id,)
        ).fetchone()
        if found is None:
            raise InputError(
                _("no alert with id {alert_id}; see 'hotspot alerts list'").format(
                    alert_id=alert_id
                )
            )
        account, theme, event_id = found
        when = int(time.time()) if at is None else int(at)
        cur = self.conn.execute(
            "INSERT INTO feedback (alert_id, account, theme, event_id, verdict, term, origin, at)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (alert_id, account, theme, event_id, verdict, term or None, origin, when),
        )
        return {
            "id": cur.lastrowid,
            "alert_id": alert_id,
            "account": account,
            "theme": theme,
            "event_id": event_id,
            "verdict": verdict,
            "term": term or None,
            "origin": origin,
            "at": when,
        }

    def feedback_for_alert(self, alert_id: int) -> list[dict[str, Any]]:
        """Every judgement on one alert, oldest first."""
        return self.rows("SELECT * FROM feedback WHERE alert_id = ? ORDER BY id", (alert_id,))

    def current_verdicts(self, alert_ids: Sequence[int]) -> dict[int, str]:
        """The newest verdict of each of ``alert_ids`` that has one."""
        out: dict[int, str] = {}
        ids = list(alert_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            for alert_id, verdict in self.conn.execute(
                "SELECT f.alert_id, f.verdict FROM feedback f WHERE f.id IN (SELECT MAX(id) FROM"
                f" feedback WHERE alert_id IN ({','.join('?' * len(chunk))}) GROUP BY alert_id)",
                chunk,
            ):
                out[alert_id] = verdict
        return out

    def feedback(
        self, *, account: str | None = None, theme: str | None = None
    ) -> list[dict[str, Any]]:
        """Every judgement (optionally of one account / theme), oldest first, with the
        judged alert's stored evidence terms: what the matcher learns from."""
        where: list[str] = []
        params: list[Any] = []
        for col, val in (("f.account", account), ("f.theme", theme)):
            if val:
                where.append(f"{col} = ?")
                params.append(val)
        sql = (
            "SELECT f.*, m.terms AS alert_terms FROM feedback f "
            "LEFT JOIN alerts a ON a.id = f.alert_id "
            "LEFT JOIN alert_matches m ON m.id = a.match_id"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        return self.rows(sql + " ORDER BY f.id", params)
