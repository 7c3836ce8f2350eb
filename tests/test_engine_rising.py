"""The engine's side of the rising detector: the daily training in a child process (same
model as in-process, the daemon keeps its old model when the child fails, a model made for
other features is replaced at the next check), and follow-ups of events the engine forgot,
judged from the store."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hotspot import engine as engine_mod
from hotspot.engine import RISING_META, Engine
from hotspot.models import RawItem
from hotspot.storage.store import Store
from tests.rising_data import snapshots

T0 = int(datetime(2024, 5, 1, 8, 0, tzinfo=UTC).timestamp())


def poll(engine, platform, at, *rows, trends=True):
    items = [RawItem(title=t, url=None, rank=r, heat=h) for t, r, h in rows]
    return engine.ingest(
        platform, platform, items, datetime.fromtimestamp(at, UTC), with_trends=trends
    )


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """A store holding two synthetic days of a 20-long list polled every 10 minutes."""
    path = tmp_path_factory.mktemp("rising") / "h.db"
    store = Store(path)
    engine = Engine(store, [], verticals=[])
    last = 0
    with store.transaction():
        for at, rows in snapshots(days=2, poll_min=10):
            items = [RawItem(title=t, url=None, rank=r, heat=h) for r, t, h in rows]
            engine.ingest("weibo", "weibo", items, at, with_trends=False)
            last = int(at.timestamp())
    store.close()
    return path, last + 1


def test_training_in_a_child_gives_the_in_process_model(history, tmp_path):
    path, at = history
    store = Store(path)
    here = Engine(store, [], verticals=[])
    with store.transaction():
        in_process = here.retrain(at)
    stored_here = json.loads(store.meta(RISING_META))
    child = Engine(store, [], verticals=[])
    models = child.retrain(at, child=True)
    assert set(models) == set(in_process) == {"weibo"}
    assert json.loads(store.meta(RISING_META)) == stored_here  # byte for byte the same model
    assert store.meta("rising_trained_at") == str(at)
    assert child.models["weibo"].threshold == in_process["weibo"].threshold
    assert child.trained_at == at
    store.close()


def test_a_failed_child_keeps_the_old_model(history, monkeypatch, caplog):
    path, at = history
    store = Store(path)
    engine = Engine(store, [], verticals=[])
    before = store.meta(RISING_META)
    old = engine.models
    monkeypatch.setattr(engine_mod, "TRAIN_TIMEOUT", 0.001)  # the child never finishes
    with caplog.at_level(logging.ERROR, logger="hotspot.engine"):
        assert engine.retrain(at + 86400, child=True) is old
    assert "keeping the old model" in caplog.text
    assert store.meta(RISING_META) == before and engine.trained_at != at + 86400
    store.close()


def _fresh_copy(path: Path, to: Path) -> Store:
    """A copy of the history store that was never trained (other tests train the shared one)."""
    to.write_bytes(path.read_bytes())
    store = Store(to)
    with store.transaction():
        store.set_meta("rising_trained_at", "0")
        store.execute("DELETE FROM meta WHERE key = ?", (RISING_META,))
    return store


def _collect(engine: Engine) -> bool:
    """Ask the engine, as the daemon's 5-second job does, until its child is done."""
    for _ in range(2400):  # a safety bound of about 2 minutes, not a timing assertion
        if engine.collect_retrain():
            return True
        if engine._training is None:
            return False
        time.sleep(0.05)
    raise AssertionError("the training child never finished")


def test_the_daemon_polls_on_while_the_child_trains(history, tmp_path):
    """``start_retrain`` returns at once; the old model stays in use (polls are scored with
    it) until ``collect_retrain`` adopts the child's model, which is the in-process one."""
    path, at = history
    reference = _fresh_copy(path, tmp_path / "ref.db")
    with reference.transaction():
        in_process = Engine(reference, [], verticals=[]).retrain(at)
    wanted = reference.meta(RISING_META)
    reference.close()

    store = _fresh_copy(path, tmp_path / "h.db")
    engine = Engine(store, [], verticals=[])
    before = store.meta(RISING_META)
    assert engine.start_retrain(at)
    assert not engine.start_retrain(at)  # one child at a time
    result = poll(engine, "weibo", at + 60, ("训练期间上榜的新话题", 5, 900_000))
    assert result.new_items == 1  # the poll ran while the child trains, with the old model
    assert store.meta(RISING_META) == before and engine.trained_at != at
    assert _collect(engine)
    assert store.meta(RISING_META) == wanted
    assert engine.trained_at == at and store.meta("rising_trained_at") == str(at)
    assert engine.models["weibo"].threshold == in_process["weibo"].threshold
    assert not engine.start_retrain(at + 3600)  # not due again before a day has passed
    store.close()


