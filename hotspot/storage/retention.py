"""Retention: compact observations older than the configured age.

Each item keeps its first/last seen, best/last rank and max heat, and each event keeps its
trend summary (stored on the event), so compaction only thins the raw sightings: of the old
observations of an item, the first of each hour is kept and the rest deleted.

Benchmark accounts' posts (``benchmark_posts``) older than the same age are deleted with their
event links (undated ones compacted; see ``store_benchmarks``): the digest and ``hotspot
benchmarks`` report on days, not months, and the table would otherwise grow forever.

The pass finds the observations to delete in one ordered scan of their primary key
(item, time): an old observation goes when the item's previous old observation falls in the
same hour (``LAG`` over the key order, no sort). The earlier form, ``NOT IN`` a grouped
``MIN`` per item-hour, kept the same rows but did not finish within 15 minutes on 40 days of
10 sources every 2 minutes (11 M observations); this one takes a few seconds on a year
(``benchmarks/bench_year.py``).
"""

from __future__ import annotations

import logging
import time

from hotspot.storage.store import Store

log = logging.getLogger(__name__)


def compact(store: Store, *, older_than_days: float, now: float | None = None) -> int:
    """Thin observations older than ``older_than_days`` to the first of each item-hour and
    drop old poll records, delivered push messages and old benchmark posts; returns the
    observations removed."""
    cutoff = int((now or time.time()) - older_than_days * 86400)
    started = time.perf_counter()
    with store.transaction():
        cur = store.execute(
            "DELETE FROM observations WHERE (item_id, observed_at) IN (SELECT item_id, "
            "observed_at FROM (SELECT item_id, observed_at, LAG(observed_at) OVER "
            "(PARTITION BY item_id ORDER BY observed_at) AS prev FROM observations "
            "WHERE observed_at < :cut) WHERE prev / 3600 = observed_at / 3600)",
            {"cut": cutoff},
        )
        removed = cur.rowcount
        store.execute("DELETE FROM polls WHERE started_at < ?", (cutoff,))
        # delivered push messages are history; failed/unconfirmed ones stay visible
        store.execute(
            "DELETE FROM push_messages WHERE started_at < ? AND status = 'sent'", (cutoff,)
        )
        posts, compacted = store.expire_posts(cutoff)
    log.info(
        "retention: removed %d observations older than %g days in %.1fs",
        removed,
        older_than_days,
        time.perf_counter() - started,
    )
    if posts or compacted:
        log.info("retention: removed %d benchmark posts, compacted %d undated", posts, compacted)
    return removed
