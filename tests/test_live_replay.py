"""``hotspot import --live`` leaves the trace a daemon would (rising_at, estimates, states)
and ``hotspot backtest`` measures the flag walk-forward, both on a synthetic two-day list."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.rising_data import write_jsonl


def cli(cfg, *args):
    return subprocess.run(
        [sys.executable, "-m", "hotspot", "--config", str(cfg), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("live")
    history = write_jsonl(tmp / "history.jsonl", days=2, poll_min=10)
    cfg = tmp / "hotspot.toml"
    cfg.write_text(
        '[hotspot]\ndatabase = "h.db"\n[[accounts]]\nname = "a"\n'
        '[[accounts.themes]]\nname = "话题"\nkeywords = ["话题"]\n',
        encoding="utf-8",
    )
    p = cli(cfg, "import", "--live", str(history))
    assert p.returncode == 0, p.stderr
    return cfg, history, p.stdout


def test_live_import_trains_the_detector_and_stores_estimates(replayed):
    cfg, _, out = replayed
    assert "detector: weibo (threshold" in out  # trained at the start of day 2
    p = cli(cfg, "events", "list", "--format", "json", "--limit", "2000")
    events = json.loads(p.stdout)
    estimated = [e for e in events if e["rising_chance"] is not None]
    assert estimated, "day 2 sightings carry the detector's chance"
    flagged = [e for e in estimated if e["rising_at"]]
    assert flagged and all(e["rising_why"] for e in flagged)
    assert any(e["rising_why"].startswith("上升：") for e in flagged)
    assert all(0 <= e["rising_chance"] <= 1 for e in estimated)
    # the flag came before the top 10 for most of those that got there
    reached = [e for e in flagged if e["best_rank"] <= 10]
    assert len(reached) >= len(flagged) // 2


def test_trends_shows_the_chance(replayed):
    cfg, _, _ = replayed
    args = ("trends", "--since", "100000d", "--limit", "500", "--format", "json")
    rows = json.loads(cli(cfg, "--lang", "zh-CN", *args).stdout)
    assert any(r["chance"] and r["chance"].endswith("分钟") for r in rows)
    rows = json.loads(cli(cfg, "--lang", "en", *args).stdout)
    assert any(r["chance"] and r["chance"].endswith(" min") for r in rows)


def test_backtest_prints_both_rules_per_platform(replayed):
    cfg, history, _ = replayed
    p = cli(cfg, "backtest", str(history), "--poll", "10m", "--format", "json")
    assert p.returncode == 0, p.stderr
    figures = json.loads(p.stdout)["weibo"]
    assert figures["titles"] > figures["reached"] > 0
    assert figures["model_days"] == figures["days"] >= 1  # each judged by the days before
    for rule in ("new", "old"):
        r = figures[rule]
        assert r["hits"] <= r["flagged"] and r["hits"] <= figures["reached"]
    base_rate = figures["reached"] / figures["titles"]
    assert figures["new"]["precision"] > base_rate + 0.1
    table = cli(cfg, "backtest", str(history), "--poll", "10m")
    assert "learned" in table.stdout and "percentile" in table.stdout
    bad = cli(cfg, "backtest", str(history), "--poll", "soon")
    assert bad.returncode != 0 and "--poll" in bad.stderr and "Traceback" not in bad.stderr
