"""Digests through a real SMTP server (aiosmtpd on 127.0.0.1): once, retried, forced."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from email import message_from_bytes, policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner

from hotspot.cli import cli
from hotspot.config import SmtpConfig, parse_config
from hotspot.delivery.jobs import send_due_digests
from hotspot.delivery.mailer import build_message, send_mail
from hotspot.errors import DeliveryError
from hotspot.models import Hotspot
from hotspot.storage.store import Store

SH = ZoneInfo("Asia/Shanghai")
T0 = int(dt.datetime(2024, 5, 2, 8, 30, tzinfo=SH).timestamp())  # digest_at on the day


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    def __init__(self):
        self.messages: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def start(handler, port, **kw) -> Controller:
    c = Controller(handler, hostname="127.0.0.1", port=port, **kw)
    c.start()
    return c


def config_toml(tmp: Path, port: int, extra: str = "") -> Path:
    p = tmp / "hotspot.toml"
    p.write_text(
        f"""
[hotspot]
database = "db.sqlite"
timezone = "Asia/Shanghai"
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
from = "hotspot@example.com"
timeout = "5s"
[[accounts]]
name = "美食组"
digest_to = ["ops@example.com"]
digest_at = "08:30"
[[accounts.themes]]
name = "美食"
keywords = ["火锅"]
{extra}
""",
        encoding="utf-8",
    )
    return p


def seed(store: Store, n: int = 2) -> None:
    with store.transaction():
        for i in range(n):
            title = ["海底捞<script>火锅</script> & 奶茶", "重庆火锅节开幕"][i % 2]
            h = Hotspot(
                id=f"w{i}",
                source="weibo",
                platform="weibo",
                title=title,
                url=f"https://s.weibo.com/weibo?q={i}",
                summary=None,
                category=None,
                rank=i + 1,
                heat=100000 * (i + 1),
                label=None,
                pinned=False,
                is_ad=False,
                published=None,
                observed_at=dt.datetime.fromtimestamp(T0 - 3600, SH),
            )
            store.insert_item(h, ["火锅"], T0 - 3600)
            store.observe_many([h], T0 - 3600)
            ev = store.create_event(title, T0 - 3600, ["火锅"])
            store.set_item_event(h.id, ev)
            store.touch_events({ev: ("weibo", i + 1)}, T0 - 3600)
            store.insert_alert(
                account="美食组",
                theme="美食",
                event_id=ev,
                item_id=h.id,
                score=0.8,
                terms=["火锅"],
                explanation={},
                at=T0 - 3600 + i,
            )


@pytest.fixture
def env(tmp_path):
    port = free_port()
    path = config_toml(tmp_path, port)
    config = parse_config(__import__("tomllib").loads(path.read_text()), path)
    store = Store(config.database)
    seed(store)
    yield config, store, port, path
    store.close()


def test_digest_arrives_once_with_headers_and_both_parts(env):
    config, store, port, _ = env
    rec = Recorder()
    c = start(rec, port)
    try:
        assert send_due_digests(config, store, now=T0 + 60) == ["sent"]
        assert send_due_digests(config, store, now=T0 + 120) == []  # same day: nothing
    finally:
        c.stop()
    (msg,) = rec.messages
    assert msg["Subject"] == "[hotspot] 美食组 · 2024-05-02 · 2 alerts"
    assert msg["To"] == "ops@example.com" and "hotspot@example.com" in msg["From"]
    assert msg["Date"] and msg["Message-ID"].endswith(".2024-05-02@example.com>")
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "海底捞<script>火锅</script> & 奶茶" in text
    assert "海底捞&lt;script&gt;火锅&lt;/script&gt; &amp; 奶茶" in html
    assert "<script>" not in html
    row = store.digest("美食组", "2024-05-02")
    assert row["status"] == "sent" and row["attempts"] == 1


def test_smtp_down_then_up_delivers_exactly_one(env):
    config, store, port, _ = env
    assert send_due_digests(config, store, now=T0 + 60) == ["failed"]
    row = store.digest("美食组", "2024-05-02")
    assert row["status"] == "pending" and row["attempts"] == 1
    assert row["next_attempt"] >= T0 + 60 + 30 and "127.0.0.1" in row["error"]
    assert send_due_digests(config, store, now=T0 + 61) == ["skipped"]  # backoff respected
    rec = Recorder()
    c = start(rec, port)
    try:
        assert send_due_digests(config, store, now=row["next_attempt"] + 1) == ["sent"]
        assert send_due_digests(config, store, now=row["next_attempt"] + 60) == []
    finally:
        c.stop()
    assert len(rec.messages) == 1
    assert store.digest("美食组", "2024-05-02")["attempts"] == 2


def test_cli_send_force_sends_again_and_preview_sends_nothing(env, tmp_path):
    config, store, port, path = env
    rec = Recorder()
    c = start(rec, port)
    try:
        runner = CliRunner()
        r = runner.invoke(
            cli,
            [
                "--config",
                str(path),
                "digest",
                "preview",
                "--account",
                "美食组",
                "--date",
                "2024-05-02",
                "--html",
                str(tmp_path / "d.html"),
            ],
        )
        assert r.exit_code == 0, r.output
        assert "重庆火锅节开幕" in r.output and not rec.messages
        assert "&lt;script&gt;" in (tmp_path / "d.html").read_text()
        args = ["--config", str(path), "digest", "send", "--date", "2024-05-02"]
        r1 = runner.invoke(cli, args)
        r2 = runner.invoke(cli, args)
        r3 = runner.invoke(cli, args + ["--force"])
    finally:
        c.stop()
    assert "sent" in r1.output and "skipped" in r2.output and "sent" in r3.output, (
        r1.output,
        r2.output,
        r3.output,
    )
    assert len(rec.messages) == 2
    assert rec.messages[0]["Message-ID"] != rec.messages[1]["Message-ID"]


def test_empty_digest_is_short_or_skipped(tmp_path):
    port = free_port()
    rec = Recorder()
    c = start(rec, port)
    try:
        for empty, expect in ((True, "sent"), (False, "empty")):
            d = tmp_path / str(empty)
            d.mkdir()
            path = config_toml(d, port)
            text = path.read_text().replace(
                'digest_at = "08:30"', f'digest_at = "08:30"\ndigest_empty = {str(empty).lower()}'
            )
            path.write_text(text)
            config = parse_config(__import__("tomllib").loads(text), path)
            store = Store(config.database)
            store.mark_covered(T0 - 86400)  # collecting since the day before: one is due
            assert send_due_digests(config, store, now=T0 + 60) == [expect]
            assert send_due_digests(config, store, now=T0 + 90) == []
            store.close()
    finally:
        c.stop()
    (msg,) = rec.messages
    assert "nothing matched" in msg["Subject"]


def test_auth_failure_is_one_clear_line(monkeypatch):
    port = free_port()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"right"
        return AuthResult(success=ok, handled=False)

    c = start(Recorder(), port, authenticator=authenticator, auth_require_tls=False)
    monkeypatch.setenv("HOTSPOT_TEST_SMTP_PW", "wrong")
    smtp = SmtpConfig(
        host="127.0.0.1",
        port=port,
        security="none",
        username="bot",
        password_env="HOTSPOT_TEST_SMTP_PW",
        timeout=5,
    )
    msg = build_message(sender="h@example.com", to=["a@example.com"], subject="s", text="t")
    try:
        with pytest.raises(DeliveryError) as e:
            send_mail(smtp, msg)
        assert "authentication failed" in str(e.value)
        assert "$HOTSPOT_TEST_SMTP_PW" in str(e.value) and "\n" not in str(e.value)
        monkeypatch.setenv("HOTSPOT_TEST_SMTP_PW", "right")
        send_mail(smtp, msg)  # the right password goes through
    finally:
        c.stop()
