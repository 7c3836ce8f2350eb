"""Migration 0007 (``alert_matches``): the terms and explanation the accounts of one theme
definition share are stored once per match, the alert row keeps what is its own.

A database built at 0006 with alerts is migrated, and every reader (the alert list, the
digest, pushes, feedback's judged terms) returns what the 0006 readers returned from the
full rows; an engine writing the new layout from the start stores the same alerts.
"""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

from hotspot.analysis.lexicon import builtin_verticals
from hotspot.engine import Engine
from hotspot.storage.schema import MIGRATION_SET, MIGRATIONS
from hotspot.storage.store import AlertRow, MatchAlerts, Store
from tests.storage.test_insert_alerts import agency, polls, seed_events

#: ``Store.alerts`` as it read the 0006 layout (terms and explanation on the alert row)
OLD_ALERTS_SQL = (
    "SELECT a.id, a.account, a.theme, a.score, a.terms, a.explanation, a.created_at, "
    "a.event_id, a.item_id, i.title, i.url, i.platform, i.source, i.last_rank AS rank,"
    " i.best_rank, i.last_heat AS heat, i.max_heat, i.category, i.summary, "
    "e.terms AS event_terms, e.first_seen AS event_first_seen, e.platforms, "
    "e.state, e.title AS event_title, e.heat AS event_heat, e.best_rank AS "
    "event_best_rank, (SELECT f.verdict FROM feedback f WHERE f.alert_id = a.id "
    "ORDER BY f.id DESC LIMIT 1) AS verdict "
    "FROM alerts a JOIN items i ON i.id = a.item_id "
    "LEFT JOIN events e ON e.id = a.event_id ORDER BY a.created_at DESC, a.id DESC"
)


