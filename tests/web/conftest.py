"""A workspace database built the real way: a local HTTP server serves the recorded Weibo and
DailyHot fixtures (plus a hostile list written here), ``hotspot poll`` runs three times
through the CLI (the lists move between polls, so the curves move), then ``hotspot web``
serves it on loopback."""

from __future__ import annotations

import copy
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
XSS_TITLE = "<img src=x onerror=alert(1)>春晚彩排花絮"
# a story the sensitivity gate marks (慎借势：灾害事故): still an alert, marked on every page
SENSITIVE_TITLE = "春晚舞台搭建事故致2名工人遇难"
HOSTILE = {
    "code": 200,
    "data": [
        {"title": XSS_TITLE, "hot": 880000, "url": "javascript:alert(2)"},
        {
            "title": "庆余年2主演路演 <script>alert(3)</script>",
            "hot": 120000,
            "url": "https://example.com/q",
        },
    ],
}


def _weibo(poll: int) -> dict:
    """The recorded PC hot list; each poll moves ranks and heat a little."""
    data = json.loads((FIXTURES / "weibo" / "pc_ajax_hotsearch.json").read_text("utf-8"))
    rows = data["data"]["realtime"]
    if poll:
        rows = rows[poll % len(rows) :] + rows[: poll % len(rows)]
        for i, r in enumerate(rows):
            r["realpos"] = i + 1
            if isinstance(r.get("num"), int):
                r["num"] = int(r["num"] * (1 + 0.3 * poll))
    data["data"]["realtime"] = rows
    return data


def _dailyhot(poll: int) -> dict:
    """The recorded DailyHot list, plus one sensitive story written here."""
    data = json.loads((FIXTURES / "jsonlist" / "dailyhot.json").read_text("utf-8"))
    data["data"].append({"id": "s1", "title": SENSITIVE_TITLE, "hot": 930000})
    for r in data["data"]:
        if isinstance(r.get("hot"), int):
            r["hot"] = int(r["hot"] * (1 + 0.5 * poll))
    return data


class _Lists(BaseHTTPRequestHandler):
    poll = 0

    def do_GET(self) -> None:
        body = {
            "/weibo": lambda: _weibo(_Lists.poll),
            "/daily": lambda: _dailyhot(_Lists.poll),
            "/hostile": lambda: copy.deepcopy(HOSTILE),
        }.get(self.path.split("?")[0])
        if body is None:
            self.send_error(404)
            return
        raw = json.dumps(body(), ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json; charset=utf-8")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: object) -> None:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hotspot(config: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hotspot", "--config", str(config), "--lang", "en", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def write_config(folder: Path, base: str, extra: str = "") -> Path:
    path = folder / "hotspot.toml"
    path.write_text(
        textwrap.dedent(f"""
        [hotspot]
        database = "db/hotspot.db"
        min_host_interval = "0s"

        [[sources]]
        name = "weibo"
        type = "weibo"
        url = "{base}/weibo"

        [[sources]]
        name = "daily"
        type = "jsonlist"
        url = "{base}/daily"

        [[sources]]
        name = "hostile"
        type = "jsonlist"
        url = "{base}/hostile"

        [[accounts]]
        name = "娱乐号"
        audience = ["学生党", "上班族"]
        [[accounts.themes]]
        name = "影视"
        keywords = ["春晚", "哪吒", "庆余年", "票房", "节目单"]

        [[accounts]]
        name = "科技号"
        [[accounts.themes]]
        name = "数码"
        keywords = ["苹果", "发布会", "新品"]
        {extra}
        """),
        encoding="utf-8",
    )
    return path


@dataclass
class Workspace:
    config: Path
    url: str
    folder: Path


def start_web(config: Path, listen: str, env: dict | None = None) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotspot", "--config", str(config), "web", "--listen", listen],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    host, port = listen.rsplit(":", 1)
    for _ in range(300):
        if proc.poll() is not None:
            raise AssertionError(f"hotspot web exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            with socket.create_connection((host, int(port)), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.05)  # waiting for a subprocess to listen, not timing anything
    proc.kill()
    raise AssertionError("hotspot web did not start listening")


@pytest.fixture(scope="session")
def polled_folder(tmp_path_factory) -> Iterator[Path]:
    """Config and database after the three polls (built once per test session)."""
    folder = tmp_path_factory.mktemp("polled")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Lists)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        config = write_config(folder, f"http://127.0.0.1:{server.server_address[1]}")
        for poll in range(3):
            _Lists.poll = poll
            r = hotspot(config, "poll")
            assert r.returncode == 0, r.stderr
            # observations are kept one per item per second: start the next poll in a later
            # second than this one ended, or two polls can fold into one point of the chart
            time.sleep(1.01 - time.time() % 1)
        yield folder
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def workspace_db(polled_folder, tmp_path_factory) -> tuple[Path, Path]:
    """A private copy of the polled database for one test module (modules write feedback)."""
    folder = tmp_path_factory.mktemp("workspace")
    shutil.copytree(polled_folder, folder, dirs_exist_ok=True)
    return folder / "hotspot.toml", folder


@pytest.fixture(scope="module")
def workspace(workspace_db) -> Iterator[Workspace]:
    config, folder = workspace_db
    port = free_port()
    proc = start_web(config, f"127.0.0.1:{port}")
    try:
        yield Workspace(config, f"http://127.0.0.1:{port}", folder)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def alerts_json(config: Path) -> list[dict]:
    r = hotspot(config, "alerts", "list", "--all", "--format", "json", "--limit", "500")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium through Selenium and chromium-driver (no downloads)."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    binary = next(
        (p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if os.path.exists(p)), None
    )
    driver_path = "/usr/bin/chromedriver"
    if binary is None or not os.path.exists(driver_path):
        pytest.skip("no browser: install Debian's chromium and chromium-driver (see .ci/run)")
    import tempfile

    profile = tempfile.mkdtemp(prefix="hotspot-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1200,900",
        "--lang=zh-CN",
    ):
        opts.add_argument(flag)
    driver = webdriver.Chrome(options=opts, service=Service(driver_path))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
