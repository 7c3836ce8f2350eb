"""Benchmark accounts' posts (对标账号) and the events each one covers (mixed into ``Store``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any


class BenchmarkStore:
    conn: sqlite3.Connection
    rows: Callable[..., list[dict[str, Any]]]  # provided by Store

    def known_posts(self, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        return {
            r[0]
            for r in self.conn.execute(
                f"SELECT id FROM benchmark_posts WHERE id IN ({marks})", list(ids)
            )
        }

    def add_post(
        self,
        post_id: str,
        account: str,
        benchmark: str,
        title: str,
        url: str | None,
        summary: str | None,
        published: int | None,
        first_seen: int,
        links: Sequence[tuple[int, float]],
    ) -> None:
        """One new post and its event links (call inside a transaction)."""
        self.conn.execute(
            "INSERT OR IGNORE INTO benchmark_posts (id, account, benchmark, title, url, summary, "
            "published, first_seen) VALUES (?,?,?,?,?,?,?,?)",
            (post_id, account, benchmark, title, url, summary, published, first_seen),
        )
        self.conn.executemany(
            "INSERT OR REPLACE INTO benchmark_links (post_id, event_id, similarity) VALUES (?,?,?)",
            [(post_id, e, s) for e, s in links],
        )

    def benchmark_posts(self, account: str, since: int, until: int) -> list[dict[str, Any]]:
        """The account's benchmark posts in [since, until) by their time (published, else
        first seen), each with ``events``: the linked events' id, title and first_seen."""
        posts = self.rows(
            "SELECT *, COALESCE(published, first_seen) AS at FROM benchmark_posts "
            "WHERE account = ? AND COALESCE(published, first_seen) >= ? "
            "AND COALESCE(published, first_seen) < ? ORDER BY at, id",
            (account, since, until),
        )
        if not posts:
            return posts
        marks = ",".join("?" * len(posts))
        links = self.rows(
            "SELECT l.post_id, l.similarity, e.id, e.title, e.first_seen FROM benchmark_links l "
            f"JOIN events e ON e.id = l.event_id WHERE l.post_id IN ({marks}) "
            "ORDER BY l.similarity DESC",
            [p["id"] for p in posts],
        )
        by_post: dict[str, list[dict[str, Any]]] = {}
        for link in links:
            by_post.setdefault(link.pop("post_id"), []).append(link)
        for p in posts:
            p["events"] = by_post.get(p["id"], [])
        return posts
