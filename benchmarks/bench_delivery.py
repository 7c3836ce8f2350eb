"""Benchmark 7 — delivery under load and hostile peers (issues 12 and 18).

Figures:
  * digest size (the whole message, both parts, encoded) for 145, 1,000 and 6,352 alerts over
    1 and 10 themes; target < 102 KB (Gmail clips above it), budget 90 KB;
  * seconds for ``send_mail`` to give up on a mail server that never answers DATA, with
    ``[smtp] timeout = "2s"``; target <= 3 s (the timeout is a total);
  * seconds for a real daemon to exit after SIGTERM while its mail server never answers DATA
    (2 accounts, timeout 60 s); target <= 5 s (was 2 x 60 s);
  * resident memory growth while a webhook answers with an endless body; target < 50 MB.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

from hotspot.config import SmtpConfig, parse_config
from hotspot.delivery.digest import build_digest
from hotspot.delivery.jobs import MAIL_BUDGET, deliver_pushes, enqueue, fit_message
from hotspot.delivery.mailer import build_message, send_mail
from hotspot.errors import DeliveryError
from hotspot.models import Hotspot
from hotspot.storage.store import Store

SH = dt.timezone(dt.timedelta(hours=8))


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rows(n: int, themes: int) -> list[dict]:
    long = "淄博烧烤带动周末客流，夜市摊主月入过万，外地游客排队两小时只为一口"
    return [
        {
            "id": i,
            "title": f"{long} {i}",
            "url": f"https://s.weibo.com/weibo?q={i}",
            "theme": f"美食{i % themes}",
            "platform": "weibo",
            "best_rank": i % 50 + 1,
            "max_heat": 10_000 * (i + 1),
            "state": "rising",
            "terms": ["烧烤", "夜市", "淄博"],
            "score": 0.8,
            "created_at": 1_764_000_000 + i,
            "trend": {"ranks": list(range(24, 0, -1))},
        }
        for i in range(n)
    ]


def digest_sizes() -> list[dict]:
    text = (
        '[hotspot]\ndatabase = "x.db"\n[smtp]\nhost = "127.0.0.1"\nfrom = "h@example.com"\n'
        '[[accounts]]\nname = "美食组"\ndigest_to = ["ops@example.com"]\ndigest_at = "08:30"\n'
        '[[accounts.themes]]\nname = "美食"\nkeywords = ["烧烤"]\n'
    )
    config = parse_config(tomllib.loads(text), Path("/tmp/x.toml"))
    out = []
    for n, themes in ((145, 1), (145, 10), (1000, 10), (6352, 10)):
        d = build_digest(
            "美食组",
            _rows(n, themes),
            [],
            1_764_000_000,
            1_764_086_400,
            ZoneInfo("Asia/Shanghai"),
        )
        msg = fit_message(config, config.accounts[0], d, "<x@example.com>", MAIL_BUDGET)
        assert msg is not None
        size = len(msg.as_bytes())
        out.append(
            c.result(
                f"digest of {n} alerts in {themes} theme(s): whole message",
                size / 1024,
                "KB",
                "Gmail clips at ~102 KB",
                None,
                "< 102 KB",
                size < 102 * 1024,
            )
        )
    return out


class _Silent:
    def __init__(self):
        self.entered = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.entered.set()
        await asyncio.sleep(3600)
        return "250 OK"


def smtp_deadline() -> list[dict]:
    from aiosmtpd.controller import Controller

    port = _port()
    ctl = Controller(_Silent(), hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        smtp = SmtpConfig(host="127.0.0.1", port=port, security="none", timeout=2.0)
        msg = build_message(sender="a@example.com", to=["b@example.com"], subject="x", text="y")
        t0 = time.perf_counter()
        try:
            send_mail(smtp, msg)
        except DeliveryError:
            pass
        took = time.perf_counter() - t0
    finally:
        ctl.stop()
    return [
        c.result(
            "send_mail, DATA never answered, timeout 2s", took, "s", "", None, "<= 3 s", took <= 3
        )
    ]


def sigterm_stop() -> list[dict]:
    from aiosmtpd.controller import Controller

    handler, port = _Silent(), _port()
    ctl = Controller(handler, hostname="127.0.0.1", port=port)
    ctl.start()
    with tempfile.TemporaryDirectory() as d:
        at = (dt.datetime.now(SH) - dt.timedelta(minutes=2)).strftime("%H:%M")
        accs = "".join(
            f'[[accounts]]\nname = "a{i}"\ndigest_to = ["ops@example.com"]\ndigest_at = "{at}"\n'
            for i in range(2)
        )
        path = Path(d) / "hotspot.toml"
        path.write_text(
            f'[hotspot]\ndatabase = "db.sqlite"\ntimezone = "Asia/Shanghai"\n[smtp]\n'
            f'host = "127.0.0.1"\nport = {port}\nsecurity = "none"\ntimeout = "60s"\n{accs}',
            encoding="utf-8",
        )
        store = Store(Path(d) / "db.sqlite")
        with store.transaction():
            store.set_meta("covered_since", str(int(time.time()) - 2 * 86400))
        store.close()
        p = subprocess.Popen(
            [sys.executable, "-m", "hotspot", "--config", str(path), "run"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            handler.entered.wait(60)
            t0 = time.perf_counter()
            p.send_signal(signal.SIGTERM)
            p.wait(130)
            took = time.perf_counter() - t0
        finally:
            if p.poll() is None:
                p.kill()
            ctl.stop()
    return [
        c.result(
            "daemon exit after SIGTERM, DATA never answered (2 accounts, 60s timeout)",
            took,
            "s",
            "before: 2 x timeout",
            None,
            "<= 5 s",
            took <= 5,
        )
    ]


def endless_reply() -> list[dict]:
    stop = threading.Event()

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"x" * 65536
            try:
                while not stop.is_set():
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:
                pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as d:
        text = (
            '[hotspot]\ndatabase = "db.sqlite"\n[[accounts]]\nname = "a"\n'
            '[[accounts.themes]]\nname = "美食"\nkeywords = ["火锅"]\n'
            f'[[notifiers]]\nname = "h"\ntype = "webhook"\nmin_score = 0.1\n'
            f'url = "http://127.0.0.1:{httpd.server_address[1]}/x"\n'
        )
        config = parse_config(tomllib.loads(text), Path(d) / "hotspot.toml")
        store = Store(config.database)
        with store.transaction():
            h = Hotspot(
                id="i",
                source="w",
                platform="weibo",
                title="火锅",
                url=None,
                summary=None,
                category=None,
                rank=1,
                heat=1,
                label=None,
                pinned=False,
                is_ad=False,
                published=None,
                observed_at=dt.datetime.now(SH),
            )
            store.insert_item(h, ["火锅"], 1)
            ev = store.create_event("火锅", 1, ["火锅"])
            aid = store.insert_alert(
                account="a",
                theme="美食",
                event_id=ev,
                item_id="i",
                score=0.9,
                terms=["火锅"],
                explanation={},
                at=1,
            )

        class R:
            alert_ids, rising_events, source_alert, source = (aid,), (), None, "w"

        enqueue(config, store, [R()])
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        deliver_pushes(config, store)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        store.close()
    stop.set()
    httpd.shutdown()
    grew = after - before
    return [
        c.result(
            "peak RSS growth, webhook with an endless reply",
            grew,
            "MB",
            "before: 3 GB",
            None,
            "< 50 MB",
            grew < 50,
        )
    ]


def run() -> list[dict]:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    return digest_sizes() + smtp_deadline() + sigterm_stop() + endless_reply()


if __name__ == "__main__":
    c.print_table(run())
