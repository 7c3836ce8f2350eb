"""Retention compacts old observations to one per item per hour and keeps every summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hotspot.engine import Engine
from hotspot.models import RawItem
from hotspot.storage.retention import compact
from hotspot.storage.store import Store


def test_old_observations_thin_to_one_per_hour_recent_ones_stay(tmp_path):
    store = Store(tmp_path / "h.db")
    engine = Engine(store, [], verticals=[])
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(60):  # every 2 minutes for two hours, 40 days ago
        engine.ingest(
            "w",
            "weibo",
            [RawItem(title="台风路径", rank=1 + i % 5, heat=100 + i)],
            start + timedelta(minutes=2 * i),
        )
    recent = start + timedelta(days=40)
    for i in range(10):
        engine.ingest(
            "w",
            "weibo",
            [RawItem(title="台风路径", rank=2, heat=999)],
            recent + timedelta(minutes=2 * i),
        )
    item = store.hotspots()[0]
    before = (item["best_rank"], item["max_heat"], item["first_seen"])
    removed = compact(store, older_than_days=30, now=recent.timestamp() + 3600)
    assert removed == 58  # 60 old sightings in two clock hours -> 2 kept
    assert store.count("observations") == 12
    item = store.hotspots()[0]
    assert (item["best_rank"], item["max_heat"], item["first_seen"]) == before
    assert store.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
