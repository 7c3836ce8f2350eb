"""Retention deletes old benchmark posts (with their links), keeps recent ones, compacts old
undated ones, and a deleted post still listed by its feed is not stored again as new."""

from __future__ import annotations

from hotspot.storage.retention import compact
from hotspot.storage.store import Store

DAY = 86400
NOW = 1_760_000_000


def post(store: Store, pid: str, published: int, first_seen: int, events=((1, 0.9),)) -> bool:
    with store.transaction():
        return store.add_post(
            pid,
            "foodie",
            "rival",
            f"标题{pid}",
            f"https://x/{pid}",
            "摘要" * 50,
            published,
            first_seen,
            list(events),
        )


def test_old_posts_go_recent_stay_and_old_ones_do_not_come_back(tmp_path):
    store = Store(tmp_path / "h.db")
    post(store, "old", NOW - 40 * DAY, NOW - 40 * DAY + 60)  # dated, old
    post(store, "new", NOW - 2 * DAY, NOW - 2 * DAY + 60)  # dated, recent
    post(store, "backlog", NOW - 50 * DAY, NOW - 1 * DAY)  # old post first seen recently
    post(store, "undated", NOW - 40 * DAY, NOW - 40 * DAY)  # stored with published = first seen
    compact(store, older_than_days=30, now=NOW)
    ids = {r["id"]: r for r in store.rows("SELECT * FROM benchmark_posts")}
    assert set(ids) == {"new", "backlog", "undated"}
    links = {r["post_id"] for r in store.rows("SELECT post_id FROM benchmark_links")}
    assert links == {"new", "backlog", "undated"}
    # the undated post is compacted, not deleted: the feed cannot say it is old
    assert ids["undated"]["summary"] is None and ids["undated"]["url"] is None
    assert ids["new"]["summary"] and ids["backlog"]["summary"]
    # the feed still lists the deleted post: it is refused, not stored again as new
    assert post(store, "old", NOW - 40 * DAY, NOW + 60) is False
    assert store.known_posts(["old"]) == set()
    assert post(store, "fresh", NOW + 10, NOW + 60) is True
    assert store.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_later_shorter_run_never_moves_the_cutoff_back(tmp_path):
    store = Store(tmp_path / "h.db")
    compact(store, older_than_days=30, now=NOW)
    compact(store, older_than_days=60, now=NOW)  # operator raised retention afterwards
    assert store.meta("benchmark_posts_cutoff") == str(NOW - 30 * DAY)
