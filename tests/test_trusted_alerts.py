"""Alerts an operator can trust, through the engine and the store (issue 11): relearning
never re-alerts old history, feedback mutes terms and keeps rejected events out of digests
and pushes, and 'themes show' says what each theme is linked to and why."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

from hotspot.analysis.lexicon import parse_lexicon
from hotspot.config import ThemeConfig
from hotspot.engine import Engine
from hotspot.models import RawItem
from hotspot.storage.store import Store

FILM = parse_lexicon("# vertical: film\n# title: 影视\n# names: 影视\n票房\n定档\n", "film.txt")
THEME = ThemeConfig(name="影视", keywords=("电影",))
T0 = datetime(2025, 2, 20, 2, 0, tzinfo=UTC)


def test_a_relearned_term_does_not_re_alert_items_seen_before(tmp_path):
    store = Store(tmp_path / "h.db")
    engine = Engine(store, [("a", THEME)], [FILM])
    first = engine.ingest("w", "weibo", [RawItem(title="难哄大结局")], T0)
    assert first.alert_ids == []
    # history taught that 难哄 is a drama: the term is learned, the matcher rebuilt
    store.replace_learned("v:", [("v:film", "难哄", 0.6, 0)])
    engine.reload(engine.themes)
    again = engine.ingest("w", "weibo", [RawItem(title="难哄大结局")], T0 + timedelta(hours=1))
    assert again.alert_ids == []  # the same item, seen before: learning alone cannot alert it
    new = engine.ingest("w", "weibo", [RawItem(title="难哄收视登顶")], T0 + timedelta(hours=2))
    assert len(new.alert_ids) == 1  # a new item gets the learned knowledge
    # a change of the theme itself is operator intent: old items are matched again
    engine.reload([("a", ThemeConfig(name="影视", keywords=("电影", "大结局")))])
    wider = engine.ingest("w", "weibo", [RawItem(title="难哄大结局")], T0 + timedelta(hours=3))
    assert len(wider.alert_ids) == 1


def test_an_irrelevant_mark_mutes_the_terms_and_leaves_digests_and_pushes(tmp_path):
    store = Store(tmp_path / "h.db")
    engine = Engine(store, [("a", THEME), ("b", THEME)], [FILM])
    got = engine.ingest("w", "weibo", [RawItem(title="新片定档春节")], T0)
    alerts = {store.alert(i)["account"]: i for i in got.alert_ids}
    store.record_feedback(alerts["a"], "irrelevant")
    start, end = int(T0.timestamp()) - 10, int(T0.timestamp()) + 10
    assert store.alerts_between("a", start, end) == []
    assert [r["id"] for r in store.alerts_between("b", start, end)] == [alerts["b"]]
    assert [r["id"] for r in store.push_alerts(sorted(alerts.values()))] == [alerts["b"]]
    engine.reload(engine.themes)  # feedback is read when the matcher is built
    later = engine.ingest("w", "weibo", [RawItem(title="暑期新片定档")], T0 + timedelta(days=3))
    assert [store.alert(i)["account"] for i in later.alert_ids] == ["b"]
    store.record_feedback(alerts["a"], "useful")  # changed their mind: the term is back
    engine.reload(engine.themes)
    back = engine.ingest("w", "weibo", [RawItem(title="国庆新片定档")], T0 + timedelta(days=9))
    assert sorted(store.alert(i)["account"] for i in back.alert_ids) == ["a", "b"]


def test_themes_show_prints_links_reasons_and_sizes(tmp_path):
    cfg = tmp_path / "hotspot.toml"
    cfg.write_text(
        '[hotspot]\ndatabase = "h.db"\n[[accounts]]\nname = "cars"\n'
        '[[accounts.themes]]\nname = "汽车"\nkeywords = ["汽车", "电动车"]\n'
        '[[accounts.themes]]\nname = "体育"\nkeywords = ["足球"]\nexclude_verticals = ["football"]\n',
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "hotspot", "--lang", "en", "--config", str(cfg), "themes", "show"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    car_part, sport_part = proc.stdout.split("cars/体育")
    assert "cars (汽车):" in car_part and "because of its name 汽车" in car_part
    assert "traffic_driving" not in car_part  # a neighbouring domain nobody asked for
    assert "basketball (篮球):" in sport_part and "because of being part of sports" in sport_part
    assert "football (" not in sport_part and "excluded: football" in sport_part
