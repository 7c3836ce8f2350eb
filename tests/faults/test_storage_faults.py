"""Local storage faults blamed on the right party: a damaged page, a full database, a writer
holding the database, concurrent first opens, read-only and uncreatable folders.

Damage is done to a real file; "full" is SQLite's own SQLITE_FULL (``max_page_count``); a
read-only folder is a read-only tmpfs mount when running as root (root ignores permission
bits), else a ``chmod 0555`` folder. Nothing here is monkeypatched.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotspot.config import load_config
from hotspot.engine import Engine
from hotspot.errors import StoreError
from hotspot.ingest.registry import load_plugins
from hotspot.poller import Poller
from hotspot.storage.store import Store

from .conftest import (
    SMALL_LIST,
    TITLES,
    Reply,
    assert_no_traceback,
    hotspot_argv,
    run_cli,
    wait_for,
    weibo_json,
    write_config,
)


def _one_error_line(r: subprocess.CompletedProcess, *needles: str) -> str:
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert_no_traceback(r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, r.stderr
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


def _damage(db: Path) -> None:
    """Overwrite every page after the first with garbage (the header stays valid)."""
    conn = sqlite3.connect(str(db))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    size = db.stat().st_size
    with db.open("r+b") as fh:
        for offset in range(page, size, page):
            fh.seek(offset)
            fh.write(b"\xde\xad\xbe\xef" * (page // 4))


def test_a_damaged_database_is_one_clear_line_everywhere(tmp_path, server):
    server.routes["/a"] = Reply(200, weibo_json(SMALL_LIST))
    cfg = write_config(tmp_path, [{"name": "a", "url": server.url("/a")}])
    assert run_cli("poll", config=cfg).returncode == 0
    _damage(tmp_path / "hotspot.db")

    for args in (
        ("hotspots", "list", "--search", "奶茶"),
        ("alerts", "list"),
        ("poll",),
        ("run",),  # the daemon refuses to start on it instead of failing every cycle
    ):
        _one_error_line(run_cli(*args, config=cfg), "is damaged", "restore a backup")
    doc = run_cli("doctor", config=cfg)
    assert doc.returncode == 1 and "Traceback" not in doc.stderr + doc.stdout
    assert any(
        ln.startswith("FAIL") and "database" in ln and "damaged" in ln
        for ln in doc.stdout.splitlines()
    ), doc.stdout


def test_a_full_database_is_the_stores_fault_not_the_sources(tmp_path, server):
    server.routes["/a"] = Reply(200, weibo_json(SMALL_LIST))
    cfg = write_config(tmp_path, [{"name": "a", "url": server.url("/a")}])
    assert run_cli("poll", config=cfg).returncode == 0
    before = sqlite3.connect(str(tmp_path / "hotspot.db"))
    state_before = before.execute("SELECT failures, next_poll FROM source_state").fetchall()
    before.close()

    # a list of new items that needs more pages than the database may have
    server.routes["/a"] = Reply(
        200, weibo_json([f"新闻标题第{i}条关于城市发展" for i in range(150)])
    )
    config = load_config(cfg, load_plugins(()))
    store = Store(config.database)
    pages = store.execute("PRAGMA page_count").fetchone()[0]
    store.execute(f"PRAGMA max_page_count = {pages}")  # SQLITE_FULL on the next growth
    poller = Poller(config, store, Engine.from_config(config, store), load_plugins(()))
    with pytest.raises(StoreError, match="is full") as caught:
        poller.poll(["a"])
    assert "source" not in str(caught.value).split("is full")[0]
    store.close()
    after = sqlite3.connect(str(tmp_path / "hotspot.db"))
    assert after.execute("SELECT failures, next_poll FROM source_state").fetchall() == state_before
    assert after.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    after.close()


def test_long_writers_take_the_writer_lock(tmp_path, server, daemons):
    server.routes["/a"] = Reply(200, weibo_json(SMALL_LIST))
    cfg = write_config(tmp_path, [{"name": "a", "url": server.url("/a")}])
    d = daemons(cfg, tmp_path / "daemon.log")
    wait_for(lambda: "poll source=a " in d.log() or not d.alive(), 30, "the first poll")
    for args in (("learn",), ("db", "vacuum")):
        _one_error_line(run_cli(*args, config=cfg), "in use by another hotspot process")
    d.signal(signal.SIGTERM)
    assert d.wait(15) == 0
    assert run_cli("learn", config=cfg).returncode == 0  # free again once the daemon is gone


def test_a_write_held_longer_than_the_busy_timeout_costs_one_cycle_not_a_source(
    tmp_path, server, daemons
):
    server.routes["/a"] = Reply(200, weibo_json(SMALL_LIST))
    cfg = write_config(tmp_path, [{"name": "a", "url": server.url("/a")}])
    assert run_cli("poll", config=cfg).returncode == 0
    hog = sqlite3.connect(str(tmp_path / "hotspot.db"), isolation_level=None)
    hog.execute("UPDATE source_state SET next_poll = 0")  # due at once
    hog.execute("BEGIN IMMEDIATE")  # a foreign writer that ignores the lock, for 12 s
    hog.execute("UPDATE meta SET value = value")
    d = daemons(cfg, tmp_path / "daemon.log")
    wait_for(lambda: "is busy" in d.log() or not d.alive(), 40, "the busy cycle")
    hog.execute("COMMIT")
    hog.close()
    wait_for(lambda: "poll source=a items=" in d.log() or not d.alive(), 40, "the retried poll")
    text = d.log()
    assert_no_traceback(text)
    assert "poll source=a failed" not in text  # the source was not blamed
    d.signal(signal.SIGTERM)
    assert d.wait(15) == 0


def test_concurrent_first_opens_never_fail(tmp_path, server):  # 2 writers, 4 readers
    server.routes["/a"] = Reply(200, weibo_json(TITLES))
    cfg = write_config(tmp_path, [{"name": "a", "url": server.url("/a")}], database="db/h.db")
    procs = [
        subprocess.Popen(
            hotspot_argv(cfg, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for args in [("poll",), ("poll",)] + [("hotspots", "list")] * 4
    ]
    results = [(p.args[5:], *p.communicate(60), p.returncode) for p in procs]
    for args, _out, err, code in results:
        assert "already exists" not in err and "database is locked" not in err, (args, err)
        assert_no_traceback(err)
        if args[0] == "poll" and code != 0:  # the second writer is refused, in one line
            assert "in use by another hotspot process" in err, err
        else:
            assert code == 0, (args, err)
    assert sum(code == 0 for args, _, _, code in results if args[0] == "poll") >= 1


# -- read-only and uncreatable folders --------------------------------------------------------


@pytest.fixture
def read_only(tmp_path) -> Iterator[tuple[Path, object]]:
    """A folder that becomes read-only when ``seal()`` is called."""
    folder = tmp_path / "media"
    folder.mkdir()
    if os.geteuid() != 0:

        def seal() -> None:
            for p in folder.rglob("*"):
                p.chmod(0o444)
            folder.chmod(0o555)

        yield folder, seal
        folder.chmod(0o755)
        return
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("running as root without permission to mount a read-only tmpfs")

    def seal_mount() -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)

    try:
        yield folder, seal_mount
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_writers_on_a_read_only_folder_give_one_line(tmp_path, server, read_only):
    folder, seal = read_only
    seal()
    server.routes["/a"] = Reply(200, weibo_json(SMALL_LIST))
    history = tmp_path / "history.jsonl"
    history.write_text("", encoding="utf-8")
    for database in (str(folder / "hotspot.db"), str(folder / "sub" / "hotspot.db")):
        cfg = write_config(tmp_path, [{"name": "a", "url": server.url("/a")}], database=database)
        for args in (("poll",), ("run",), ("import", str(history)), ("digest", "send")):
            _one_error_line(run_cli(*args, config=cfg, timeout=30), "cannot write in")


def test_a_database_on_read_only_media_is_still_readable(tmp_path, server, read_only):
    folder, seal = read_only
    server.routes["/a"] = Reply(200, weibo_json(SMALL_LIST))
    cfg = write_config(
        tmp_path, [{"name": "a", "url": server.url("/a")}], database=str(folder / "hotspot.db")
    )
    assert run_cli("poll", config=cfg).returncode == 0
    seal()
    listed = run_cli("hotspots", "list", config=cfg)
    assert listed.returncode == 0, listed.stderr
    assert SMALL_LIST[0][:4] in listed.stdout
    assert run_cli("alerts", "list", config=cfg).returncode == 0
    assert run_cli("sources", "status", config=cfg).returncode == 0


def test_read_commands_create_nothing(tmp_path):
    cfg = write_config(tmp_path, [], database="nested/dir/hotspot.db")
    for args in (("alerts", "list"), ("hotspots", "list"), ("sources", "status"), ("doctor",)):
        r = run_cli(*args, config=cfg)
        assert_no_traceback(r.stderr)
    assert not (tmp_path / "nested").exists()
