"""The daemon's hourly relearn in a child process (``hotspot.learner``): the child learns
exactly what the in-process learners learn, the daemon stores it, and a failed child keeps
the old learned terms."""

from __future__ import annotations

import dataclasses
import logging
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hotspot import daemon as d
from hotspot.analysis.learn import compute_relearn, relearn
from hotspot.config import load_config
from hotspot.engine import Engine
from hotspot.learner import relearn_in_child, segmenter_words
from hotspot.models import RawItem
from hotspot.planning.sensitivity_learn import compute_relearn_sensitive, relearn_sensitive
from hotspot.storage.store import Store

CONFIG = """
[hotspot]
database = "{db}"

[[accounts]]
name = "a"

[[accounts.themes]]
name = "美食"
keywords = ["奶茶", "火锅", "霸王茶姬", "椰椰拿铁"]
"""

# a generated history: new names beside strong lexicon evidence of their vertical, on two
# platforms and many distinct stories, plus ordinary titles (a deterministic seed)
NAMES = ["霸王茶姬", "椰椰拿铁", "蜜雪冰城", "海底捞", "胖东来", "王楚钦", "孙颖莎", "樊振东"]
EVIDENCE = [  # per name, phrases of one vertical (varied: one story is not vocabulary)
    ["人工智能大模型发布", "智能体开源模型上线", "多模态推理模型评测", "aigc应用爆火"],
    ["乡村振兴新举措", "农民工返乡创业", "和美乡村建设", "三农政策解读"],
    ["伤亡搜救现场", "遇难者家属发声", "无人员伤亡通报", "醉驾酒驾查处"],
]
FILLER = [
    "今天天气不错",
    "周末去哪里玩",
    "网友热议",
    "最新消息",
    "官方回应",
    "引发关注",
    "专家解读",
    "现场直击",
]


def _history(engine: Engine, n: int = 240) -> None:
    rnd = random.Random(7)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for poll in range(n // 8):
        items = []
        for k in range(8):
            i = poll * 8 + k
            name = rnd.randrange(len(NAMES))  # each name beside one vertical's evidence
            title = (
                f"{NAMES[name]}{rnd.choice(EVIDENCE[name % len(EVIDENCE)])}{rnd.choice(FILLER)}第{i}回"
                if rnd.random() < 0.8
                else f"{rnd.choice(FILLER)}{rnd.choice(FILLER)}{i}"
            )
            items.append(RawItem(title=title, url=None, rank=k + 1))
        platform = "weibo" if poll % 2 else "baidu"
        engine.ingest(platform, platform, items, start + timedelta(minutes=30 * poll))


def _daemon(tmp_path: Path) -> d.Daemon:
    cfg_path = tmp_path / "hotspot.toml"
    cfg_path.write_text(CONFIG.format(db=tmp_path / "h.db"), encoding="utf-8")
    config = load_config(cfg_path)
    daemon = d.Daemon(cfg_path, config)
    daemon.store = Store(config.database)
    daemon.engine = Engine.from_config(config, daemon.store)
    _history(daemon.engine)
    return daemon


def test_the_child_learns_exactly_what_the_daemon_would_in_process(tmp_path: Path):
    daemon = _daemon(tmp_path)
    seg = daemon.engine.segmenter
    assert "霸王茶姬" in segmenter_words(seg)  # the theme keywords are the user words it passes
    here = compute_relearn(daemon.store, daemon.engine.verticals, flag=seg.word_flag)
    here_s = compute_relearn_sensitive(daemon.store, flag=seg.word_flag)
    child = relearn_in_child(daemon.store.path, daemon.config.lexicons, segmenter_words(seg))
    assert child is not None
    assert child.peak_rss_mb > 0
    # something was learned to compare, and a word only the user words keep whole among it
    assert any(r[0].startswith("v:") and r[1] == "椰椰拿铁" for r in here.rows)
    assert sorted(child.relearned.rows) == sorted(here.rows)
    assert child.relearned.baseline == here.baseline
    assert child.relearned.items == here.items == daemon.store.count("items")
    assert child.relearned.learned.terms == here.learned.terms
    assert sorted(child.sensitive.model_rows) == sorted(here_s.model_rows)
    assert child.sensitive.model_meta == here_s.model_meta
    assert sorted(child.sensitive.rows) == sorted(here_s.rows)
    daemon.store.close()


def _stored(store: Store) -> tuple[list, str | None, str | None]:
    rows = store.execute(
        "SELECT scope, term, weight, support FROM learned_terms ORDER BY scope, term"
    ).fetchall()
    return [tuple(r) for r in rows], store.meta("trend_baseline"), store.meta("sensitivity_model")


def test_the_learn_job_stores_what_relearning_in_process_stores(tmp_path: Path, monkeypatch):
    daemon = _daemon(tmp_path)
    monkeypatch.setattr(daemon.engine, "start_retrain", lambda *a, **k: False)
    daemon.learn()
    via_child = _stored(daemon.store)
    assert via_child[0]  # it stored learned terms
    seg = daemon.engine.segmenter
    with daemon.store.transaction():
        relearn(daemon.store, daemon.engine.verticals, flag=seg.word_flag)
        relearn_sensitive(daemon.store, flag=seg.word_flag)
    assert _stored(daemon.store) == via_child
    # and the engine reloaded them: the matcher reads the stored expansion terms
    stored_v = {s: t for s, t in daemon.store.learned_terms().items() if s.startswith("v:")}
    assert {s: daemon.engine.learned.terms[s] for s in stored_v} == stored_v
    daemon.store.close()


def test_a_failed_child_keeps_the_old_terms_and_logs_one_line(tmp_path: Path, caplog, monkeypatch):
    daemon = _daemon(tmp_path)
    monkeypatch.setattr(daemon.engine, "start_retrain", lambda *a, **k: False)
    daemon.learn()
    before = _stored(daemon.store)
    missing = tmp_path / "gone.txt"  # the child cannot read this lexicon: it exits non-zero
    monkeypatch.setattr(daemon, "config", dataclasses.replace(daemon.config, lexicons=(missing,)))
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="hotspot.daemon"):
        daemon.learn()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "keeping the old learned terms" in errors[0].getMessage()
    assert "gone.txt" in errors[0].getMessage()
    assert _stored(daemon.store)[0] == before[0]
    daemon.store.close()
