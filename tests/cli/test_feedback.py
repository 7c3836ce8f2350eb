"""``hotspot alerts mark`` end to end: a real poll against a local server raises alerts; a
mark is stored with its account/theme/event, shown by ``alerts show``, kept as history, and an
irrelevant alert leaves ``alerts list`` (``--all`` still shows it)."""

from __future__ import annotations

import json
import sqlite3

from tests.test_e2e import WEIBO_PC, alerts, cli, write_config


def polled(tmp_path, httpserver):
    httpserver.expect_request("/weibo").respond_with_json(WEIBO_PC)
    config = write_config(tmp_path, [("weibo", "weibo", httpserver.url_for("/weibo"))])
    assert cli(config, "poll").returncode == 0
    rows = alerts(config)
    assert rows, "the recorded list must raise alerts"
    return config, rows


def test_irrelevant_mark_is_kept_and_hides_the_alert(tmp_path, httpserver):
    config, rows = polled(tmp_path, httpserver)
    target = next(r for r in rows if r["title"] == "火锅店排队三小时")
    r = cli(config, "alerts", "mark", str(target["id"]), "irrelevant", "--term", "火锅")
    assert r.returncode == 0, r.stderr
    assert f"alert {target['id']}" in r.stdout and "irrelevant" in r.stdout

    listed = {a["id"] for a in alerts(config)}
    assert target["id"] not in listed and len(listed) == len(rows) - 1
    everything = json.loads(cli(config, "alerts", "list", "--all", "--format", "json").stdout)
    shown = {a["id"]: a for a in everything}
    assert shown[target["id"]]["verdict"] == "irrelevant"

    show = json.loads(cli(config, "alerts", "show", str(target["id"]), "--format", "json").stdout)
    (fb,) = show["feedback"]
    assert (fb["verdict"], fb["term"], fb["account"], fb["theme"], fb["origin"]) == (
        "irrelevant",
        "火锅",
        target["account"],
        target["theme"],
        "cli",
    )
    assert fb["event_id"] == target["event_id"]
    text = cli(config, "alerts", "show", str(target["id"])).stdout
    assert "feedback:" in text and "irrelevant (term 火锅) via cli" in text


def test_later_mark_wins_and_history_is_kept(tmp_path, httpserver):
    config, rows = polled(tmp_path, httpserver)
    aid = str(rows[0]["id"])
    assert cli(config, "alerts", "mark", aid, "irrelevant").returncode == 0
    assert cli(config, "alerts", "mark", aid, "useful").returncode == 0
    assert rows[0]["id"] in {a["id"] for a in alerts(config)}  # useful again: listed
    db = sqlite3.connect(tmp_path / "db" / "hotspot.db")
    verdicts = [v for (v,) in db.execute("SELECT verdict FROM feedback ORDER BY id")]
    assert verdicts == ["irrelevant", "useful"]


def test_marking_an_unknown_alert_is_one_line_and_writes_nothing(tmp_path, httpserver):
    config, _ = polled(tmp_path, httpserver)
    r = cli(config, "alerts", "mark", "999999", "useful")
    assert r.returncode != 0
    assert "no alert with id 999999" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    db = sqlite3.connect(tmp_path / "db" / "hotspot.db")
    assert db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == 0
    bad = cli(config, "alerts", "mark", "1", "great")
    assert bad.returncode == 2 and "great" in bad.stderr
