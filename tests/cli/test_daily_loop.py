"""The operator's daily loop through the CLI, in zh-CN and in English, against real local
servers (an HTTP server for the sources, aiosmtpd for the digest): init, config check, poll,
alerts list/show, digest preview/send, trends, events list, calendar, sources status. No
traceback, no text of the other language's boilerplate, times relative in tables, heat in
万, and an empty result says why."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.cli.helpers import run_hotspot
from tests.delivery.test_mailer_smtp import Recorder, free_port

WEIBO = {
    "ok": 1,
    "data": {
        "realtime": [
            {"word": "冬天第一杯奶茶", "num": 11440000, "realpos": 1},
            {"word": "火锅店排队三小时", "num": 845210, "realpos": 2},
            # a story the sensitivity gate keeps out of the theme sections: it must still be
            # in the digest (its own section), never dropped
            {"word": "火锅店燃气爆炸致3人受伤", "num": 532100, "realpos": 3},
        ]
    },
}
FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>t</title><link>http://example.com/</link>
<item><title>奶茶新品测评</title><link>http://example.com/1</link></item>
</channel></rss>"""


def run(cwd: Path, *args: str):
    proc = run_hotspot(*args, cwd=cwd)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture
def smtp():
    rec = Recorder()
    port = free_port()
    controller = Controller(rec, hostname="127.0.0.1", port=port)
    controller.start()
    yield rec, port
    controller.stop()


def setup_workspace(tmp_path: Path, httpserver, port: int, lang: str) -> Path:
    httpserver.expect_request("/weibo").respond_with_json(WEIBO)
    httpserver.expect_request("/feed").respond_with_data(FEED, content_type="application/xml")
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    proc = run(tmp_path, "init", "--lang", lang, ".")
    assert proc.returncode == 0, proc.stderr
    cfg = tmp_path / "hotspot.toml"
    head, _sep, _rest = cfg.read_text("utf-8").partition("[[sources]]")
    cfg.write_text(
        head.replace('# min_host_interval = "30s"', 'min_host_interval = "1s"')
        + f"""
[[sources]]
name = "weibo"
type = "weibo"
url = "{httpserver.url_for("/weibo")}"

[[sources]]
name = "feed"
type = "rss"
url = "{httpserver.url_for("/feed")}"

[[sources]]
name = "broken"
type = "weibo"
url = "{httpserver.url_for("/gone")}"

[[accounts]]
name = "foodie"
digest_to = ["ops@example.com"]
[[accounts.themes]]
name = "美食"
keywords = ["奶茶", "火锅"]

[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
from = "hotspot@example.com"
timeout = "5s"
""",
        encoding="utf-8",
    )
    return cfg


ENGLISH_LEFT = re.compile(
    r"\b(Usage|Options|Error|error|alerts?|ago|in \d+ (seconds|minutes)|just now|SOURCE|TITLE|"
    r"heat|first seen|matched|score|ok|failing|new|rising)\b"
)


def chinese_only(text: str) -> list[str]:
    """English words in a zh-CN screen, after removing what is data (titles are Chinese,
    names/urls/commands are what the operator typed)."""
    text = re.sub(r"https?://\S+|'hotspot [^']*'|hotspot [a-z]+ [a-z]+", "", text)
    text = re.sub(r"\b(foodie|weibo|feed|broken|rss|table|json|csv|zh-CN)\b", "", text)
    return ENGLISH_LEFT.findall(text)


