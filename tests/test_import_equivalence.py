"""``hotspot import`` (bulk and ``--live``) leaves the same database whether the writer's
in-memory copies answer the per-entry questions or SQLite does (``HOTSPOT_NO_CACHE=1``, the
per-entry queries as they were): same items, events (ids, titles, terms, members, states,
rising_at), observations and alerts (account, theme, event, item, score), and the same
learned terms and meta (trend baseline, detector, sensitivity model): with the copies on, an
import's relearns also remember what each title adds to them (``learn.reuse_lexicon``), and
with ``HOTSPOT_NO_CACHE=1`` each relearn starts afresh as the daemon's do. On a generated
multi-platform history here, and on slices of ../shared's corpora where they are present."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

THEMES = """
[[accounts.themes]]
name = "美食"
keywords = ["美食", "奶茶", "火锅"]
[[accounts.themes]]
name = "天气"
keywords = ["台风", "暴雨", "降温"]
[[accounts.themes]]
name = "科技"
keywords = ["手机", "芯片"]
"""

SUBJECTS = [
    "成都火锅",
    "冬天奶茶",
    "台风路径",
    "暴雨预警",
    "新款手机",
    "国产芯片",
    "春运车票",
    "高考作文",
    "电影票房",
    "马拉松",
    "考研成绩",
    "大熊猫",
    "地铁新线",
    "世界杯",
]
TWISTS = ["最新进展", "引发热议", "官方回应", "网友吐槽", "刷屏", "背后真相", "第二季", "上热搜"]


def generated(path: Path, days: int = 4, seed: int = 11) -> Path:
    """Hourly lists of three platforms; stories last hours to days, some come back after
    more than the two-day grouping window, and platforms word the same story differently."""
    rng = random.Random(seed)
    start = datetime(2025, 3, 1, tzinfo=UTC)
    stories = []
    for n in range(160):
        begin = rng.uniform(0, days * 24)
        span = rng.choice([2, 5, 12, 30])
        stories.append((begin, span, f"{rng.choice(SUBJECTS)}{rng.choice(TWISTS)}{n % 7 or ''}"))
        if rng.random() < 0.15:  # the same story again, after the window
            stories.append((begin + 50, 3, stories[-1][2]))
    with path.open("w", encoding="utf-8") as fh:
        for hour in range(days * 24):
            at = (start + timedelta(hours=hour)).isoformat()
            for platform, wording in (("weibo", "{}"), ("baidu", "{}了"), ("zhihu", "如何看待{}")):
                live = [s for s in stories if s[0] <= hour < s[0] + s[1]]
                rng.shuffle(live)
                for rank, (_, _, title) in enumerate(live[:20], 1):
                    row = {
                        "platform": platform,
                        "snapshot_time": at,
                        "rank": rank,
                        "title": wording.format(title),
                        "heat": 10_000 * (25 - rank),
                    }
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def imported(tmp: Path, name: str, history: list[Path], *args: str, cached: bool) -> dict:
    cfg = tmp / f"{name}.toml"
    cfg.write_text(
        f'[hotspot]\ndatabase = "{name}.db"\n[[accounts]]\nname = "a"\n' + THEMES,
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k != "HOTSPOT_NO_CACHE"}
    if not cached:
        env["HOTSPOT_NO_CACHE"] = "1"
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "hotspot",
            "--config",
            str(cfg),
            "import",
            *args,
            *map(str, history),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp,
        env=env,
    )
    assert p.returncode == 0, p.stderr
    conn = sqlite3.connect(tmp / f"{name}.db")
    try:
        return {
            table: conn.execute(f"SELECT {cols} FROM {table} ORDER BY {order}").fetchall()
            for table, cols, order in (
                (
                    "items",
                    "id, title, event_id, first_seen, last_seen, best_rank, last_rank, "
                    "max_heat, last_heat, tokens",
                    "id",
                ),
                (
                    "events",
                    "id, title, terms, first_seen, last_seen, platforms, best_rank, "
                    "heat, items, state, rising_at, trend, rising_chance, rising_why, "
                    "follow_up_at, follow_up_why",
                    "id",
                ),
                ("event_terms", "term, event_id", "term, event_id"),
                ("observations", "item_id, observed_at, rank, heat", "item_id, observed_at"),
                # relearning (hourly with --live) remembers per title inside an import and
                # starts afresh with HOTSPOT_NO_CACHE=1: the same terms, weights, baseline
                ("learned_terms", "scope, term, weight, support", "scope, term"),
                ("meta WHERE key NOT IN ('covered_since', 'sensitivity_learned_at')", "*", "key"),
                (
                    "alerts",
                    "account, theme, event_id, item_id, score, created_at",
                    "account, theme, event_id",
                ),
            )
        }
    finally:
        conn.close()


def assert_same(tmp: Path, history: list[Path], *args: str) -> dict:
    fast = imported(tmp, "fast", history, *args, cached=True)
    slow = imported(tmp, "slow", history, *args, cached=False)
    for table in slow:
        assert fast[table] == slow[table], table
    return fast


def test_generated_history_imports_identically(tmp_path):
    got = assert_same(tmp_path, [generated(tmp_path / "history.jsonl")])
    events = got["events"]
    assert len(got["items"]) > len(events) > 50  # platforms' wordings grouped into events
    assert any("," in e[5] for e in events)  # some events span platforms
    assert got["alerts"]


def test_generated_history_replays_live_identically(tmp_path):
    got = assert_same(tmp_path, [generated(tmp_path / "history.jsonl", days=2)], "--live")
    assert any(e[9] == "rising" or e[10] for e in got["events"])  # trends were computed


def _slice(src: Path, dst: Path, hours: float, poll: int = 0) -> Path:
    """The first ``hours`` of a JSON Lines history (one snapshot per ``poll`` s)."""
    first = last = None
    with src.open(encoding="utf-8") as fh, dst.open("w", encoding="utf-8") as out:
        for line in fh:
            t = datetime.fromisoformat(json.loads(line)["snapshot_time"]).timestamp()
            first = t if first is None else first
            if t - first > hours * 3600:
                break
            if poll and last is not None and t != last and t - last < poll * 0.9:
                continue
            last = t
            out.write(line)
    return dst


def test_corpus_slice_imports_identically(tmp_path, shared_dir):
    files = sorted((shared_dir / "corpus").glob("*.jsonl"))
    if not files:
        pytest.skip("../shared/corpus has no history")
    history = [_slice(f, tmp_path / f.name, hours=60) for f in files]
    got = assert_same(tmp_path, history)
    assert len(got["items"]) > 1_000


def test_fine_corpus_slice_replays_live_identically(tmp_path, shared_dir):
    src = shared_dir / "corpus_fine" / "weibo_minutely_dev.jsonl"
    if not src.exists():
        pytest.skip("../shared/corpus_fine is not present")
    history = [_slice(src, tmp_path / "fine.jsonl", hours=10, poll=120)]
    got = assert_same(tmp_path, history, "--live")
    assert any(e[10] for e in got["events"])  # rising_at set during the replay
