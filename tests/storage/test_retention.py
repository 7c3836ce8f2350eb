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


def test_compaction_keeps_exactly_the_first_sighting_of_each_item_hour(tmp_path):
    """Irregular sightings of several items (some hours with one, some with many, some at
    the hour's first second, one item across the cut): what stays is what the definition
    says, computed here in Python, and compacting again removes nothing."""
    import random

    rng = random.Random(7)
    store = Store(tmp_path / "h.db")
    cut = 1_700_000_000 // 3600 * 3600 + 1234
    rows = set()
    for item in ("a", "b", "c", "d"):
        t = cut - 5 * 86400 + rng.randrange(3600)
        while t < cut + 7200:
            rows.add((item, t, rng.randint(1, 50), rng.randint(1, 10**6)))
            t += rng.choice([1, 59, 120, 600, 3600 - (t % 3600), 5000])
    store.execute(
        "INSERT INTO items (id, platform, source, title, first_seen, last_seen) "
        "VALUES ('x', 'weibo', 'w', 't', 0, 0)"
    )
    store.conn.executemany("INSERT INTO observations VALUES (?,?,?,?)", sorted(rows))
    first_of_hour: dict[tuple[str, int], int] = {}
    for item, t, _, _ in rows:
        if t < cut:
            key = (item, t // 3600)
            first_of_hour[key] = min(first_of_hour.get(key, t), t)
    expected = {r for r in rows if r[1] >= cut or first_of_hour[(r[0], r[1] // 3600)] == r[1]}
    removed = compact(store, older_than_days=1, now=cut + 86400)
    kept = set(store.execute("SELECT item_id, observed_at, rank, heat FROM observations"))
    assert kept == expected
    assert removed == len(rows) - len(expected) > 0
    assert compact(store, older_than_days=1, now=cut + 86400) == 0


def test_db_vacuum_says_what_it_removed_and_how_long_each_step_took(tmp_path):
    import re
    import time

    from click.testing import CliRunner

    from hotspot.cli import cli

    db = tmp_path / "h.db"
    cfg = tmp_path / "hotspot.toml"
    cfg.write_text(
        f'[hotspot]\ndatabase = "{db}"\nretention = "2d"\n\n[[accounts]]\nname = "a"\n'
        '[[accounts.themes]]\nname = "t"\nkeywords = ["台风"]\n',
        encoding="utf-8",
    )
    store = Store(db)
    old = int(time.time()) - 5 * 86400
    old -= old % 3600
    store.conn.executemany(
        "INSERT INTO observations VALUES ('x', ?, 1, 1)", [(old + 120 * k,) for k in range(20)]
    )
    store.close()
    r = CliRunner().invoke(cli, ["--lang", "en", "--config", str(cfg), "db", "vacuum"])
    assert r.exit_code == 0, r.output
    assert re.search(r"retention: removed 19 observations older than 2 days in \d+\.\ds", r.output)
    assert re.search(r"vacuum: [0-9.]+ MB -> [0-9.]+ MB in \d+\.\ds", r.output)