def test_the_daily_loop_in_chinese(tmp_path, httpserver, smtp):
    rec, port = smtp
    setup_workspace(tmp_path, httpserver, port, "zh-CN")
    check = run(tmp_path, "config", "check")
    assert check.returncode == 0 and "没有问题" in check.stdout, check.stderr

    poll = run(tmp_path, "poll")
    assert poll.returncode == 0, poll.stderr
    assert "数据源" in poll.stdout and "返回 HTTP 404（请求被拒绝）" in poll.stdout
    assert not chinese_only(poll.stdout), poll.stdout

    alerts = run(tmp_path, "alerts", "list")
    assert alerts.returncode == 0 and "刚刚" in alerts.stdout and "冬天第一杯奶茶" in alerts.stdout
    assert not chinese_only(alerts.stdout), alerts.stdout
    first = re.search(r"^(\d+)\s", alerts.stdout.splitlines()[2]).group(1)
    show = run(tmp_path, "alerts", "show", first)
    assert show.returncode == 0 and "热度" in show.stdout and "次上榜" in show.stdout
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d（刚刚）", show.stdout), show.stdout

    preview = run(tmp_path, "digest", "preview")
    assert preview.returncode == 0, preview.stderr
    # every alert of the period is in the digest, the sensitive one in its own section
    for title in ("冬天第一杯奶茶", "火锅店排队三小时", "火锅店燃气爆炸致3人受伤"):
        assert title in preview.stdout, (title, preview.stdout)
    assert "== 需谨慎，不宜借势营销 (1) ==" in preview.stdout
    assert "热度 53.2万" in preview.stdout and "首次出现" in preview.stdout
    # the one date format of the tables, in the mail too (not a month-day of its own)
    assert re.search(r"首次出现 \d{4}-\d\d-\d\d \d\d:\d\d", preview.stdout), preview.stdout
    send = run(tmp_path, "digest", "send")
    assert send.returncode == 0 and "已发送" in send.stdout, send.stderr
    (mail,) = rec.messages
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "火锅店燃气爆炸致3人受伤" in body and "冬天第一杯奶茶" in body
    # a second send right after the first has nothing new: it says so and mails nothing
    again = run(tmp_path, "digest", "send")
    assert again.returncode == 0 and "自上一份日报以来没有新提醒" in again.stdout, again.stdout
    assert len(rec.messages) == 1
    forced = run(tmp_path, "digest", "send", "--force")
    assert forced.returncode == 0 and len(rec.messages) == 2, forced.stdout

    for args in (("trends",), ("events", "list"), ("sources", "status"), ("hotspots", "list")):
        proc = run(tmp_path, *args)
        assert proc.returncode == 0, (args, proc.stderr)
        assert "刚刚" in proc.stdout and not chinese_only(proc.stdout), (args, proc.stdout)
    status = run(tmp_path, "sources", "status").stdout
    assert "出错" in status and "正常" in status and re.search(r"\d+分钟后", status)
    assert "万" in run(tmp_path, "events", "list").stdout
    calendar = run(tmp_path, "calendar", "--days", "60")
    assert calendar.returncode == 0 and "节点" in calendar.stdout

    # empty results say why
    none = run(tmp_path, "events", "list", "--search", "不存在的词")
    assert none.stdout.strip().startswith("没有符合这些条件的结果"), none.stdout
    none = run(tmp_path, "trends", "--state", "gone")
    assert "没有符合这些条件的结果" in none.stdout


def test_the_daily_loop_in_english(tmp_path, httpserver, smtp):
    rec, port = smtp
    setup_workspace(tmp_path, httpserver, port, "en")
    assert "ok (" in run(tmp_path, "config", "check").stdout
    poll = run(tmp_path, "poll")
    assert poll.returncode == 0 and "SOURCE" in poll.stdout, poll.stderr
    assert "answered" not in poll.stdout and "(refused)" in poll.stdout
    alerts = run(tmp_path, "alerts", "list").stdout
    assert "just now" in alerts and "CREATED" in alerts and "创建" not in alerts
    preview = run(tmp_path, "digest", "preview").stdout
    assert "火锅店燃气爆炸致3人受伤" in preview and "heat 53.2万" in preview
    # the planning desk's sections speak the language too
    assert "== Handle with care, not for marketing (1) ==" in preview
    assert not re.search(r"需谨慎|即将到来|选题角度|角度：|天后", preview), preview
    assert run(tmp_path, "digest", "send").returncode == 0
    assert len(rec.messages) == 1
    again = run(tmp_path, "digest", "send").stdout
    assert "nothing new since the last digest" in again and len(rec.messages) == 1, again
    status = run(tmp_path, "sources", "status").stdout
    assert "failing" in status and re.search(r"in \d+ minutes", status), status
    for args in (("trends",), ("events", "list"), ("hotspots", "list")):
        out = run(tmp_path, *args).stdout
        assert "just now" in out and not re.search(r"[前后]\b|刚刚", out), (args, out)
    none = run(tmp_path, "hotspots", "list", "--search", "nothing-like-this")
    assert none.stdout.strip().startswith("nothing matches these filters")
