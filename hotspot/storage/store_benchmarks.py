"""Benchmark accounts' posts (对标账号) and the events each one covers (mixed into ``Store``).

Retention (``expire_posts``, run by ``storage.retention.compact``): a post whose time is older
than the cutoff is deleted with its links. A feed keeps listing its last posts for as long as
the competitor posts nothing new, so the cutoff is kept in ``meta`` (``benchmark_posts_cutoff``)
and ``add_post`` refuses a dated post older than it: a deleted post never comes back as new.
An undated post was stored with its first-seen time as its time (``published = first_seen``);
nothing in the feed tells it from a new one, so an old undated post is only compacted (its
summary and URL dropped) and its row kept, which is what stops it from coming back.
"""

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
    ) -> bool:
        """One new post and its event links (call inside a transaction); False when the
        post is older than the retention cutoff (retention deleted it, or would at once)."""
        cutoff = self.conn.execute(
            "SELECT value FROM meta WHERE key = 'benchmark_posts_cutoff'"
        ).fetchone()
        if cutoff is not None and published is not None and published < int(cutoff[0]):
            return False
        self.conn.execute(
            "INSERT OR IGNORE INTO benchmark_posts (id, account, benchmark, title, url, summary, "
            "published, first_seen) VALUES (?,?,?,?,?,?,?,?)",
            (post_id, account, benchmark, title, url, summary, published, first_seen),
        )
        self.conn.executemany(
            "INSERT OR REPLACE INTO benchmark_links (post_id, event_id, similarity) VALUES (?,?,?)",
            [(post_id, e, s) for e, s in links],
        )
        return True

    def expire_posts(self, cutoff: int) -> tuple[int, int]:
        """Delete the dated posts older than ``cutoff`` (and their links), compact the undated
        ones; returns (deleted, compacted). Call inside a transaction."""
        old = "COALESCE(published, first_seen) < :cut AND first_seen < :cut"
        dated = f"{old} AND published IS NOT NULL AND published != first_seen"
        self.conn.execute(
            f"DELETE FROM benchmark_links WHERE post_id IN (SELECT id FROM benchmark_posts "
            f"WHERE {dated})",
            {"cut": cutoff},
        )
        deleted = self.conn.execute(
            f"DELETE FROM benchmark_posts WHERE {dated}", {"cut": cutoff}
        ).rowcount
        compacted = self.conn.execute(
            f"UPDATE benchmark_posts SET summary = NULL, url = NULL WHERE {old} "
            "AND (summary IS NOT NULL OR url IS NOT NULL)",
            {"cut": cutoff},
        ).rowcount
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES ('benchmark_posts_cutoff', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value "
            "WHERE CAST(excluded.value AS INTEGER) > CAST(meta.value AS INTEGER)",
            (str(cutoff),),
        )
        return deleted, compacted

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
