"""Scheduled maintenance runs at start when it is due, judged from the stored time of its
last run: a daemon restarted more often than every 6 h still compacts (real daemon)."""

from __future__ import annotations

import signal
import sqlite3
import time

from .conftest import (
    SMALL_LIST,
    Reply,
    assert_no_traceback,
    run_cli,
    wait_for,
    weibo_json,
    write_config,
)


def _set_last(db, **last: float) -> None:
    conn = sqlite3.connect(str(db), isolation_level=None)
    for name, at in last.items():
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO "
            "UPDATE SET value = excluded.value",
            (f"last_{name}", str(int(at))),
        )
    conn.close()


def test_due_maintenance_runs_at_start_and_only_when_due(tmp_path, server, daemons):
    server.routes["/a"] = Reply(200, weibo_json(SMALL_LIST))
    cfg = write_config(tmp_path, [{"name": "a", "url": server.url("/a")}])
    assert run_cli("poll", config=cfg).returncode == 0
    db = tmp_path / "hotspot.db"
    now = time.time()
    _set_last(db, retention=now - 7 * 3600, learn=now - 600)  # retention due, learn not
    d = daemons(cfg, tmp_path / "d1.log")
    wait_for(lambda: "maintenance: retention done" in d.log() or not d.alive(), 30, "retention")
    d.signal(signal.SIGTERM)
    assert d.wait(15) == 0, d.log()
    first = d.log()
    assert_no_traceback(first)
    assert "maintenance: learn done" not in first

    # the run was stored: a daemon restarted now finds nothing due
    conn = sqlite3.connect(str(db))
    stored = dict(conn.execute("SELECT key, value FROM meta WHERE key LIKE 'last_%'").fetchall())
    conn.close()
    assert float(stored["last_retention"]) >= now - 5
    assert float(stored["last_learn"]) <= now - 590  # not due, not run, not restamped
