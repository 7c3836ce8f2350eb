"""Hostile and broken push receivers and mail servers (issue 18, items 2, 3, 5-8), against real
local servers: a threaded HTTP receiver whose answers tests script, aiosmtpd, and a raw TCP
server for a trickling SMTP greeting. Pushes go at most once per notifier; every conversation
has a total deadline; one slow peer delays no other; a bad notifier fails alone."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
import socket
import threading
import time
import tomllib
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as AioSMTP

from hotspot.config import NotifierConfig, SmtpConfig, parse_config
from hotspot.delivery.jobs import deliver_pushes, enqueue, send_due_digests
from hotspot.delivery.mailer import build_message, send_mail
from hotspot.errors import DeliveryError
from hotspot.models import Hotspot
from hotspot.storage.store import Store
from tests.faults.conftest import free_port, run_cli

NOW = int(dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp())


# -- a scriptable webhook receiver ----------------------------------------------------------
class Receiver:
    """POST receiver on 127.0.0.1. ``mode`` per path: ok, late (answers after ``late_s``),
    trickle (headers, then one byte every 0.2 s, forever), endless (a body without end),
    hold (reads the request, never answers until released)."""

    def __init__(self) -> None:
        self.modes: dict[str, str] = {}
        self.late_s = 2.0
        self.bodies: dict[str, list[dict]] = {}
        self.written: dict[str, int] = {}
        self.closed: dict[str, threading.Event] = {}
        self.hit_at: dict[str, list[float]] = {}  # when each request arrived
        self.release = threading.Event()
        self.got = threading.Event()
        self.lock = threading.Lock()
        rx = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                path = self.path.split("?", 1)[0]
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with rx.lock:
                    rx.bodies.setdefault(path, []).append(body)
                    rx.hit_at.setdefault(path, []).append(time.monotonic())
                    closed = rx.closed[path] = threading.Event()
                rx.got.set()
                mode = rx.modes.get(path, "ok")
                try:
                    self._answer(path, mode)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    closed.set()

            def _answer(self, path: str, mode: str) -> None:
                if mode == "hold":
                    rx.release.wait(60)
                    return
                if mode == "late":
                    time.sleep(rx.late_s)
                if mode in ("trickle", "endless"):
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    chunk = b"x" * (1 if mode == "trickle" else 65536)
                    while not rx.release.is_set():
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        self.wfile.flush()
                        with rx.lock:
                            rx.written[path] = rx.written.get(path, 0) + len(chunk)
                        if mode == "trickle":
                            time.sleep(0.2)
                    return
                data = b'{"errcode": 0}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def count(self, path: str) -> int:
        with self.lock:
            return len(self.bodies.get(path, []))

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def rx():
    r = Receiver()
    yield r
    r.close()


def seed(store: Store, accounts=("foodie",), per_account: int = 2) -> list[int]:
    ids = []
    with store.transaction():
        for acc in accounts:
            for i in range(per_account):
                key = f"{acc}-{i}"
                h = Hotspot(
                    id=key,
                    source="weibo",
                    platform="weibo",
                    title=f"重庆火锅节 {key}",
                    url=f"https://s.weibo.com/{key}",
                    summary=None,
                    category=None,
                    rank=i + 1,
                    heat=1000,
                    label=None,
                    pinned=False,
                    is_ad=False,
                    published=None,
                    observed_at=dt.datetime.fromtimestamp(NOW, dt.UTC),
                )
                store.insert_item(h, ["火锅"], NOW)
                ev = store.create_event(h.title, NOW, ["火锅"])
                store.set_item_event(h.id, ev)
                aid = store.insert_alert(
                    account=acc,
                    theme="美食",
                    event_id=ev,
                    item_id=h.id,
                    score=0.9,
                    terms=["火锅"],
                    explanation={},
                    at=NOW,
                )
                assert aid is not None
                ids.append(aid)
    return ids


class Report:
    def __init__(self, ids):
        self.alert_ids, self.rising_events, self.source_alert, self.source = ids, (), None, "w"


def setup(tmp_path: Path, notifiers: str, accounts=("foodie",)):
    acc = "".join(
        f'[[accounts]]\nname = "{a}"\n[[accounts.themes]]\nname = "美食"\nkeywords = ["火锅"]\n'
        for a in accounts
    )
    text = f'[hotspot]\ndatabase = "db.sqlite"\n{acc}{notifiers}'
    path = tmp_path / "hotspot.toml"
    path.write_text(text, encoding="utf-8")
    config = parse_config(tomllib.loads(text), path)
    store = Store(config.database)
    ids = seed(store, accounts)
    enqueue(config, store, [Report(ids)], now=NOW)
    return config, store, ids


def hook(name: str, url: str, **extra: object) -> str:
    lines = [f'[[notifiers]]\nname = "{name}"\ntype = "webhook"\nurl = "{url}"\nmin_score = 0.5']
    lines += [f"{k} = {json.dumps(v)}" for k, v in extra.items()]
    return "\n".join(lines) + "\n"


def statuses(store: Store, notifier: str) -> set[str]:
    return {
        r["status"]
        for r in store.rows("SELECT status FROM deliveries WHERE notifier = ?", (notifier,))
    }


# -- item 3: bounded reply bodies -----------------------------------------------------------
def test_an_endless_reply_body_is_read_only_a_few_kb(rx, tmp_path):
    rx.modes["/endless"] = "endless"
    config, store, ids = setup(tmp_path, hook("endless", rx.url("/endless")))
    assert deliver_pushes(config, store, now=NOW) == len(ids)  # a 200: delivered
    rx.closed["/endless"].wait(10)
    assert statuses(store, "endless") == {"sent"}
    # the client hung up after its few KB: the server could write little more than its buffers
    assert rx.written["/endless"] < 16 * 1024 * 1024


# -- items 2 and 5: deadlines, unconfirmed, one slow peer --------------------------------------
def test_a_trickling_webhook_is_unconfirmed_never_resent_and_delays_no_other(rx, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    rx.modes["/slow"] = "trickle"
    config, store, ids = setup(
        tmp_path,
        hook("slow", rx.url("/slow"), timeout="3s") + hook("fast", rx.url("/fast")),
    )
    assert deliver_pushes(config, store, now=NOW) == len(ids)  # the fast one's
    assert statuses(store, "fast") == {"sent"} and statuses(store, "slow") == {"unconfirmed"}
    # the slow one comes first in the config; sent one after the other, the fast one would go
    # only once the slow one's 3 s were up: it was delivered while the slow one trickled
    said = [r.getMessage() for r in caplog.records if "notifier=" in r.getMessage()]
    assert "notifier=fast" in said[0] and "delivered" in said[0], said
    assert "notifier=slow" in said[1] and "unconfirmed" in said[1], said
    (err,) = {r["error"] for r in store.rows("SELECT error FROM deliveries WHERE notifier='slow'")}
    assert "no answer within 3s" in err and "not resent" in err
    for later in (NOW + 3600, NOW + 7 * 86400):
        deliver_pushes(config, store, now=later)
    assert rx.count("/slow") == 1  # never sent again


def test_an_answer_after_the_deadline_is_not_a_resend(rx, tmp_path):
    rx.modes["/late"] = "late"
    rx.late_s = 2.0
    config, store, ids = setup(tmp_path, hook("late", rx.url("/late"), timeout="1s"))
    assert deliver_pushes(config, store, now=NOW) == 0
    assert statuses(store, "late") == {"unconfirmed"}
    for i in range(1, 13):  # what was 12 retries before
        deliver_pushes(config, store, now=NOW + i * 3600)
    assert rx.count("/late") == 1  # processed once, never again


def test_a_refused_connection_is_retried_and_the_last_attempt_says_it_gave_up(rx, tmp_path, caplog):
    port = free_port()
    config, store, ids = setup(tmp_path, hook("down", f"http://127.0.0.1:{port}/x"))
    assert deliver_pushes(config, store, now=NOW) == 0
    (row,) = {(r["status"], r["attempts"]) for r in store.rows("SELECT * FROM deliveries")}
    assert row == ("pending", 1)
    assert "next attempt at" in caplog.text and "gave up" not in caplog.text
    store.conn.execute("UPDATE deliveries SET attempts = 11")
    caplog.clear()
    assert deliver_pushes(config, store, now=NOW + 7200) == 0
    assert statuses(store, "down") == {"failed"}
    assert "gave up after this last attempt" in caplog.text and "next attempt" not in caplog.text
    out = run_cli("deliveries", "--format", "json", config=config.path)
    rows = json.loads(out.stdout)
    assert {r["status"] for r in rows} == {"failed"} and all(
        "cannot reach" in r["error"] for r in rows
    )


# -- item 6: a malformed notifier URL ---------------------------------------------------------
def test_a_malformed_notifier_url_is_refused_by_config_check_and_fails_alone(rx, tmp_path):
    bad = "http://127.0.0.1:80b0/hook"
    path = tmp_path / "bad.toml"
    path.write_text(
        '[hotspot]\ndatabase = "db.sqlite"\n' + hook("bad", bad) + hook("good", rx.url("/good")),
        encoding="utf-8",
    )
    r = run_cli("config", "check", config=path)
    assert r.returncode != 0 and "notifiers[0] (bad).url" in r.stderr + r.stdout
    assert "80b0" in r.stderr + r.stdout and "Traceback" not in r.stderr
    # at run time (a config built past the checker), the bad one fails alone
    config, store, ids = setup(tmp_path, hook("good", rx.url("/good")))
    config = config.__class__(
        **{
            **{f: getattr(config, f) for f in config.__dataclass_fields__},
            "notifiers": (
                NotifierConfig(name="bad", type="webhook", url=bad, min_score=0.5),
                *config.notifiers,
            ),
        }
    )
    enqueue(config, store, [Report(ids)], now=NOW)
    assert deliver_pushes(config, store, now=NOW) == len(ids)
    assert rx.count("/good") == 1 and statuses(store, "good") == {"sent"}
    (err,) = {r["error"] for r in store.rows("SELECT error FROM deliveries WHERE notifier='bad'")}
    assert "url is malformed" in err


# -- pushes: the account named, one account per message, max_per_hour -------------------------
def test_each_message_carries_one_account_and_max_per_hour_holds_the_rest(rx, tmp_path, caplog):
    config, store, ids = setup(
        tmp_path, hook("hook", rx.url("/h"), max_per_hour=2), accounts=("foodie", "techie", "autos")
    )
    assert deliver_pushes(config, store, now=NOW) == 4  # two messages, two alerts each
    assert [b["account"] for b in rx.bodies["/h"]] == ["foodie", "techie"]
    assert all({a["account"] for a in b["alerts"]} == {b["account"]} for b in rx.bodies["/h"])
    assert "2 alert(s) wait for the next window: max_per_hour = 2" in caplog.text
    assert deliver_pushes(config, store, now=NOW + 600) == 0  # still the same hour
    assert deliver_pushes(config, store, now=NOW + 3601) == 2
    assert [b["account"] for b in rx.bodies["/h"]][-1] == "autos"


# -- item 7: mail edge cases ------------------------------------------------------------------
class Refuse451:
    """Accepts the message for everyone but ``later@example.com`` (451 until ``ok``)."""

    def __init__(self):
        self.messages: list = []
        self.ok = False

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address == "later@example.com" and not self.ok:
            return "451 4.2.0 mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def mail_config(tmp_path: Path, port: int, to: str, timeout: str = "5s", accounts: int = 1):
    accs = "".join(
        f'[[accounts]]\nname = "acc{i}"\ndigest_to = [{to}]\ndigest_at = "08:30"\n'
        '[[accounts.themes]]\nname = "美食"\nkeywords = ["火锅"]\n'
        for i in range(accounts)
    )
    text = (
        f'[hotspot]\ndatabase = "db.sqlite"\ntimezone = "Asia/Shanghai"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        f'from = "hotspot@example.com"\ntimeout = "{timeout}"\n{accs}'
    )
    path = tmp_path / "hotspot.toml"
    path.write_text(text, encoding="utf-8")
    return path, parse_config(tomllib.loads(text), path)


def test_a_451_recipient_is_not_delivered_and_is_retried_alone(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    handler, port = Refuse451(), free_port()
    c = Controller(handler, hostname="127.0.0.1", port=port)
    c.start()
    try:
        path, config = mail_config(tmp_path, port, '"ops@example.com", "later@example.com"')
        store = Store(config.database)
        seed(store, ("acc0",))
        assert send_due_digests(config, store, now=NOW + 86400) == ["sent"]
        assert [to for to, _ in handler.messages] == [["ops@example.com"]]
        assert "sent to ops@example.com:" in caplog.text
        assert "NOT delivered to later@example.com (451 4.2.0 mailbox busy" in caplog.text
        shown = json.loads(run_cli("deliveries", "--format", "json", config=path).stdout)
        assert [(r["kind"], r["status"]) for r in shown] == [("digest", "partly delivered")]
        handler.ok = True
        send_due_digests(config, store, now=NOW + 86400 + 30)  # before its retry time
        assert len(handler.messages) == 1
        send_due_digests(config, store, now=NOW + 86400 + 3600)
        assert [to for to, _ in handler.messages] == [["ops@example.com"], ["later@example.com"]]
        first, second = (message_from_bytes(m, policy=policy.default) for _, m in handler.messages)
        assert first["Message-ID"] == second["Message-ID"]  # the same mail, not a new digest
        assert json.loads(run_cli("deliveries", "--format", "json", config=path).stdout) == []
    finally:
        c.stop()


class QuitSays421(AioSMTP):
    async def smtp_QUIT(self, arg):
        await self.push("421 4.3.0 closing on you")
        self._handler_coroutine.cancel()
        self.transport.close()


class Controller421(Controller):
    def factory(self):
        return QuitSays421(self.handler)


class Recorder:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"


def test_a_421_to_quit_after_data_was_accepted_counts_as_sent(tmp_path):
    rec, port = Recorder(), free_port()
    c = Controller421(rec, hostname="127.0.0.1", port=port)
    c.start()
    try:
        _, config = mail_config(tmp_path, port, '"ops@example.com"')
        store = Store(config.database)
        seed(store, ("acc0",))
        assert send_due_digests(config, store, now=NOW + 86400) == ["sent"]
        assert send_due_digests(config, store, now=NOW + 86400 + 7200) == []  # no resend
        assert len(rec.messages) == 1
    finally:
        c.stop()


def test_the_servers_size_bounds_the_digest(tmp_path):
    rec, port = Recorder(), free_port()
    c = Controller(rec, hostname="127.0.0.1", port=port, data_size_limit=30_000)
    c.start()
    try:
        _, config = mail_config(tmp_path, port, '"ops@example.com"')
        store = Store(config.database)
        seed(store, ("acc0",), per_account=120)
        assert send_due_digests(config, store, now=NOW + 86400) == ["sent"]
        (raw,) = rec.messages
        assert len(raw) <= 30_000
        text = message_from_bytes(raw, policy=policy.default).get_body(("plain",)).get_content()
        assert re.search(r"and \d+ more: hotspot alerts list --account acc0 --theme", text)
    finally:
        c.stop()
    # a limit nothing fits into: one clear line, not "sender refused; check [smtp] from"
    c = Controller(rec, hostname="127.0.0.1", port=port, data_size_limit=2_000)
    c.start()
    try:
        smtp = SmtpConfig(host="127.0.0.1", port=port, security="none", timeout=5)
        msg = build_message(
            sender="a@example.com", to=["b@example.com"], subject="x", text="y" * 5000
        )
        with pytest.raises(DeliveryError, match=r"accepts at most 2000 \(its SIZE\)"):
            send_mail(smtp, msg)
    finally:
        c.stop()


def test_a_trickling_smtp_greeting_is_cut_at_the_total_timeout():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    stop = threading.Event()

    def trickle():
        conn, _ = srv.accept()
        with conn:
            for ch in b"220 " + b"x" * 1000:
                if stop.is_set():
                    return
                try:
                    conn.sendall(bytes([ch]))
                except OSError:
                    return
                time.sleep(0.3)  # every read is quick; the whole greeting never ends

    threading.Thread(target=trickle, daemon=True).start()
    smtp = SmtpConfig(host="127.0.0.1", port=srv.getsockname()[1], security="none", timeout=1.5)
    msg = build_message(sender="a@example.com", to=["b@example.com"], subject="x", text="y")
    try:
        with pytest.raises(DeliveryError, match=r"timed out after 1.5s in total"):
            send_mail(smtp, msg)
    finally:
        stop.set()
        srv.close()


@pytest.mark.parametrize(
    "address", ["not-an-address", "a@b@c", "ops@example.com\r\nBcc: x@evil.com", "a b@c.com"]
)
def test_config_check_rejects_what_is_not_an_address(tmp_path, address):
    path, _ = mail_config(tmp_path, 25, '"ok@example.com"')
    text = path.read_text(encoding="utf-8").replace('"ok@example.com"', json.dumps(address))
    path.write_text(text, encoding="utf-8")
    r = run_cli("config", "check", config=path)
    assert r.returncode != 0 and "accounts[0] (acc0).digest_to[0]" in r.stdout + r.stderr
    assert "is not an email address" in r.stdout + r.stderr and "Traceback" not in r.stderr


# -- item 8: SIGTERM while a mail server never answers DATA -----------------------------------
class NeverAnswersData:
    def __init__(self):
        self.entered = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.entered.set()
        await asyncio.sleep(3600)
        return "250 OK"


def test_sigterm_stops_the_daemon_in_seconds_while_data_is_never_answered(tmp_path, daemons):
    import signal

    handler, port = NeverAnswersData(), free_port()
    c = Controller(handler, hostname="127.0.0.1", port=port)
    c.start()
    try:
        now = dt.datetime.now(dt.timezone(dt.timedelta(hours=8)))
        path, config = mail_config(tmp_path, port, '"ops@example.com"', timeout="60s", accounts=2)
        text = path.read_text(encoding="utf-8").replace(
            'digest_at = "08:30"', f'digest_at = "{(now - dt.timedelta(minutes=2)):%H:%M}"'
        )
        path.write_text(text, encoding="utf-8")
        store = Store(config.database)
        with store.transaction():
            store.set_meta("covered_since", str(int(time.time()) - 2 * 86400))
        store.close()
        d = daemons(path, tmp_path / "daemon.log")
        assert handler.entered.wait(30), d.log()
        started = time.monotonic()
        d.signal(signal.SIGTERM)
        assert d.wait(10) == 0, d.log()  # 2 accounts x 60 s timeout before
        print(f"stopped {time.monotonic() - started:.2f}s after SIGTERM")
        rows = Store(config.database).rows("SELECT status FROM digests")
        assert {r["status"] for r in rows} <= {"pending"}  # not claimed as sent
    finally:
        c.stop()


# -- item 5: kill -9 during the POST -----------------------------------------------------------
def test_kill_9_during_a_post_does_not_resend_after_restart(tmp_path, server, rx, daemons):
    from tests.faults.conftest import (
        SMALL_LIST,
        Reply,
        cli_json,
        wait_for,
        weibo_json,
        write_config,
    )

    server.routes["/hot"] = Reply(body=weibo_json(SMALL_LIST))
    rx.modes["/hook"] = "hold"  # takes the request, never answers
    config = write_config(tmp_path, [{"name": "weibo", "url": server.url("/hot")}])
    with config.open("a", encoding="utf-8") as f:
        f.write("\n" + hook("hook", rx.url("/hook")))
    d = daemons(config, tmp_path / "d1.log")
    assert rx.got.wait(40), d.log()
    d.kill9()
    rx.modes["/hook"] = "ok"
    rx.release.set()
    d2 = daemons(config, tmp_path / "d2.log")

    def unconfirmed():
        rows = cli_json("deliveries", config=config)
        return rows and all(r["status"] == "unconfirmed" for r in rows)

    wait_for(unconfirmed, 40, "the interrupted push to show as unconfirmed")
    rows = cli_json("deliveries", config=config)
    assert all("interrupted while sending" in r["error"] for r in rows), rows
    assert rx.count("/hook") == 1, d2.log()  # the one POST before the kill, never again


# -- a real daemon: a first poll's burst, and SIGTERM inside a push round -----------------------
def test_first_poll_burst_is_one_message_per_account_and_sigterm_cuts_a_held_push(
    tmp_path, server, rx, daemons
):
    import signal

    from tests.faults.conftest import TITLES, Reply, cli_json, wait_for, weibo_json, write_config

    server.routes["/hot"] = Reply(body=weibo_json(TITLES))
    config = write_config(tmp_path, [{"name": "weibo", "url": server.url("/hot")}])
    with config.open("a", encoding="utf-8") as f:
        f.write(
            '\n[[accounts]]\nname = "tea"\n[[accounts.themes]]\nname = "茶饮"\n'
            'keywords = ["奶茶", "甜品"]\n\n'
            + hook("chat", rx.url("/chat"))
            + '[[notifiers]]\nname = "stuck"\ntype = "webhook"\nmin_score = 0.5\n'
            f'url = "{rx.url("/stuck")}"\ntimeout = "60s"\n'
        )
    rx.modes["/stuck"] = "hold"
    d = daemons(config, tmp_path / "d.log")
    wait_for(lambda: rx.count("/chat") >= 2 and rx.count("/stuck") >= 1, 40, "the first round")
    alerts = cli_json("alerts", "list", "--limit", "500", config=config)
    assert len(alerts) > 5  # a burst
    chat = rx.bodies["/chat"]
    assert sorted(b["account"] for b in chat) == ["foodie", "tea"]  # one message each
    for b in chat:
        assert {a["account"] for a in b["alerts"]} == {b["account"]}
    assert sum(len(b["alerts"]) for b in chat) == len(alerts)
    started = time.monotonic()
    d.signal(signal.SIGTERM)  # the stuck webhook holds its request (timeout 60 s)
    assert d.wait(10) == 0, d.log()
    print(f"stopped {time.monotonic() - started:.2f}s after SIGTERM during a held push")
    rows = cli_json("deliveries", config=config)
    assert {r["notifier"] for r in rows} == {"stuck"} and {r["status"] for r in rows} == {
        "unconfirmed"
    }