def test_a_stopped_or_overdue_child_is_never_adopted(history, tmp_path, monkeypatch, caplog):
    path, at = history
    store = _fresh_copy(path, tmp_path / "h.db")
    engine = Engine(store, [], verticals=[])
    before = store.meta(RISING_META)
    assert engine.start_retrain(at)
    job = engine._training
    engine.stop_training()  # the daemon stops mid-training
    assert engine._training is None and not engine.collect_retrain()
    assert not job.running and not Path(job._tmp.name).exists()  # killed, files removed
    monkeypatch.setattr(engine_mod, "TRAIN_TIMEOUT", 0.0)  # due at once: given up when asked
    with caplog.at_level(logging.ERROR, logger="hotspot.engine"):
        assert engine.start_retrain(at)
        assert not _collect(engine)
    assert "keeping the old model" in caplog.text
    assert store.meta(RISING_META) == before and engine.trained_at != at
    store.close()


def test_an_empty_store_sets_the_percentile_rule_without_a_child(tmp_path):
    store = Store(tmp_path / "h.db")
    engine = Engine(store, [], verticals=[])
    assert not engine.start_retrain(T0)  # nothing to learn from: no child
    assert engine._training is None
    assert json.loads(store.meta(RISING_META)) == {"platforms": {}}
    assert store.meta("rising_trained_at") == str(T0)


def test_a_model_made_for_other_features_is_replaced_at_the_next_check(tmp_path):
    store = Store(tmp_path / "h.db")
    stale = {"platforms": {"weibo": {"features": ["rank", "heat"], "threshold": 0.5}}}
    with store.transaction():
        store.set_meta(RISING_META, json.dumps(stale))
        store.set_meta("rising_trained_at", str(T0))
    engine = Engine(store, [], verticals=[])
    assert engine.models == {}  # not used: the percentile rule stands in
    assert engine.maybe_retrain(T0 + 3600)  # well before a day has passed
    assert json.loads(store.meta(RISING_META)) == {"platforms": {}}  # no history yet
    assert not engine.maybe_retrain(T0 + 7200)  # and not again until the day is over


def _forgotten(tmp_path):
    store = Store(tmp_path / "h.db")
    engine = Engine(store, [], verticals=[])
    poll(engine, "weibo", T0, ("台风摩羯登陆海南", 20, 5_000))
    poll(engine, "weibo", T0 + 120, ("台风摩羯登陆海南", 8, 6_000))
    poll(engine, "weibo", T0 + 7 * 3600, ("另一条新闻上榜了", 30, 1_000))  # the engine forgets
    (event,) = store.events(search="台风", limit=5)
    assert event["id"] not in engine.tracks
    return store, engine, event["id"]


def test_a_forgotten_story_on_a_new_platform_is_a_follow_up(tmp_path):
    store, engine, event_id = _forgotten(tmp_path)
    back = poll(engine, "baidu", T0 + 8 * 3600, ("台风摩羯登陆海南", 12, 90_000))
    assert back.follow_ups == [event_id]
    assert store.event(event_id)["follow_up_why"] == "新平台：百度"


def test_a_forgotten_story_at_a_new_top_3_peak_is_a_follow_up(tmp_path):
    store, engine, event_id = _forgotten(tmp_path)
    back = poll(engine, "weibo", T0 + 8 * 3600, ("台风摩羯登陆海南", 2, 90_000))
    assert back.follow_ups == [event_id]
    assert store.event(event_id)["follow_up_why"] == "创新高：第 2 名"


def test_a_forgotten_story_back_below_its_best_is_no_follow_up(tmp_path):
    store, engine, event_id = _forgotten(tmp_path)
    back = poll(engine, "weibo", T0 + 8 * 3600, ("台风摩羯登陆海南", 9, 7_000))
    assert back.follow_ups == []
    assert store.event(event_id)["follow_up_at"] is None


def test_the_next_daily_training_keeps_the_stored_choice_of_candidate(history, tmp_path):
    path, at = history
    store = Store(path)
    engine = Engine(store, [], verticals=[])
    with store.transaction():
        first = engine.retrain(at)["weibo"].chosen
        assert engine_mod.stored_choices(store) == {"weibo": json.loads(json.dumps(first))}
        nxt = engine.retrain(at + 86400)["weibo"].chosen
    assert nxt["chosen_at"] == first["chosen_at"] == at and nxt["index"] == first["index"]
    store.close()
