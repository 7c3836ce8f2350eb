"""The workspace app in-process (Starlette's TestClient) over the polled fixture database:
the login and its cookie, headers, CSV export, escaping and redirects."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
import time

import httpx
import pytest

from hotspot.config import load_config
from hotspot.errors import ConfigError
from hotspot.web.app import create_app
from hotspot.web.security import check_bind, local_path
from tests.web.conftest import SENSITIVE_TITLE, XSS_TITLE, alerts_json, free_port, write_config

pytest.importorskip("starlette")
from starlette.testclient import TestClient


@pytest.fixture(scope="module")
def config(workspace_db):
    return load_config(workspace_db[0])


def token(html: str) -> str:
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def test_security_headers_and_escaping(config):
    client = TestClient(create_app(config))
    r = client.get("/today?account=")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert "&lt;img src=x onerror=alert(1)&gt;" in r.text and "<img" not in r.text
    assert "<script" not in r.text and "javascript:" not in r.text


def test_password_login_guards_every_page(config, monkeypatch):
    client = TestClient(create_app(config, password="团队密码 s3cret"))
    r = client.get("/today", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=%2Ftoday")
    assert client.get("/event/1", follow_redirects=False).status_code == 303
    login = client.get("/login")
    bad = client.post("/login", data={"password": "wrong", "csrf": token(login.text)})
    assert bad.status_code == 401 and "密码不对" in bad.text
    no_csrf = client.post("/login", data={"password": "团队密码 s3cret"})
    assert no_csrf.status_code == 403
    ok = client.post(
        "/login",
        data={"password": "团队密码 s3cret", "csrf": token(bad.text), "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/today"  # never off-site
    assert client.get("/today").status_code == 200
    page = client.get("/today")
    client.post("/logout", data={"csrf": token(page.text)})
    assert client.get("/today", follow_redirects=False).status_code == 303


def test_csv_export_has_the_json_fields_of_the_current_list(config, workspace_db):
    client = TestClient(create_app(config))
    r = client.get("/today.csv?account=娱乐号&window=24h")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    cli = [
        x
        for x in alerts_json(workspace_db[0])
        if x["account"] == "娱乐号" and x["verdict"] != "irrelevant"
    ]
    assert sorted(int(x["id"]) for x in rows) == sorted(x["id"] for x in cli)
    assert list(rows[0]) == list(cli[0])
    assert XSS_TITLE in {x["title"] for x in rows}
    only = client.get("/today.csv?account=娱乐号&platform=daily")
    daily = {x["title"]: x for x in csv.DictReader(io.StringIO(only.text.lstrip("\ufeff")))}
    assert sorted(daily) == sorted(["哪吒2票房破百亿", SENSITIVE_TITLE])
    # the 慎借势 mark as a JSON cell, empty for a harmless alert
    assert json.loads(daily[SENSITIVE_TITLE]["sensitive"])["category"] == "disaster"
    assert daily["哪吒2票房破百亿"]["sensitive"] == ""


def test_unknown_things_are_clear_pages(config):
    client = TestClient(create_app(config))
    assert client.get("/event/999999").status_code == 404
    assert "没有编号为 999999 的提醒" in client.get("/alert/999999").text
    page = client.get("/today")
    bad = client.post("/alerts/1/feedback", data={"csrf": token(page.text), "verdict": "meh"})
    assert bad.status_code == 400 and "unknown verdict" in bad.text


def test_bind_rules():
    assert check_bind("127.0.0.1", None, {}) is None
    assert check_bind("::1", None, {}) is None
    assert check_bind("0.0.0.0", "TEAM_PW", {"TEAM_PW": "x"}) == "x"
    with pytest.raises(ConfigError, match="refusing to listen on 192.168.1.5"):
        check_bind("192.168.1.5", None, {})
    with pytest.raises(ConfigError, match="TEAM_PW is empty or unset"):
        check_bind("0.0.0.0", "TEAM_PW", {})
    assert local_path("https://evil.example/") == "/"
    assert local_path("/\\evil") == "/"
    assert local_path("/today?account=a") == "/today?account=a"


def test_the_daemon_serves_the_workspace_with_web_listen(tmp_path):
    port = free_port()
    config = write_config(tmp_path, "http://127.0.0.1:9", f'\n[web]\nlisten = "127.0.0.1:{port}"\n')
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotspot", "--config", str(config), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        page = None
        for _ in range(300):  # until the daemon's workspace thread listens
            if proc.poll() is not None:
                raise AssertionError(proc.stderr.read() if proc.stderr else "daemon exited")
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/sources", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        assert page is not None and page.status_code == 200
        assert all(name in page.text for name in ("weibo", "daily", "hostile"))
        assert httpx.get(f"http://127.0.0.1:{port}/today", timeout=5).status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0


def test_today_ranks_as_the_digest_does(config):
    from hotspot.delivery.digest import build_digest
    from hotspot.storage.store import Store
    from hotspot.web import views

    now = time.time()
    store = Store(config.database)
    try:
        page = views.today(store, config, now, account="娱乐号", window="24h")
        digest = build_digest(
            "娱乐号",
            store.alerts_between("娱乐号", int(now - 86400), int(now + 1)),
            [],
            int(now - 86400),
            int(now + 1),
            config.tz,
        )
    finally:
        store.close()
    assert [g["theme"] for g in page["groups"]] == [g.theme for g in digest.groups]
    assert [[e["row"]["id"] for e in g["entries"]] for g in page["groups"]] == [
        [e.alert_id for e in g.entries] for g in digest.groups
    ]
    assert sum(len(g.entries) for g in digest.groups) >= 3  # an order worth checking


def test_the_workspace_never_imports_jieba(workspace_db):
    code = (
        "import sys\n"
        "from starlette.testclient import TestClient\n"
        "from hotspot.config import load_config\n"
        "from hotspot.web.app import create_app\n"
        f"c = TestClient(create_app(load_config({str(workspace_db[0])!r})))\n"
        "for p in ('/today', '/event/1', '/rising', '/search?q=春晚', '/sources', '/today.csv'):\n"
        "    assert c.get(p).status_code == 200, p\n"
        "print(sorted(m for m in ('jieba', 'rjieba') if m in sys.modules))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_calendar_page_lists_the_coming_nodes_as_the_cli_does(config, workspace_db):
    import json
    import subprocess
    import sys

    client = TestClient(create_app(config))
    page = client.get("/calendar")
    assert page.status_code == 200
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "hotspot",
            "--config",
            str(workspace_db[0]),
            "calendar",
            "--days",
            "60",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    nodes = json.loads(cli.stdout)
    assert nodes, "60 days always hold solar terms"
    for n in nodes:  # every node the CLI lists is on the page, with its date
        assert f"<td>{n['date']}</td><td>{n['name']}</td>" in page.text
    assert 'href="/calendar"' in page.text and "热点日历" in page.text


def test_the_same_page_in_english_with_language_en(config):
    """``[hotspot] language = "en"``: every page text comes out of the catalog in English;
    the default (zh-CN) shows the Chinese translations; the process language is untouched."""
    import dataclasses
    import re

    from hotspot import i18n

    before = i18n.current()
    zh = TestClient(create_app(config)).get("/today?account=娱乐号")
    en_client = TestClient(create_app(dataclasses.replace(config, language="en")))
    en = en_client.get("/today?account=娱乐号")
    assert zh.status_code == en.status_code == 200
    assert '<html lang="zh-CN">' in zh.text and "<title>今日 · hotspot 工作台</title>" in zh.text
    assert ">有用</button>" in zh.text and "最近 24 小时：共" in zh.text
    assert '<html lang="en">' in en.text and "<title>Today · hotspot workspace</title>" in en.text
    assert ">useful</button>" in en.text and ">irrelevant</button>" in en.text
    assert re.search(r"娱乐号 · last 24 hours: \d+ alerts?\. Refreshes every", en.text)
    assert ">Rising</a>" in en.text and "All themes" in en.text and "Export CSV" in en.text
    assert re.search(r"first seen (just now|\d+ (minute|hour|day)s? ago)", en.text)
    # no Chinese left but the data (titles, account and theme names, terms) and heat in 万/亿,
    # which is number formatting (hotspot.web.chart.heat_label), the same in both languages
    data = {"娱乐号", "科技号", "影视", "万", "亿"}
    chrome = re.sub(r'<a class="title"[^>]*>.*?</a>|<span class="terms">.*?</span>', "", en.text)
    chrome = re.sub(r"<(option|h2)[^>]*>.*?</\1>", "", chrome, flags=re.S)
    # the angles under the top alerts: the label speaks the language, the proposals are the
    # planning desk's (Chinese: the story's terms × the account's facets), as in the digest
    assert "<li>angle: " in en.text and "<li>角度：" in zh.text
    chrome = re.sub(r'<ul class="angles">.*?</ul>', "", chrome, flags=re.S)
    # the mark speaks the language; its evidence (the title's own words) is data
    assert "⚠ Handle with care: disaster or accident" in en.text
    assert "⚠ 慎借势：灾害事故" in zh.text and "⚠ 慎借势" not in en.text
    chrome = re.sub(r'<span class="sensitive" title="[^"]*">', "", chrome)
    leftovers = set(re.findall(r"[\u4e00-\u9fff]+", chrome)) - data
    assert not leftovers, leftovers
    event = en_client.get("/event/1")
    assert "Rank and heat curves" in event.text and "Why it alerted (per theme)" in event.text
    assert "排名" not in event.text
    assert "There is no alert with id 999999." in en_client.get("/alert/999999").text
    assert i18n.current() == before
