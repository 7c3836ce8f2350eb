"""The writer's in-memory copies (grouping window, known items, event siblings) answer
exactly what SQL answers, query by query, through a long shuffled history: events that
leave the window and come back, polls stamped out of order, keywords shared by more events
than a query reads, a rollback and another connection's commit."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from hotspot.analysis.events import WINDOW
from hotspot.models import Hotspot
from hotspot.storage.store import Store

WORDS = [f"词{i}" for i in range(40)] + ["热搜"] * 10  # 热搜: in most events


def hotspot(i: int, title: str, at: int) -> Hotspot:
    return Hotspot(
        id=f"weibo:{i:016d}",
        source="weibo",
        platform="weibo",
        title=title,
        url=None,
        summary=None,
        category=None,
        rank=1 + i % 50,
        heat=1000 + i,
        label=None,
        pinned=False,
        is_ad=False,
        published=None,
        observed_at=datetime.fromtimestamp(at, UTC),
    )


def same(store: Store, rng: random.Random, at: int) -> None:
    since = at - WINDOW
    want_oldest = store.oldest_recent_event(since)
    assert store.recent_oldest(since) == want_oldest
    for _ in range(5):
        terms = rng.sample(WORDS, rng.randint(1, 6))
        want = store.candidate_events(terms, since, want_oldest)
        got = store.recent_candidates(terms, since, want_oldest)
        assert [c.id for c in got] == [r["id"] for r in want]
        assert [c.terms for c in got] == [frozenset(r["terms"].split()) for r in want]


def test_window_copy_answers_as_sql_does(tmp_path):
    rng = random.Random(7)
    store = Store(tmp_path / "h.db")
    store.keep_caches()
    assert store.caching
    at = 1_700_000_000
    events: list[int] = []
    n = 0
    for step in range(400):
        # mostly forward in 20-minute steps; sometimes a poll stamped a few minutes early,
        # sometimes a jump of more than the window (stories come back after it)
        r = rng.random()
        at += -300 if r < 0.1 else (WINDOW + 7200 if r < 0.13 else 1200)
        with store.transaction():
            for _ in range(rng.randint(0, 6)):
                n += 1
                title = f"标题{n}"
                terms = list(dict.fromkeys(rng.sample(WORDS, rng.randint(1, 5))))
                events.append(store.create_event(title, at, terms))
                h = hotspot(n, title, at)
                store.insert_item(h, terms, at, event_id=events[-1])
            seen = {
                e: ("weibo", rng.randint(1, 50)) for e in rng.sample(events, min(8, len(events)))
            }
            store.touch_events(seen, at)
            same(store, rng, at)
            if step % 50 == 49 and store._event_index is not None:
                store._event_index.prune(at - WINDOW)  # what a long-lived copy does by itself
                same(store, rng, at)
        if step == 200:  # a rolled-back poll: the copy must not keep what it wrote
            with pytest.raises(RuntimeError), store.transaction():
                store.create_event("回滚", at, ["热搜", "词1"])
                store.touch_events({events[0]: ("baidu", 1)}, at + 60)
                raise RuntimeError("interrupted")
            same(store, rng, at)
    assert len(events) > 1_000  # 热搜 is in more events than a query reads (200)


def test_item_copies_answer_as_sql_does(tmp_path):
    rng = random.Random(3)
    store = Store(tmp_path / "h.db")
    store.keep_caches()
    at = 1_700_000_000
    events: list[int] = []
    items: list[str] = []
    for n in range(600):
        at += rng.choice([0, 0, 60])  # several items of one event in one poll: equal times
        with store.transaction():
            if not events or rng.random() < 0.3:
                events.append(store.create_event(f"事件{n}", at, [f"词{n % 9}"]))
            event_id = rng.choice(events[-5:])
            h = hotspot(n, f"标题{n}", at)
            tokens = [] if rng.random() < 0.1 else ["标题", str(n)]
            store.insert_item(h, tokens, at, ["摘要"] if n % 3 else None, ["某人"], event_id)
            items.append(h.id)
        ids = rng.sample(items, min(20, len(items))) + ["weibo:missing"]
        asked = [(e, rng.choice(items)) for e in events[-5:]]  # (event, item left out)
        got = (store.known_items(ids), [store.event_siblings(e, i) for e, i in asked])
        store._caching = False
        want = (store.known_items(ids), [store.event_siblings(e, i) for e, i in asked])
        store._caching = True
        assert got == want


def test_another_connections_commit_drops_the_copies(tmp_path):
    store = Store(tmp_path / "h.db")
    store.keep_caches()
    at = 1_700_000_000
    with store.transaction():
        store.create_event("台风登陆", at, ["台风", "登陆"])
    assert [c.title for c in store.recent_candidates(["台风"], at - WINDOW, 1)] == ["台风登陆"]
    other = Store(tmp_path / "h.db")
    with other.transaction():
        other.create_event("台风预警", at + 60, ["台风", "预警"])
    other.close()
    store.sync_caches()  # what Engine.ingest does first
    got = store.recent_candidates(["台风"], at - WINDOW, 1)
    assert sorted(c.title for c in got) == ["台风登陆", "台风预警"]


def test_window_copy_stays_the_size_of_the_window(tmp_path):
    """A month of new stories, each with a word of its own: the copy holds about a window's
    worth of events and words, not the month's."""
    store = Store(tmp_path / "h.db")
    store.keep_caches()
    at = 1_700_000_000
    for hour in range(30 * 24):
        at += 3600
        with store.transaction():
            for i in range(20):
                store.create_event(f"故事{hour}-{i}", at, [f"独有{hour}-{i}", "热搜"])
            since = at - WINDOW
            oldest = store.recent_oldest(since)
            assert oldest == store.oldest_recent_event(since)
            got = store.recent_candidates([f"独有{hour - 47}-3", "热搜"], since, oldest)
            want = store.candidate_events([f"独有{hour - 47}-3", "热搜"], since, oldest)
            assert [c.id for c in got] == [r["id"] for r in want]
    index = store._event_index
    assert index is not None
    in_window = 20 * (WINDOW // 3600)
    assert len(index.events) < 4 * in_window  # the month made 14,400
    assert len(index.postings) < 8 * in_window
