"""The per-source bookkeeping of the store: poll records, backoff/health state and source
alerts (mixed into ``Store``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

STATE_COLUMNS = {
    "source",
    "last_attempt",
    "last_success",
    "last_error",
    "last_error_at",
    "failures",
    "failing_since",
    "backoff_until",
    "next_poll",
    "etag",
    "last_modified",
    "preferred_url",
    "host_wait",
    "down_alerted",
}


class SourceStore:
    """Queries and writes about sources' health (mixed into ``Store``)."""

    conn: sqlite3.Connection
    rows: Callable[..., list[dict[str, Any]]]  # provided by Store

    def record_poll(
        self,
        source: str,
        started_at: float,
        duration_ms: int,
        items: int,
        new_items: int,
        alerts: int,
        error: str | None,
    ) -> None:
        self.conn.execute(
            "INSERT INTO polls (source, started_at, duration_ms, items, new_items, alerts, "
            "error) VALUES (?,?,?,?,?,?,?)",
            (source, int(started_at), duration_ms, items, new_items, alerts, error),
        )

    def source_state(self, source: str) -> dict[str, Any]:
        rows = self.rows("SELECT * FROM source_state WHERE source = ?", (source,))
        return rows[0] if rows else {"source": source, "failures": 0, "down_alerted": 0}

    def source_states(self) -> dict[str, dict[str, Any]]:
        return {r["source"]: r for r in self.rows("SELECT * FROM source_state")}

    def save_source_state(self, state: dict[str, Any]) -> None:
        cols = [c for c in state if c in STATE_COLUMNS]
        self.conn.execute(
            f"INSERT INTO source_state ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            f" ON CONFLICT(source) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in cols if c != "source"),
            [state[c] for c in cols],
        )

    def add_source_alert(self, source: str, kind: str, message: str, at: int) -> None:
        self.conn.execute(
            "INSERT INTO source_alerts (source, kind, at, message) VALUES (?,?,?,?)",
            (source, kind, at, message),
        )

    def source_alerts(self, since: int | None = None) -> list[dict[str, Any]]:
        return self.rows("SELECT * FROM source_alerts WHERE at >= ? ORDER BY at", (since or 0,))

    def last_polls(self) -> dict[str, dict[str, Any]]:
        """The latest poll of each source."""
        rows = self.rows(
            "SELECT p.* FROM polls p JOIN (SELECT source, MAX(id) AS id FROM polls "
            "GROUP BY source) m ON m.id = p.id"
        )
        return {r["source"]: r for r in rows}

    # -- learned terms --------------------------------------------------------------------

    def source_status(self, sources: Sequence[Any]) -> list[dict[str, Any]]:
        """One row per configured source (``SourceConfig``-like: name, type, enabled): its
        health (ok / failing / down / disabled / never polled) and raw state, times as Unix
        seconds. ``sources status``, the workspace and the MCP server format it."""
        states = self.source_states()
        polls = self.last_polls()
        rows = []
        for sc in sources:
            s = states.get(sc.name, {})
            p = polls.get(sc.name, {})
            failures = s.get("failures") or 0
            if not sc.enabled:
                health = "disabled"
            elif not s:
                health = "never polled"
            else:
                health = "ok" if failures == 0 else "failing" if failures < 3 else "down"
            rows.append(
                {
                    "source": sc.name,
                    "type": sc.type,
                    "health": health,
                    "last_success": s.get("last_success"),
                    "failures": failures,
                    "last_error": s.get("last_error"),
                    "backoff_until": s.get("backoff_until"),
                    "next_poll": s.get("next_poll"),
                    "last_items": p.get("items"),
                    "last_duration_ms": p.get("duration_ms"),
                }
            )
        return rows