def build_0006(path: Path) -> sqlite3.Connection:
    """An empty database with the migrations up to 0006 applied (the released schema)."""
    from sqlite_utils import Database, Migrations

    migrations = Migrations(MIGRATION_SET)
    for name, sql in MIGRATIONS:
        if name.startswith("0007"):
            break
        migrations(name=name)(lambda db, sql=sql: db.executescript(sql))
    conn = sqlite3.connect(path, isolation_level=None)
    migrations.apply(Database(conn))
    assert "alert_matches" not in {
        r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    return conn


def history(path: Path) -> Store:
    """Alerts as an agency's engine raises them (seven accounts sharing definitions, a
    moving list with known items and one story twice), plus hand-made rows with their own
    terms, and a few operator judgements."""
    engine = Engine(Store(path), agency(7), builtin_verticals())
    for at, items in polls():
        engine.ingest("weibo", "weibo", items, at)
    store = engine.store
    rnd = random.Random(7)
    events = seed_events(store, 3)
    rows = [
        AlertRow(
            f"acct{rnd.randint(0, 9)}",
            rnd.choice(["美食", "财经"]),
            rnd.choice(events),
            store.hotspots(limit=1)[0]["id"],
            round(rnd.random(), 3),
            [f"词{rnd.randint(0, 3)}"],
            {"score": rnd.random(), "evidence": [{"term": "词", "weight": 0.5}]},
            5000 + rnd.randint(0, 3),
        )
        for _ in range(40)
    ]
    store.insert_alerts(rows)
    ids = [r["id"] for r in store.alerts(limit=None)]
    with store.transaction():
        for k, alert_id in enumerate(ids[::5]):
            store.record_feedback(alert_id, ["useful", "irrelevant", "chased"][k % 3], at=6000)
    return store


def copy_to_0006(src: Path, dst: Path) -> None:
    """The same data in the 0006 layout: full alert rows."""
    conn = build_0006(dst)
    conn.execute("ATTACH ? AS src", (str(src),))
    conn.execute("BEGIN")
    for table in ("items", "events", "event_terms", "observations", "feedback"):
        conn.execute(f"INSERT INTO {table} SELECT * FROM src.{table}")
    conn.execute(
        "INSERT INTO alerts (id, account, theme, event_id, item_id, score, terms, explanation, "
        "created_at) SELECT a.id, a.account, a.theme, a.event_id, a.item_id, a.score, m.terms, "
        "m.explanation, a.created_at FROM src.alerts a JOIN src.alert_matches m "
        "ON m.id = a.match_id"
    )
    conn.execute("COMMIT")
    conn.execute("DETACH src")
    conn.close()


def old_alerts(path: Path) -> list[dict]:
    conn = sqlite3.connect(path)
    cur = conn.execute(OLD_ALERTS_SQL)
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    conn.close()
    for r in rows:
        r["terms"] = json.loads(r["terms"])
        r["explanation"] = json.loads(r["explanation"])
        r["platforms"] = [p for p in (r.get("platforms") or "").split(",") if p]
    return rows


def test_a_0006_database_migrates_with_every_alert_reading_back_the_same(tmp_path):
    new = history(tmp_path / "new.db")
    copy_to_0006(new.path, tmp_path / "old.db")
    want = old_alerts(tmp_path / "old.db")
    assert len(want) > 50 and any(r["verdict"] for r in want)
    # several accounts share one definition's explanation (what the migration folds)
    assert len({json.dumps(r["explanation"], sort_keys=True) for r in want}) < len(want) / 2

    migrated = Store(tmp_path / "old.db")  # runs 0007
    got = migrated.alerts(limit=None)
    assert got == want
    assert new.alerts(limit=None) == want  # the engine's own new-layout rows read the same

    # the ids are kept; the alerts of one event and item with the same terms and
    # explanation share one match, and every match is some alert's
    (alerts, matches, used) = migrated.execute(
        "SELECT (SELECT COUNT(*) FROM alerts), (SELECT COUNT(*) FROM alert_matches), "
        "(SELECT COUNT(DISTINCT match_id) FROM alerts)"
    ).fetchone()
    assert alerts == len(want) and used == matches < alerts
    assert migrated.execute(
        "SELECT COUNT(*) FROM alerts a LEFT JOIN alert_matches m ON m.id = a.match_id "
        "WHERE m.id IS NULL"
    ).fetchone() == (0,)

    # the other readers: digest, pushes, feedback's judged terms
    terms = {r["id"]: r["terms"] for r in want}
    for account in sorted({r["account"] for r in want}):
        digest = migrated.digest_alerts(account, 0, 10**9)
        assert digest == new.digest_alerts(account, 0, 10**9)
        assert {r["id"] for r in digest} == {
            r["id"] for r in want if r["account"] == account and r["verdict"] != "irrelevant"
        }
        assert all(r["terms"] == terms[r["id"]] for r in digest)
        between = migrated.alerts_between(account, 0, 10**10)
        assert [r["id"] for r in between] == [r["id"] for r in digest]
    pushed = migrated.push_alerts(sorted(terms))
    assert pushed == new.push_alerts(sorted(terms))
    assert pushed and all(r["terms"] == terms[r["id"]] for r in pushed)
    judged = migrated.feedback()
    assert judged == new.feedback()
    assert all(json.loads(f["alert_terms"]) == terms[f["alert_id"]] for f in judged)

    # and the migrated database goes on raising alerts with the next ids
    (last,) = migrated.execute("SELECT MAX(id) FROM alerts").fetchone()
    event = migrated.create_event("新事件", 7000, ["新"])
    item = want[0]["item_id"]
    ids = migrated.insert_matches(
        [MatchAlerts(("acct0", "acct1"), "美食", event, item, 0.7, ["新"], {"score": 0.7}, 7000)]
    )
    assert ids == [last + 1, last + 2]
    assert [r["terms"] for r in migrated.alerts(ids=ids)] == [["新"], ["新"]]


def test_a_match_is_stored_once_and_only_when_one_of_its_alerts_is(tmp_path):
    store = Store(tmp_path / "h.db")
    (event,) = seed_events(store, 1)
    explanation = {"score": 0.8, "evidence": [{"term": "火锅", "weight": 0.8}]}
    first = MatchAlerts(("a", "b", "c"), "美食", event, "item0", 0.8, ["火锅"], explanation, 100)
    assert store.insert_matches([first]) == [1, 2, 3]
    # the same accounts again (another item of the event): nothing new, no match stored;
    # a new account among them: its alert alone, with the second match's explanation
    again = first._replace(item_id="item1", explanation={"score": 0.9})
    more = again._replace(accounts=("a", "d"))
    assert store.insert_matches([again, more]) == [4]
    assert store.count("alert_matches") == 2
    rows = {
        r[0]: (r[1], json.loads(r[2]))
        for r in store.execute(
            "SELECT a.account, a.item_id, m.explanation FROM alerts a "
            "JOIN alert_matches m ON m.id = a.match_id"
        )
    }  # (no items stored here for Store.alerts to join)
    assert {a: e for a, (_, e) in rows.items()} == {
        "a": explanation,
        "b": explanation,
        "c": explanation,
        "d": {"score": 0.9},
    }
    assert rows["d"][0] == "item1"
    # an account named with a quote or in Chinese goes through the JSON array unchanged
    odd = first._replace(accounts=('美食号"1"', "x\\y"), theme="体育")
    assert store.insert_matches([odd]) == [5, 6]
    assert store.execute("SELECT account FROM alerts WHERE id > 4 ORDER BY id").fetchall() == [
        ("x\\y",),
        ('美食号"1"',),
    ]  # ids are given account by account, in the accounts' order


def test_one_accounts_alerts_read_through_its_spans_are_the_filtered_list(tmp_path):
    """Each call gives an account's alerts one run of ids per time (its span); reading one
    account through its spans gives exactly the rows, in the order, of filtering the whole
    list, whatever the filters; likewise the digest's id and time windows."""
    store = history(tmp_path / "h.db")
    rnd = random.Random(5)
    events = seed_events(store, 4)
    item = store.hotspots(limit=1)[0]["id"]
    accounts = [f"acct{i}" for i in range(6)]
    for call in range(12):  # several matches per call, mixed times, repeats and conflicts
        matches = [
            MatchAlerts(
                tuple(rnd.sample(accounts, rnd.randint(1, 6))),
                rnd.choice(["美食", "体育"]),
                rnd.choice(events),
                item,
                round(rnd.random(), 3),
                [f"词{call}"],
                {"score": call},
                9000 + call * 10 + (rnd.randint(0, 1) if call % 2 else 0),
            )
            for _ in range(rnd.randint(1, 5))
        ]
        if call == 4:  # repeats within the call only (a new event): counted, not queried
            (fresh,) = seed_events(store, 1)
            one = matches[0]._replace(event_id=fresh, theme="美食", at=9040)
            matches = [
                one._replace(accounts=("acct0", "acct1", "acct2")),
                one._replace(accounts=("acct3", "acct1"), terms=["二"]),
                one._replace(accounts=("acct1",), terms=["三"]),
            ]
            stored_matches = store.count("alert_matches")
        got = store.insert_matches(matches)
        if call == 4:
            assert len(got) == 4 and store.count("alert_matches") == stored_matches + 2
            assert [r["account"] for r in store.alerts(ids=got)] == [
                "acct3",
                "acct2",
                "acct1",
                "acct0",
            ]  # newest first: account by account
            assert store.alerts(ids=got[-1:])[0]["terms"] == ["二"]
    everything = store.alerts(limit=None)
    spans = store.execute("SELECT account, created_at, lo, hi FROM alert_spans").fetchall()
    by_id = {r["id"]: r for r in everything}
    covered = [i for _, _, lo, hi in spans for i in range(lo, hi + 1)]
    assert sorted(covered) == sorted(by_id)  # every alert in exactly one span
    assert all(
        by_id[i]["account"] == a and by_id[i]["created_at"] == t
        for a, t, lo, hi in spans
        for i in range(lo, hi + 1)
    )
    for account in sorted({r["account"] for r in everything}):
        mine = [r for r in everything if r["account"] == account]
        assert store.alerts(account=account, limit=None) == mine
        assert store.alerts(account=account, limit=3) == mine[:3]
        for since in (9030, 9061):
            assert store.alerts(account=account, since=since, limit=None) == [
                r for r in mine if r["created_at"] >= since
            ]
        assert store.alerts(account=account, theme="体育", min_score=0.5, limit=None) == [
            r for r in mine if r["theme"] == "体育" and r["score"] >= 0.5
        ]
        ids = sorted(r["id"] for r in mine)
        cut = ids[len(ids) // 2]
        fine = {r["id"] for r in mine if r["verdict"] != "irrelevant"}
        assert [r["id"] for r in store.digest_alerts(account, cut, ids[-1])] == sorted(
            (i for i in fine if i > cut), key=lambda i: (by_id[i]["created_at"], i)
        )
        assert [r["id"] for r in store.alerts_between(account, 9030, 9080)] == sorted(
            (i for i in fine if 9030 <= by_id[i]["created_at"] < 9080),
            key=lambda i: (by_id[i]["created_at"], i),
        )
        assert store.coverage_start(account) == min(r["created_at"] for r in mine)
