"""hotspot import: archived history through the live pipeline, idempotently; events, trends,
match and themes suggest on what was imported."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

THEMES = textwrap.dedent("""
    [[themes]]
    name = "美食"
    keywords = ["美食", "奶茶", "火锅"]
    [[themes]]
    name = "萌宠"
    keywords = ["猫", "狗"]
    verticals = []
    """)


def rows():
    """Three snapshots of two platforms; one story appears on both, and climbs."""
    out = []
    snaps = [
        ("2025-02-20T10:00:00+08:00", ["台风路径", "冬天第一杯奶茶", "某地小学开学"]),
        ("2025-02-20T11:00:00+08:00", ["冬天第一杯奶茶", "台风路径", "成都火锅节开幕"]),
        ("2025-02-20T12:00:00+08:00", ["冬天第一杯奶茶", "成都火锅节开幕", "猫咪救助"]),
    ]
    for platform in ("weibo", "baidu"):
        for at, titles in snaps:
            for rank, title in enumerate(titles, 1):
                out.append(
                    {
                        "platform": platform,
                        "snapshot_time": at,
                        "rank": rank,
                        "title": title,
                        "heat": 1000 * (4 - rank),
                        "url": None,
                        "label": None,
                    }
                )
    out.append({"platform": "weibo", "snapshot_time": "not a time", "title": "x"})
    return out


def cli(cfg, *args):
    return subprocess.run(
        [sys.executable, "-m", "hotspot", "--config", str(cfg), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def imported(tmp_path):
    history = tmp_path / "history.jsonl"
    history.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows()) + "\n", encoding="utf-8"
    )
    cfg = tmp_path / "hotspot.toml"
    cfg.write_text(
        '[hotspot]\ndatabase = "h.db"\n[[accounts]]\nname = "a"\n'
        + THEMES.replace("[[themes]]", "[[accounts.themes]]"),
        encoding="utf-8",
    )
    first = cli(cfg, "import", str(history))
    assert first.returncode == 0, first.stderr
    return cfg, history, first


def test_import_is_idempotent_and_reports_bad_lines(imported):
    cfg, history, first = imported
    assert "imported 18 rows in 6 snapshots: 10 new items" in first.stdout
    assert "history.jsonl:19: skipped" in first.stderr
    again = cli(cfg, "import", str(history))
    assert "0 new items, 0 alerts" in again.stdout
    alerts = json.loads(cli(cfg, "alerts", "list", "--format", "json").stdout)
    titles = sorted(a["title"] for a in alerts)
    assert titles == ["冬天第一杯奶茶", "成都火锅节开幕"]  # one alert per story, not per platform
    assert all(set(a["platforms"]) == {"weibo", "baidu"} for a in alerts)


def test_events_group_platforms_and_keep_trajectories(imported):
    cfg, _, _ = imported
    events = json.loads(cli(cfg, "events", "list", "--multi", "--format", "json").stdout)
    milk = next(e for e in events if e["title"] == "冬天第一杯奶茶")
    assert sorted(milk["platforms"]) == ["baidu", "weibo"] and milk["items"] == 2
    shown = cli(cfg, "events", "show", str(milk["id"]))
    assert shown.returncode == 0
    assert "weibo" in shown.stdout and "baidu" in shown.stdout and "3 sightings" in shown.stdout
    data = json.loads(cli(cfg, "events", "show", str(milk["id"]), "--format", "json").stdout)
    assert [o["rank"] for o in data["observations"] if o["platform"] == "weibo"] == [2, 1, 1]
    trends = cli(cfg, "trends", "--since", "100000d", "--format", "json")
    assert trends.returncode == 0 and json.loads(trends.stdout)


def test_match_uses_what_the_database_learned(imported, tmp_path):
    cfg, _, _ = imported
    themes = tmp_path / "themes.toml"
    themes.write_text(THEMES, encoding="utf-8")
    items = tmp_path / "items.jsonl"
    items.write_text(
        json.dumps({"id": "x1", "title": "网红奶茶店排长队"}, ensure_ascii=False)
        + "\n"
        + json.dumps({"id": "x2", "title": "大熊猫吃竹子"}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    proc = cli(cfg, "match", "--themes", str(themes), "--input", str(items))
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert out[0]["id"] == "x1" and out[0]["matches"][0]["theme"] == "美食"
    assert any("奶茶" in t for t in out[0]["matches"][0]["terms"])  # 奶茶店 owns 奶茶
    assert out[1] == {"id": "x2", "matches": [], "sensitive": None}
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n', encoding="utf-8")
    err = cli(cfg, "match", "--themes", str(themes), "--input", str(bad))
    assert err.returncode == 1 and "bad.jsonl:1: each line needs" in err.stderr


def test_themes_suggest_lists_cooccurring_words(imported):
    cfg, _, _ = imported
    proc = cli(cfg, "themes", "suggest", "美食")
    assert proc.returncode == 0, proc.stderr
    assert "suggested keywords for 美食" in proc.stdout
    missing = cli(cfg, "themes", "suggest", "不存在")
    assert missing.returncode == 2 and "no theme named" in missing.stderr
