"""Store.insert_alerts / insert_matches: a poll's alerts together, exactly the rows that
inserting them one by one gives, with the next free ids; and Engine.ingest, which uses it, stores the same alerts
as the one-by-one path and as one engine per account. The ids of one call are given
account by account, so the alerts are compared account by account."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hotspot.analysis.lexicon import builtin_verticals
from hotspot.config import ThemeConfig
from hotspot.engine import Engine
from hotspot.models import RawItem
from hotspot.storage.store import AlertRow, Store

ALERT_COLUMNS = (
    "a.id, a.account, a.theme, a.event_id, a.item_id, a.score, m.terms, m.explanation, a.created_at"
)


def stored(store: Store, with_ids: bool = True) -> list[tuple]:
    rows = store.execute(
        f"SELECT {ALERT_COLUMNS} FROM alerts a JOIN alert_matches m ON m.id = a.match_id "
        "ORDER BY a.id"
    ).fetchall()
    return [tuple(r) if with_ids else tuple(r)[1:] for r in rows]


def per_account(store: Store) -> dict[str, list[tuple]]:
    """Each account's alerts in id order, without the ids (which are given account by
    account in one call, so they differ from one-by-one inserts across accounts)."""
    out: dict[str, list[tuple]] = {}
    for r in stored(store, with_ids=False):
        out.setdefault(r[0], []).append(r)
    return out


def seed_events(store: Store, n: int) -> list[int]:
    return [store.create_event(f"事件{i}", 1000, [f"词{i}"]) for i in range(n)]


def random_rows(rnd: random.Random, events: list[int], n: int) -> list[AlertRow]:
    """Rows with repeats of one (account, theme, event) and shared terms/explanations."""
    shared_terms = ["火锅", "成都"]
    shared_explanation = {"score": 0.8, "evidence": [{"term": "火锅", "weight": 0.9}]}
    rows = []
    for _ in range(n):
        own = rnd.random() < 0.3
        rows.append(
            AlertRow(
                account=f"acct{rnd.randint(0, 6)}",
                theme=rnd.choice(["美食", "体育", "财经"]),
                event_id=rnd.choice(events),
                item_id=f"item{rnd.randint(0, 9)}",
                score=round(rnd.random(), 4),
                terms=[f"词{rnd.randint(0, 3)}"] if own else shared_terms,
                explanation={"score": rnd.random()} if own else shared_explanation,
                at=2000 + rnd.randint(0, 5),
            )
        )
    return rows


def test_insert_alerts_gives_the_rows_and_ids_of_one_by_one_inserts(tmp_path):
    rnd = random.Random(16)
    one, many = Store(tmp_path / "one.db"), Store(tmp_path / "many.db")
    events = seed_events(one, 8)
    assert seed_events(many, 8) == events
    for batch in range(6):
        rows = random_rows(rnd, events, rnd.randint(0, 60))
        want = []
        with one.transaction():
            for r in rows:
                got = one.insert_alert(**r._asdict())
                if got is not None:
                    want.append(got)
        ids = many.insert_alerts(rows)
        assert ids == sorted(want), batch  # the next free ids, given account by account
        assert per_account(many) == per_account(one), batch
    assert len(stored(many)) > 20  # repeats were left out, the rest stored
    assert many.insert_alerts(rows) == []  # a replay inserts nothing


def test_insert_alerts_after_deleting_the_newest_alerts_reuses_ids_as_sqlite_would(tmp_path):
    one, many = Store(tmp_path / "one.db"), Store(tmp_path / "many.db")
    events = seed_events(one, 3)
    seed_events(many, 3)
    rows = random_rows(random.Random(3), events, 30)
    for store in (one, many):
        store.insert_alerts(rows[:20])
        store.execute("DELETE FROM alerts WHERE id > 5")
        store.execute("DELETE FROM alert_spans")  # (hotspot never deletes alerts)
        store.execute("INSERT INTO alert_spans SELECT account, created_at, id, id FROM alerts")
    with one.transaction():
        want = [i for r in rows[20:] if (i := one.insert_alert(**r._asdict())) is not None]
    assert many.insert_alerts(rows[20:]) == sorted(want)
    assert per_account(many) == per_account(one)


# -- Engine.ingest ----------------------------------------------------------------------------
TITLES = [
    "成都火锅节开幕",
    "冬天第一杯奶茶",
    "中国女足夺得亚洲杯冠军",
    "新能源车企公布交付量",
    "海底捞推出新品",
    "足球联赛开幕",
    "央行宣布降准",
    "手机芯片新品发布",
    "重庆火锅涨价",
    "奶茶店排队",
]


def agency(n: int) -> list[tuple[str, ThemeConfig]]:
    food = ThemeConfig(name="美食", keywords=("火锅", "奶茶"))
    sports = ThemeConfig(name="体育", keywords=("足球", "马拉松"))
    pairs = []
    for a in range(n):
        mine = food
        if a % 3 == 1:
            mine = ThemeConfig(name="美食", keywords=("火锅", "奶茶", "成都"))
        elif a % 3 == 2:
            mine = ThemeConfig(name="美食", keywords=("火锅", "奶茶"), exclude=("涨价",))
        pairs += [(f"acct{a}", mine), (f"acct{a}", sports)]
    return pairs


def polls() -> list[tuple[datetime, list[RawItem]]]:
    start = datetime(2026, 3, 1, 8, tzinfo=UTC)
    out = []
    for k in range(4):  # a moving window: some items new, some known, one story twice
        titles = TITLES[k * 2 : k * 2 + 5] + ["成都火锅节开幕啦"]
        items = [RawItem(title=t, rank=i + 1, heat=10_000 - i) for i, t in enumerate(titles)]
        out.append((start + timedelta(minutes=10 * k), items))
    return out


class OneByOne(Store):
    """The path before insert_matches: one insert per alert."""

    def insert_matches(self, matches):
        out = []
        for m in list(matches):
            for a in m.accounts:
                out += super().insert_matches([m._replace(accounts=(a,))])
        return out


def test_ingest_stores_the_alerts_of_the_one_by_one_path_and_of_one_engine_per_account(
    tmp_path,
):
    verticals = builtin_verticals()
    pairs = agency(7)
    batched = Engine(Store(tmp_path / "batched.db"), pairs, verticals)
    plain = Engine(OneByOne(tmp_path / "plain.db"), pairs, verticals)
    accounts = sorted({a for a, _ in pairs})
    alone = {
        a: Engine(Store(tmp_path / f"{a}.db"), [p for p in pairs if p[0] == a], verticals)
        for a in accounts
    }
    got_ids, plain_ids = [], []
    for at, items in polls():
        got_ids += batched.ingest("weibo", "weibo", items, at).alert_ids
        plain_ids += plain.ingest("weibo", "weibo", items, at).alert_ids
        for engine in alone.values():
            engine.ingest("weibo", "weibo", items, at)
    assert got_ids == sorted(plain_ids)
    assert per_account(batched.store) == per_account(plain.store)
    each = sorted(r for e in alone.values() for r in stored(e.store, with_ids=False))
    assert sorted(stored(batched.store, with_ids=False)) == each
    themes = {(r[1], r[2]) for r in stored(batched.store)}
    assert ("acct1", "美食") in themes and ("acct0", "体育") in themes
    # the city keyword scores for the accounts that have it and only for them
    city = [r for r in stored(batched.store) if r[2] == "美食" and "成都" in r[6]]
    assert city and all(r[1] in {"acct1", "acct4"} for r in city)
