"""The planning commands through the CLI: calendar, match's "sensitive", eval --sensitivity,
and the config keys' one-line errors."""

from __future__ import annotations

import csv
import io
import json
import textwrap

import pytest
from click.testing import CliRunner

from hotspot.cli import cli
from hotspot.config import parse_config
from hotspot.errors import ConfigError

CONFIG = """
[hotspot]
database = "hs.db"

[[accounts]]
name = "A"
calendar_lead = "3d"
[[accounts.themes]]
name = "美食"
keywords = ["火锅"]

[[calendar]]
name = "品牌日"
date = "2026-12-09"
lead = "10d"
verticals = ["food"]
"""


THEME = '[[accounts.themes]]\nname = "t"\nkeywords = ["x"]\n'


def run(tmp_path, *args, config=CONFIG):
    path = tmp_path / "hotspot.toml"
    path.write_text(textwrap.dedent(config), encoding="utf-8")
    r = CliRunner().invoke(cli, ["--config", str(path), *args])
    return r


def test_calendar_command_formats_and_lead(tmp_path):
    r = run(tmp_path, "calendar", "--today", "2026-12-03", "--days", "25", "--format", "json")
    assert r.exit_code == 0, r.output
    rows = {x["name"]: x for x in json.loads(r.stdout)}
    assert rows["品牌日"]["in_lead"] and rows["品牌日"]["in_days"] == 6  # its own 10d lead
    assert rows["双12"]["in_lead"] is False  # 9 days away, the account's lead is 3 days
    assert rows["冬至"]["date"] == "2026-12-22" and rows["圣诞节"]["date"] == "2026-12-25"
    assert "元旦" not in rows  # 2027-01-01 is 29 days away
    r = run(tmp_path, "calendar", "--today", "2026-12-20", "--days", "15", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    new_year = next(x for x in rows if x["name"] == "元旦")
    assert "尚未公布" in new_year["note"]  # 2027 is past chinese-calendar's data
    table = run(tmp_path, "--lang", "zh-CN", "calendar", "--today", "2026-12-03").stdout
    assert "品牌日" in table and "即将到来" in table and "提前期" in table
    table = run(tmp_path, "--lang", "en", "calendar", "--today", "2026-12-03").stdout
    assert "品牌日" in table and "coming up" in table and "LEAD TIME" in table


def test_match_prints_sensitive(tmp_path):
    themes = tmp_path / "themes.toml"
    themes.write_text('[[themes]]\nname = "美食"\nkeywords = ["火锅"]\n', encoding="utf-8")
    items = tmp_path / "items.jsonl"
    items.write_text(
        '{"id": "1", "title": "火锅店燃气爆炸"}\n{"id": "2", "title": "重庆火锅节开幕"}\n',
        encoding="utf-8",
    )
    r = run(tmp_path, "match", "--themes", str(themes), "--input", str(items))
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert out[0]["sensitive"] == {"category": "disaster", "terms": ["燃气爆炸"]}
    assert out[1]["sensitive"] is None and out[1]["matches"][0]["theme"] == "美食"


def test_eval_sensitivity_scores(tmp_path):
    items = tmp_path / "items.jsonl"
    labels = tmp_path / "labels.jsonl"
    rows = [
        ("1", "四川发生6级地震", True, "disaster"),
        ("2", "某明星因病去世", True, "death"),
        ("3", "冬天第一杯奶茶", False, None),
        ("4", "某地居民抱怨物价", True, "social_conflict"),  # a miss: no term of ours
        ("5", "男子被刑拘", True, "crime"),
    ]
    items.write_text("".join(json.dumps({"id": i, "title": t}) + "\n" for i, t, _, _ in rows))
    labels.write_text(
        "".join(json.dumps({"id": i, "sensitive": s, "category": c}) + "\n" for i, _, s, c in rows)
    )
    r = run(
        tmp_path, "eval", "--sensitivity", str(labels), "--items", str(items), "--format", "json"
    )
    out = {x["category"]: x for x in json.loads(r.stdout)["rows"]}
    assert out["(sensitive)"] == {
        "category": "(sensitive)", "labelled": 4, "predicted": 3, "P": 1.0, "R": 0.75, "F1": 0.857
    }  # fmt: skip
    assert out["disaster"]["R"] == 1.0 and out["social_conflict"]["R"] == 0.0
    r = run(tmp_path, "eval", "--items", str(items))
    assert r.exit_code == 2 and "--sensitivity" in r.output


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ('sensitivity = "loose"', "accounts[0] (A).sensitivity: unknown mode 'loose'"),
        ('calendar_lead = "soon"', "accounts[0] (A).calendar_lead: bad duration"),
        (
            '[[accounts.benchmarks]]\nname = "x"\nurl = "ftp://a"',
            "accounts[0] (A).benchmarks[0].url",
        ),
        ('[[calendar]]\nname = "x"\ndate = "someday"', "calendar[0].date: expected"),
        (
            '[[calendar]]\nname = "x"\ndate = "05-01"\naccount = "B"',
            "calendar[0].account: no account",
        ),
    ],
)
def test_config_errors_are_one_line_each(tmp_path, snippet, message):
    import tomllib

    text = '[[accounts]]\nname = "A"\n' + snippet + "\n" + THEME
    with pytest.raises(ConfigError) as exc:
        parse_config(tomllib.loads(text), tmp_path / "hotspot.toml")
    assert any(message in p for p in exc.value.problems), exc.value.problems


