"""The real daemon process and a real SMTP server: a missed digest goes out once at start-up,
and a daemon killed (-9) between "pending" and "sent" delivers exactly one after restart."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from hotspot.models import Hotspot
from hotspot.storage.store import Store

ROOT = Path(__file__).resolve().parents[1]
TZ = ZoneInfo("Asia/Shanghai")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(cond, timeout=20.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Handler:
    """Records accepted messages; in ``hold`` mode it stalls in DATA until released and then
    refuses (the client was killed before the server accepted: nothing delivered)."""

    def __init__(self):
        self.messages: list = []
        self.hold = False
        self.entered = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if self.hold:
            self.entered.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 aborted"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def setup(tmp_path):
    port = free_port()
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    now = dt.datetime.now(TZ)
    at = (now - dt.timedelta(minutes=2)).strftime("%H:%M")  # has just passed
    path = tmp_path / "hotspot.toml"
    path.write_text(
        f"""
[hotspot]
database = "db.sqlite"
timezone = "Asia/Shanghai"
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
from = "hotspot@example.com"
timeout = "30s"
[[accounts]]
name = "美食组"
digest_to = ["ops@example.com"]
digest_at = "{at}"
[[accounts.themes]]
name = "美食"
keywords = ["火锅"]
""",
        encoding="utf-8",
    )
    store = Store(tmp_path / "db.sqlite")
    t = int(time.time()) - 3 * 3600
    with store.transaction():
        h = Hotspot(
            id="w1",
            source="weibo",
            platform="weibo",
            title="重庆火锅节 <b>&</b>",
            url="https://s.weibo.com/1",
            summary=None,
            category=None,
            rank=2,
            heat=500000,
            label=None,
            pinned=False,
            is_ad=False,
            published=None,
            observed_at=dt.datetime.fromtimestamp(t, TZ),
        )
        store.insert_item(h, ["火锅"], t)
        ev = store.create_event(h.title, t, ["火锅"])
        store.set_item_event("w1", ev)
        store.insert_alert(
            account="美食组",
            theme="美食",
            event_id=ev,
            item_id="w1",
            score=0.9,
            terms=["火锅"],
            explanation={},
            at=t,
        )
    store.close()
    procs: list[subprocess.Popen] = []

    def start_daemon() -> subprocess.Popen:
        log = open(tmp_path / f"daemon{len(procs)}.log", "wb")
        p = subprocess.Popen(
            [sys.executable, "-m", "hotspot", "--config", str(path), "run"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        procs.append(p)
        return p

    def digest_row():
        with sqlite3.connect(tmp_path / "db.sqlite") as c:
            return c.execute("SELECT status, attempts FROM digests").fetchone()

    yield handler, start_daemon, digest_row, tmp_path
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait(10)
    handler.release.set()
    controller.stop()


def stop(p: subprocess.Popen) -> None:
    p.send_signal(signal.SIGTERM)
    assert p.wait(15) == 0


def test_missed_digest_is_sent_once_at_startup_and_not_again(setup):
    handler, start_daemon, digest_row, tmp = setup
    p = start_daemon()
    wait_for(lambda: len(handler.messages) == 1, what="the missed digest")
    wait_for(lambda: digest_row() == ("sent", 1), what="status sent")
    stop(p)
    p2 = start_daemon()
    wait_for(lambda: b"hotspot running" in (tmp / "daemon1.log").read_bytes(), what="restart")
    time.sleep(1.0)  # the start-up digest check runs right after that line
    stop(p2)
    assert len(handler.messages) == 1
    msg = handler.messages[0]
    assert "美食组" in msg["Subject"]
    assert "重庆火锅节 &lt;b&gt;&amp;&lt;/b&gt;" in msg.get_body(("html",)).get_content()


def test_killed_between_pending_and_sent_delivers_exactly_one(setup):
    handler, start_daemon, digest_row, tmp = setup
    handler.hold = True
    p = start_daemon()
    assert handler.entered.wait(20), "the daemon never reached DATA"
    assert digest_row() == ("pending", 1)  # committed before the SMTP call
    p.kill()  # -9: no chance to record anything
    p.wait(10)
    handler.hold = False
    handler.release.set()
    p2 = start_daemon()
    wait_for(lambda: digest_row() == ("sent", 2), what="sent after restart")
    stop(p2)
    assert len(handler.messages) == 1
    assert len({m["Message-ID"] for m in handler.messages}) == 1
