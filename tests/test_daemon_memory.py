"""The daemon gives the heap an hourly relearn freed back to the system (``release_heap``)."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest

from hotspot import daemon as d
from hotspot.config import load_config
from hotspot.engine import Engine
from hotspot.models import RawItem
from hotspot.storage.store import Store

CONFIG = """
[hotspot]
database = "{db}"

[[accounts]]
name = "a"

[[accounts.themes]]
name = "美食"
keywords = ["奶茶", "火锅"]
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_release_heap_trims_under_glibc():
    garbage = [str(i) * 50 for i in range(200_000)]
    del garbage
    assert d.release_heap() is True


def test_the_learn_job_releases_the_heap_after_relearning(tmp_path: Path, monkeypatch):
    cfg_path = tmp_path / "hotspot.toml"
    cfg_path.write_text(CONFIG.format(db=tmp_path / "h.db"), encoding="utf-8")
    config = load_config(cfg_path)
    daemon = d.Daemon(cfg_path, config)
    daemon.store = Store(config.database)
    daemon.engine = Engine.from_config(config, daemon.store)
    daemon.engine.ingest("weibo", "weibo", [RawItem(title="网红奶茶店排队三小时", url=None)])
    calls: list[str] = []
    monkeypatch.setattr(d, "release_heap", lambda: calls.append("trim") or True)
    monkeypatch.setattr(daemon.engine, "maybe_retrain", lambda *a, **k: None)
    real = daemon.engine.learn_unlinked_themes
    monkeypatch.setattr(
        daemon.engine, "learn_unlinked_themes", lambda: (calls.append("learned"), real())[1]
    )
    daemon.learn()
    assert calls == ["learned", "trim"]  # after the relearn, not before
    daemon.store.close()
