"""Retention: compact observations older than the configured age.

Each item keeps its first/last seen, best/last rank and max heat, and each event keeps its
trend summary (stored on the event), so compaction only thins the raw sightings: of the old
observations of an item, the first of each hour is kept and the rest deleted.

Benchmark accounts' posts (``benchmark_posts``) older than the same age are deleted with their
event links (undated ones compacted; see ``store_benchmarks``): the digest and ``hotspot
benchmarks`` report on days, not months, and the table would otherwise grow forever.
"""

from __future__ import annotations

import logging
import time

from hotspot.storage.store import Store

log = logging.getLogger(__name__)


def compact(store: Store, *, older_than_days: float, now: float | None = None) -> int:
    cutoff = int((now or time.time()) - older_than_days * 86400)
    with store.transaction():
        cur = store.execute(
            "DELETE FROM observations WHERE observed_at < :cut AND (item_id, observed_at) NOT IN "
            "(SELECT item_id, MIN(observed_at) FROM observations WHERE observed_at < :cut "
            "GROUP BY item_id, observed_at / 3600)",
            {"cut": cutoff},
        )
        removed = cur.rowcount
        store.execute("DELETE FROM polls WHERE started_at < ?", (cutoff,))
        # delivered push messages are history; failed/unconfirmed ones stay visible
        store.execute(
            "DELETE FROM push_messages WHERE started_at < ? AND status = 'sent'", (cutoff,)
        )
        posts, compacted = store.expire_posts(cutoff)
    log.info("retention: removed %d observations older than %.0f days", removed, older_than_days)
    if posts or compacted:
        log.info("retention: removed %d benchmark posts, compacted %d undated", posts, compacted)
    return removed
