"""The engine's incremental trend state: the same trend as re-reading the store, and
follow-ups for stories that come back."""

from __future__ import annotations

from datetime import UTC, datetime

from hotspot.analysis import trends
from hotspot.engine import Engine
from hotspot.models import RawItem
from hotspot.storage.store import Store

T0 = int(datetime(2024, 5, 1, 8, 0, tzinfo=UTC).timestamp())


def poll(engine, platform, at, *rows):
    items = [RawItem(title=t, url=None, rank=r, heat=h) for t, r, h in rows]
    return engine.ingest(platform, platform, items, datetime.fromtimestamp(at, UTC))


def test_incremental_trend_equals_the_stored_history(tmp_path):
    store = Store(tmp_path / "h.db")
    engine = Engine(store, [], verticals=[])
    for step, rank in enumerate((40, 33, 25, 18, 12, 15, 21)):
        poll(engine, "weibo", T0 + step * 120, ("长江流域迎来强降雨", rank, 10_000 * (step + 1)))
    (event,) = store.events(limit=5)
    stored = trends.analyze(
        store.event_observations(event["id"]), T0 + 6 * 120, engine.baseline
    ).as_dict()
    live = engine.tracks[event["id"]].trend(T0 + 6 * 120, engine.baseline).as_dict()
    assert live == stored
    assert event["state"] == stored["state"] and event["rising_at"] is not None


def test_a_story_back_after_a_quiet_day_or_on_a_new_platform_is_a_follow_up(tmp_path):
    store = Store(tmp_path / "h.db")
    engine = Engine(store, [], verticals=[])
    poll(engine, "weibo", T0, ("台风摩羯登陆海南", 20, 5_000))
    assert not poll(engine, "weibo", T0 + 120, ("台风摩羯登陆海南", 18, 6_000)).follow_ups
    poll(engine, "weibo", T0 + 8 * 3600, ("另一条新闻上榜了", 30, 1_000))  # the engine forgets
    assert not engine.tracks.get(store.events(search="台风")[0]["id"])
    back = poll(engine, "weibo", T0 + 26 * 3600, ("台风摩羯登陆海南", 9, 9_000))
    (event,) = store.events(search="台风", limit=5)
    assert back.follow_ups == [event["id"]]
    assert event["follow_up_why"] == "沉寂一天后再度上榜"
    later = poll(engine, "baidu", T0 + 33 * 3600, ("台风摩羯登陆海南", 2, 90_000))
    assert later.follow_ups == [event["id"]]
    assert store.event(event["id"])["follow_up_why"] == "新平台：百度"