def test_calendar_file_entries(tmp_path):
    import tomllib

    (tmp_path / "nodes.toml").write_text(
        '[[calendar]]\nname = "新品发布"\ndate = "nth:09:1:tue"\nheat = 5\n', encoding="utf-8"
    )
    text = '[[accounts]]\nname = "A"\n[[calendar]]\nfile = "nodes.toml"\n' + THEME
    config = parse_config(tomllib.loads(text), tmp_path / "hotspot.toml")
    assert [(n.name, n.date, n.heat) for n in config.calendar] == [("新品发布", "nth:09:1:tue", 5)]


def test_eval_sensitivity_with_history_uses_the_event_context(tmp_path):
    from datetime import UTC, datetime, timedelta

    from hotspot.engine import Engine
    from hotspot.models import RawItem
    from hotspot.planning.sensitivity_learn import relearn_sensitive
    from hotspot.storage.store import Store

    db = tmp_path / "history.db"
    store = Store(db)
    engine = Engine(store, [], verticals=[])
    at = datetime(2025, 3, 1, tzinfo=UTC)
    for minutes, platform, title in [
        (0, "baidu", "沪昆高速湘潭段多车连环相撞致3人遇难"),
        (10, "toutiao", "沪昆高速湘潭段多车相撞事故"),
        (20, "weibo", "沪昆高速湘潭段"),
    ]:
        engine.ingest(
            platform, platform, [RawItem(title=title, rank=1)], at + timedelta(minutes=minutes)
        )
    with store.transaction():
        relearn_sensitive(store)
    store.close()
    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps({"id": "1", "platform": "weibo", "title": "沪昆高速湘潭段"}) + "\n")
    labels = tmp_path / "labels.jsonl"
    labels.write_text(json.dumps({"id": "1", "sensitive": True, "category": "disaster"}) + "\n")

    def recall(*extra: str) -> float:
        r = run(
            tmp_path,
            "eval",
            "--sensitivity",
            str(labels),
            "--items",
            str(items),
            "--format",
            "json",
            *extra,
        )
        assert r.exit_code == 0, r.output
        return json.loads(r.stdout)["rows"][0]["R"]

    assert recall() == 0.0  # the bare hashtag says nothing by itself
    assert recall("--history", str(db)) == 1.0  # its event's other titles do
    assert recall("--history", str(db), "--no-event") == 0.0
