"""A response with far more entries than any platform list, and a window where thousands of
events share one word: the work of one poll stays bounded."""

from __future__ import annotations

import sqlite3

from hotspot.engine import MAX_ITEMS_PER_POLL
from hotspot.storage.store import Store

from .conftest import Reply, assert_no_traceback, run_cli, weibo_json, write_config


def test_a_response_of_5000_items_keeps_the_first_200(tmp_path, server):
    titles = [f"城市天气观测站第{i}号数据更新" for i in range(5_000)]
    server.routes["/huge"] = Reply(200, weibo_json(titles))
    cfg = write_config(tmp_path, [{"name": "huge", "url": server.url("/huge")}])
    r = run_cli("poll", config=cfg)
    assert r.returncode == 0, r.stderr
    assert_no_traceback(r.stderr)
    assert "keeping the first 200" in r.stderr
    conn = sqlite3.connect(str(tmp_path / "hotspot.db"))
    try:
        stored = {t for (t,) in conn.execute("SELECT title FROM items")}
    finally:
        conn.close()
    assert stored == set(titles[:MAX_ITEMS_PER_POLL])  # the top of the list, nothing else


def _steps(store: Store, fn) -> int:
    counted = [0]

    def tick() -> int:
        counted[0] += 1
        return 0

    store.conn.set_progress_handler(tick, 100)
    try:
        fn()
    finally:
        store.conn.set_progress_handler(None, 0)
    return counted[0]


def test_candidate_lookup_is_bounded_when_many_events_share_a_word(tmp_path):
    store = Store(tmp_path / "h.db")
    with store.transaction():
        for i in range(20_000):
            store.create_event(f"事件{i}", 1_000 + i, ["热搜", f"词{i}"])
    oldest = store.oldest_recent_event(0)
    small = _steps(store, lambda: store.candidate_events(["热搜"], 0, oldest, per_term=200))
    big = _steps(store, lambda: store.candidate_events(["热搜"], 0, oldest, per_term=20_000))
    rows = store.candidate_events(["热搜"], 0, oldest)
    assert len(rows) == 30 and rows[0]["title"] == "事件19999"  # the most recent first
    # the bounded lookup does a small fraction of the work the unbounded scan does
    assert small * 20 < big, (small, big)
    store.close()
