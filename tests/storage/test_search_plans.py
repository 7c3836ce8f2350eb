"""History search answers the same rows in the same order whichever plan it takes: the
lookup of every match (a rare word) or the walk down the last-seen index (a common one)."""

from __future__ import annotations

import random

import pytest

import hotspot.storage.store as store_module
from hotspot.storage.store import Store, bigrams


def _fill(store: Store, n: int = 600) -> None:
    rng = random.Random(3)
    words = ["哪吒", "票房", "台风", "高考", "奶茶", "新能源", "降价"]
    rows, grams = [], []
    for k in range(1, n + 1):
        title = "".join(rng.sample(words, 3)) + f"第{k}条"
        last = 1_000_000 + rng.randrange(50) * 120  # many ties on last_seen
        rows.append(
            (
                k,
                f"p:{k}",
                rng.choice(["weibo", "baidu"]),
                "w" if k % 3 else "b",
                title,
                last - 3600,
                last,
                rng.randint(1, 5),
            )
        )
        grams.append((k, bigrams(title)))
    store.conn.executemany(
        "INSERT INTO items (rowid, id, platform, source, title, first_seen, last_seen, "
        "best_rank) VALUES (?,?,?,?,?,?,?,?)",
        rows,
    )
    store.conn.executemany("INSERT INTO items_search (rowid, grams) VALUES (?, ?)", grams)


@pytest.mark.parametrize(
    "filters",
    [{}, {"source": "w"}, {"platform": "baidu"}, {"since": 1_000_000 + 20 * 120}],
)
@pytest.mark.parametrize("word", ["哪吒", "新能源", "第12", "哪吒票房", "不在"])
def test_both_plans_give_the_same_rows(tmp_path, monkeypatch, word, filters):
    store = Store(tmp_path / "h.db")
    _fill(store)
    monkeypatch.setattr(store_module, "SEARCH_SCAN_AT", 10**9)  # always the lookup plan
    looked_up = store.hotspots(search=word, limit=20, **filters)
    monkeypatch.setattr(store_module, "SEARCH_SCAN_AT", 1)  # always the index walk
    walked = store.hotspots(search=word, limit=20, **filters)
    assert walked == looked_up
    every = store.execute("SELECT title FROM items").fetchall()
    expected = sum(1 for (t,) in every if word in t)
    assert len(looked_up) == min(20, expected) or filters  # filters only narrow it
    assert all(word in r["title"] for r in looked_up)
    keys = [(-r["last_seen"], r["best_rank"]) for r in looked_up]
    assert keys == sorted(keys)


def test_search_hits_stops_at_the_cap(tmp_path):
    store = Store(tmp_path / "h.db")
    _fill(store)
    phrase = '"' + bigrams("哪吒") + '"'
    total = store.search_hits(phrase, 10**6)
    assert total > 100
    assert store.search_hits(phrase, 100) == 100


def _fill_events(store: Store) -> None:
    _fill(store)
    rng = random.Random(5)
    n_events = 200
    store.conn.executemany(
        "INSERT INTO events (id, title, first_seen, last_seen, platforms, heat) "
        "VALUES (?,?,?,?,?,?)",
        [
            (
                e,
                f"e{e}",
                0,
                1_000_000 + rng.randrange(30) * 120,  # ties on last_seen
                rng.choice(["weibo", "baidu", "baidu,weibo"]),
                rng.choice([None, 5, 7]),  # and on heat
            )
            for e in range(1, n_events + 1)
        ],
    )
    store.execute("UPDATE items SET event_id = 1 + rowid % ?", (n_events,))


@pytest.mark.parametrize(
    "filters",
    [{}, {"since": 1_000_000 + 10 * 120}, {"platform": "weibo"}, {"multi": True}],
)
@pytest.mark.parametrize("word", ["哪吒", "新能源", "第12", "哪吒票房", "不在"])
def test_event_search_plans_give_the_same_rows(tmp_path, monkeypatch, word, filters):
    import hotspot.storage.store_events as events_module

    store = Store(tmp_path / "h.db")
    _fill_events(store)
    monkeypatch.setattr(events_module, "EVENT_SEARCH_SCAN_AT", 10**9)  # scan every title
    scanned = store.events(search=word, limit=15, **filters)
    monkeypatch.setattr(events_module, "EVENT_SEARCH_SCAN_AT", 1)  # walk the events
    walked = store.events(search=word, limit=15, **filters)
    assert walked == scanned
    having = {
        e
        for (e,) in store.execute(
            "SELECT DISTINCT event_id FROM items WHERE instr(title, ?) > 0", (word,)
        )
    }
    assert {r["id"] for r in scanned} <= having
    if not filters:
        assert len(scanned) == min(15, len(having))
    seen = [r["last_seen"] for r in scanned]
    assert seen == sorted(seen, reverse=True)
