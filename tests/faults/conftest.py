"""Fault-injection helpers: a raw local HTTP server, config writer, CLI runner, daemon launcher.

Everything here is real: a threaded ``http.server`` on 127.0.0.1 (raw control of status,
headers, delays and half-sent bodies), ``hotspot`` run as a subprocess, the daemon as a
``subprocess.Popen``. Nothing is monkeypatched. The fixtures are small, hand-written
Weibo-style hot lists (the PC ``data.realtime`` shape).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

# -- hand-written fixtures --------------------------------------------------------------------

#: Distinct stories, most of them about food (the theme below), a few not. Which of them the
#: matcher alerts on is measured at run time (a reference poll), never hard-coded here.
TITLES = [
    "新款奶茶联名上架首日售罄",
    "米其林餐厅榜单公布上海新增三家",
    "淄博烧烤带动周末客流",
    "奶茶品牌宣布全国门店降价",
    "高校食堂引进特色火锅窗口",
    "老字号餐厅申请非遗保护",
    "夜市烧烤摊主月入过万引热议",
    "故宫文创甜品限量发售",
    "外卖奶茶包装新规下月实施",
    "海底捞火锅推出一人食套餐",
    "星级餐厅主厨分享家常菜做法",
    "东北烧烤登上国际美食节",
    "法式甜品大师来华授课",
    "火锅底料出口量创历史新高",
    "景区餐厅明码标价接受检查",
    "低糖甜品成为年轻人新宠",
    "国产大飞机完成首次商业航班",
    "暴雨预警发布多地学校停课",
    "男篮亚洲杯小组赛首战告捷",
    "天文台观测到罕见流星雨",
    "高铁新线路今日开通运营",
    "台风登陆沿海地区停航",
]
THEME_KEYWORDS = ["奶茶", "餐厅", "火锅", "烧烤", "甜品"]
#: The five-entry list most tests serve: three food stories, two others.
SMALL_LIST = [TITLES[0], TITLES[1], TITLES[16], TITLES[3], TITLES[17]]


def weibo_json(titles: Iterable[str], *, base_heat: int = 3_000_000) -> bytes:
    """A Weibo PC hot-search body (``{"ok":1,"data":{"realtime":[...]}}``) for ``titles``."""
    rows = [
        {"word": t, "num": base_heat - i * 10_000, "realpos": i + 1, "label_name": ""}
        for i, t in enumerate(titles)
    ]
    return json.dumps({"ok": 1, "data": {"realtime": rows}}, ensure_ascii=False).encode()


VISITOR_PAGE = (
    b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Sina Visitor System</title>'
    b'</head><body><script src="https://passport.weibo.com/js/visitor/mini.js"></script>'
    b'<script>var url = "https://passport.weibo.com/visitor/visitor?entry=miniblog";</script>'
    b"</body></html>"
)

NOT_A_LIST_PAGE = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>nginx</h1><p>The upstream is having a bad day.</p></body></html>"
)


# -- a raw local HTTP server --------------------------------------------------------------------


@dataclass
class Reply:
    """What the server answers on one path.

    ``delay`` sleeps before the status line (a timeout); ``truncate_at`` declares the full
    Content-Length but sends only that many bytes, then closes (a truncated body);
    ``chunked`` streams the body without a Content-Length (the size cap must still hold);
    ``trickle`` sends the body one byte at a time with that pause (a slowloris server).
    """

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"
    delay: float = 0.0
    truncate_at: int | None = None
    chunked: bool = False
    trickle: float = 0.0  # > 0: send the body one byte every ``trickle`` seconds


Route = Reply | Callable[[Mapping[str, str]], Reply]


class LocalServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 whose routes tests change while it runs."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[float, str, dict[str, str]]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep pytest output clean
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                headers = {k.lower(): v for k, v in self.headers.items()}
                with server._lock:
                    server.requests.append((time.monotonic(), path, headers))
                    route = server.routes.get(path)
                reply = route(headers) if callable(route) else route
                if reply is None:
                    reply = Reply(404, b"not found", content_type="text/plain")
                try:
                    self._answer(reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeouts, size cap): expected here

            def _answer(self, r: Reply) -> None:
                if r.delay:
                    time.sleep(r.delay)
                self.send_response(r.status)
                self.send_header("Content-Type", r.content_type)
                for k, v in r.headers.items():
                    self.send_header(k, v)
                self.send_header("Connection", "close")
                self.close_connection = True
                if r.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for i in range(0, len(r.body), 8192):
                        part = r.body[i : i + 8192]
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                    self.wfile.write(b"0\r\n\r\n")
                    return
                self.send_header("Content-Length", str(len(r.body)))
                self.end_headers()
                if r.status == 304:
                    return
                if r.trickle:
                    for i in range(len(r.body)):
                        self.wfile.write(r.body[i : i + 1])
                        self.wfile.flush()
                        time.sleep(r.trickle)
                    return
                if r.truncate_at is not None:
                    self.wfile.write(r.body[: r.truncate_at])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(r.body)

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def hits(self, path: str) -> list[dict[str, str]]:
        with self._lock:
            return [h for _, p, h in self.requests if p == path]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterable[LocalServer]:
    s = LocalServer()
    yield s
    s.close()


def free_port() -> int:
    """A port nobody listens on (bound, then released: connecting to it is refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- config -----------------------------------------------------------------------------------


def toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def write_config(
    directory: Path,
    sources: list[dict],
    *,
    http: Mapping[str, object] | None = None,
    database: str = "hotspot.db",
    name: str = "hotspot.toml",
    keywords: list[str] | None = None,
) -> Path:
    """A hotspot.toml in ``directory``: the sources given (name, url, type=weibo,
    interval=10s), one account ``foodie`` with the theme ``美食``, no host gap."""
    lines = [
        "[hotspot]",
        f"database = {toml_str(database)}",
        'min_host_interval = "0s"',
        'source_alert_after = "1d"',
        "",
    ]
    if http:
        lines.append("[http]")
        for k, v in http.items():
            lines.append(f"{k} = {toml_str(v) if isinstance(v, str) else v}")
        lines.append("")
    for s in sources:
        lines += [
            "[[sources]]",
            f"name = {toml_str(s['name'])}",
            f"type = {toml_str(s.get('type', 'weibo'))}",
            f"interval = {toml_str(s.get('interval', '10s'))}",
        ]
        if s.get("url"):
            lines.append(f"url = {toml_str(s['url'])}")
        lines.append("")
    words = ", ".join(toml_str(k) for k in (keywords or THEME_KEYWORDS))
    lines += [
        "[[accounts]]",
        'name = "foodie"',
        "",
        "[[accounts.themes]]",
        'name = "美食"',
        f"keywords = [{words}]",
        "",
    ]
    path = directory / name
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# -- running hotspot ----------------------------------------------------------------------------


def hotspot_argv(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "hotspot", "--config", str(config), *args]


def run_cli(*args: str, config: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        hotspot_argv(config, *args), capture_output=True, text=True, timeout=timeout
    )


def cli_json(*args: str, config: Path) -> object:
    r = run_cli(*args, "--format", "json", config=config)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def status_by_source(config: Path) -> dict[str, dict]:
    return {row["source"]: row for row in cli_json("sources", "status", config=config)}


def assert_no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr


def wait_for(
    condition: Callable[[], object], timeout: float = 20.0, what: str = "condition"
) -> object:
    """Poll ``condition`` every 0.1 s until it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


class DaemonProcess:
    """``hotspot run`` as a child process; its log (stderr) goes to a file we can read."""

    def __init__(self, config: Path, log_path: Path):
        self.log_path = log_path
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen(
            hotspot_argv(config, "run"),
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            stdin=subprocess.DEVNULL,
        )

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def kill9(self) -> None:
        if self.alive():
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self._log.close()

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            self._log.close()

    def stop(self) -> None:
        """Cleanup: SIGTERM, then SIGKILL if it does not go (only this child, by pid)."""
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(8)
            except subprocess.TimeoutExpired:
                self.kill9()
        if not self._log.closed:
            self._log.close()


@pytest.fixture
def daemons() -> Iterable[Callable[[Path, Path], DaemonProcess]]:
    """Start daemons with ``daemons(config, log_path)``; every one is stopped at teardown."""
    started: list[DaemonProcess] = []

    def start(config: Path, log_path: Path) -> DaemonProcess:
        d = DaemonProcess(config, log_path)
        started.append(d)
        return d

    yield start
    for d in started:
        d.stop()


# -- looking at the database directly (read-only checks) ---------------------------------------


def db_check(path: Path) -> dict:
    """integrity_check, duplicate alerts and the alert count of the database at ``path``."""
    conn = sqlite3.connect(str(path), timeout=10)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        dupes = conn.execute(
            "SELECT account, theme, event_id, COUNT(*) FROM alerts "
            "GROUP BY 1, 2, 3 HAVING COUNT(*) > 1"
        ).fetchall()
        alerts = conn.execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
        return {"integrity": integrity, "dupes": dupes, "alerts": alerts}
    finally:
        conn.close()


def alerted_titles(path: Path) -> set[str]:
    """Titles of items whose event carries an alert (robust to how items group into events)."""
    conn = sqlite3.connect(str(path), timeout=10)
    try:
        rows = conn.execute(
            "SELECT DISTINCT i.title FROM items i JOIN alerts a ON a.event_id = i.event_id"
        ).fetchall()
        return {r[0] for r in rows}
    finally:
        conn.close()
