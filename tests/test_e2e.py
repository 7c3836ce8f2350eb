"""End to end through the real CLI: local HTTP server -> hotspot poll -> alerts in SQLite ->
hotspot alerts list --format json. No network beyond 127.0.0.1."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

WEIBO_PC = {
    "ok": 1,
    "data": {
        "hotgov": {"word": "#两会今日看点#", "is_gov": 1},
        "realtime": [
            {"word": "冬天第一杯奶茶", "num": 1203456, "realpos": 1, "label_name": "热"},
            {"word": "火锅店排队三小时", "num": "剧集 845210", "realpos": 2, "label_name": "新"},
            {"word": "熊猫花花过生日", "num": 598919, "realpos": 3},
            {"word": "某品牌奶茶新品", "num": 0, "is_ad": 1, "label_name": "荐"},
            {"word": "台风路径", "num": "1.2万", "realpos": 4},
        ],
    },
}
DAILYHOT = {
    "code": 200,
    "data": [
        {"title": "冬天第一杯奶茶", "hot": 5000, "url": "https://example.com/a"},
        {"title": "新款手机发布", "hot": 4000, "url": "https://example.com/b"},
    ],
}


def write_config(tmp_path: Path, sources: list[tuple[str, str, str]]) -> Path:
    blocks = "".join(
        textwrap.dedent(f"""
        [[sources]]
        name = "{name}"
        type = "{type_}"
        url = "{url}"
        """)
        for name, type_, url in sources
    )
    text = (
        textwrap.dedent("""
        [hotspot]
        database = "db/hotspot.db"
        min_host_interval = "0s"
        """)
        + blocks
        + textwrap.dedent("""
        [[accounts]]
        name = "foodie"
        [[accounts.themes]]
        name = "美食"
        keywords = ["美食", "餐厅", "奶茶", "火锅"]
        exclude = ["食物中毒"]

        [[accounts]]
        name = "pets"
        [[accounts.themes]]
        name = "萌宠"
        keywords = ["猫", "狗", "宠物"]
        verticals = []   # keywords only: this account tests whole-token matching
        """)
    )
    path = tmp_path / "hotspot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def cli(config: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hotspot", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def alerts(config: Path) -> list[dict]:
    proc = cli(config, "alerts", "list", "--format", "json", "--limit", "1000")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_poll_to_alerts_json_without_duplicates(tmp_path, httpserver):
    httpserver.expect_request("/weibo").respond_with_json(WEIBO_PC)
    httpserver.expect_request("/hot").respond_with_json(DAILYHOT)
    config = write_config(
        tmp_path,
        [
            ("weibo", "weibo", httpserver.url_for("/weibo")),
            ("daily", "jsonlist", httpserver.url_for("/hot")),
        ],
    )
    first = cli(config, "poll")
    assert first.returncode == 0, first.stderr
    rows = alerts(config)
    by_title = {(r["account"], r["title"]) for r in rows}
    assert ("foodie", "冬天第一杯奶茶") in by_title
    assert ("foodie", "火锅店排队三小时") in by_title
    assert not any(r["account"] == "pets" for r in rows)  # 猫 is not in 熊猫
    assert not any("某品牌" in r["title"] for r in rows)  # ads are stored, never alerted
    milk = next(r for r in rows if r["title"] == "冬天第一杯奶茶")
    for key in (
        "id",
        "account",
        "theme",
        "score",
        "title",
        "url",
        "source",
        "rank",
        "heat",
        "created_at",
        "terms",
    ):
        assert key in milk
    assert "奶茶" in milk["terms"] and 0.5 <= milk["score"] <= 1
    # the same story on two platforms is one alert listing both
    assert sum(r["title"] == "冬天第一杯奶茶" for r in rows) == 1
    assert set(milk["platforms"]) == {"weibo", "daily"}
    second = cli(config, "poll")
    assert second.returncode == 0
    assert len(alerts(config)) == len(rows)
    db = sqlite3.connect(tmp_path / "db" / "hotspot.db")
    items = db.execute("SELECT COUNT(*) FROM items").fetchone()[0]
    assert items == 8  # 6 weibo rows (pinned and ad kept, flagged) + 2 from the JSON list
    # a re-poll adds one observation per item and poll (whole seconds: two polls in the same
    # second are one sighting), never a new item. Each source stamps its own sightings, so on a
    # busy machine the two sources of one poll may fall in different seconds: count per item.
    per_item = [
        n for (n,) in db.execute("SELECT COUNT(*) FROM observations GROUP BY item_id").fetchall()
    ]
    assert len(per_item) == items and set(per_item) <= {1, 2}
    per_source = db.execute(
        "SELECT i.source, COUNT(DISTINCT o.observed_at) FROM observations o "
        "JOIN items i ON i.id = o.item_id GROUP BY i.source"
    ).fetchall()
    for source, n in per_source:  # all items of one source's poll share one sighting time
        assert db.execute(
            "SELECT COUNT(*) FROM observations o JOIN items i ON i.id = o.item_id "
            "WHERE i.source = ?",
            (source,),
        ).fetchone()[0] == n * sum(
            1 for _ in db.execute("SELECT 1 FROM items WHERE source = ?", (source,))
        )
    hot = json.loads(cli(config, "hotspots", "list", "--search", "熊猫", "--format", "json").stdout)
    assert [h["title"] for h in hot] == ["熊猫花花过生日"]


def test_a_broken_source_leaves_the_others_alerts_intact(tmp_path, httpserver):
    httpserver.expect_request("/weibo").respond_with_json(WEIBO_PC)
    httpserver.expect_request("/broken").respond_with_data("oops", status=500)
    httpserver.expect_request("/garbage").respond_with_data("<html>not json", status=200)
    config = write_config(
        tmp_path,
        [
            ("broken", "jsonlist", httpserver.url_for("/broken")),
            ("weibo", "weibo", httpserver.url_for("/weibo")),
            ("garbage", "jsonlist", httpserver.url_for("/garbage")),
        ],
    )
    proc = cli(config, "poll")
    assert proc.returncode == 0
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "failed" in line]
    assert any("broken" in line and "HTTP 500" in line for line in errors)
    assert any("garbage" in line and "HTML" in line for line in errors)
    assert any(r["title"] == "冬天第一杯奶茶" for r in alerts(config))
    status = json.loads(cli(config, "sources", "status", "--format", "json").stdout)
    by_name = {s["source"]: s for s in status}
    assert by_name["broken"]["failures"] == 1 and "HTTP 500" in by_name["broken"]["last_error"]
    assert by_name["weibo"]["health"] == "ok"


def test_alerts_show_explains_and_lists_history(tmp_path, httpserver):
    httpserver.expect_request("/weibo").respond_with_json(WEIBO_PC)
    config = write_config(tmp_path, [("weibo", "weibo", httpserver.url_for("/weibo"))])
    cli(config, "poll")
    first = alerts(config)[0]
    proc = cli(config, "alerts", "show", str(first["id"]))
    assert proc.returncode == 0, proc.stderr
    assert "why:" in proc.stdout and "via keyword" in proc.stdout
    assert "history (1 sighting)" in proc.stdout
    missing = cli(config, "alerts", "show", "999999")
    assert missing.returncode != 0 and "no alert with id 999999" in missing.stderr


@pytest.mark.shared
def test_recorded_weibo_and_rss_through_poll(tmp_path, httpserver, shared_dir):
    weibo = shared_dir / "fixtures/weibo/mweibocn_realtimehot_20250220T1224.json"
    feed = shared_dir / "fixtures/rss/ifanr_rss2_2016-10-26.xml"
    httpserver.expect_request("/w").respond_with_data(
        weibo.read_bytes(), content_type="application/json"
    )
    httpserver.expect_request("/f").respond_with_data(
        feed.read_bytes(), content_type="application/rss+xml"
    )
    config = write_config(
        tmp_path,
        [("weibo", "weibo", httpserver.url_for("/w")), ("ifanr", "rss", httpserver.url_for("/f"))],
    )
    proc = cli(config, "poll", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    report = {r["source"]: r for r in json.loads(proc.stdout)}
    assert report["weibo"]["items"] >= 50 and report["weibo"]["error"] is None
    assert report["ifanr"]["items"] == 15
    hot = json.loads(
        cli(
            config, "hotspots", "list", "--source", "weibo", "--limit", "100", "--format", "json"
        ).stdout
    )
    assert len(hot) >= 50 and any(h["pinned"] for h in hot)
    before = alerts(config)
    cli(config, "poll")
    assert len(alerts(config)) == len(before)
