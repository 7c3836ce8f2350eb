"""Instant pushes: pure formatting (limits, escaping, signatures), rules, and real webhooks
received by pytest-httpserver on 127.0.0.1."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, quote_plus, urlsplit
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotspot.config import NotifierConfig, parse_config
from hotspot.delivery.jobs import deliver_pushes, enqueue
from hotspot.delivery.notifiers import (
    SLACK_CHARS,
    WECOM_BYTES,
    dingtalk_sign,
    feishu_sign,
    format_push,
    in_quiet_hours,
    md_escape,
    rule_allows,
    rule_matches,
)
from hotspot.errors import DeliveryError
from hotspot.models import Hotspot
from hotspot.poller import PollReport
from hotspot.storage.store import Store

SH = ZoneInfo("Asia/Shanghai")
NOW = int(dt.datetime(2024, 5, 2, 12, 0, tzinfo=SH).timestamp())


def a(i=1, title="重庆火锅节开幕", **kw):
    row = {
        "id": i,
        "kind": "alert",
        "account": "foodie",
        "theme": "美食",
        "score": 0.8,
        "terms": ["火锅"],
        "title": title,
        "url": f"https://s.weibo.com/weibo?q={i}",
        "platforms": ["weibo", "baidu"],
        "best_rank": 3,
        "event_heat": 123456,
        "rising": False,
        "event_id": i,
        "created_at": NOW,
    }
    row.update(kw)
    return row


def n(type_="webhook", **kw):
    return NotifierConfig(name=kw.pop("name", type_), type=type_, url="http://x/hook", **kw)


# -- pure -----------------------------------------------------------------------------------
def test_rules():
    assert rule_matches(n(min_score=0.7), a(score=0.8))
    assert not rule_matches(n(min_score=0.9), a(score=0.8))
    assert not rule_matches(n(accounts=("techie",)), a())
    assert not rule_matches(n(themes=("汽车",)), a())
    assert not rule_matches(n(only_rising=True), a())
    assert rule_matches(n(only_rising=True), a(rising=True))
    assert rule_matches(n(accounts=("techie",), min_score=1.0), a(kind="source", score=0))


def test_quiet_hours_wrap_midnight():
    q = n(quiet_hours=(dt.time(23, 0), dt.time(7, 30)))
    for t, quiet in (
        (dt.time(22, 59), False),
        (dt.time(23, 0), True),
        (dt.time(2, 0), True),
        (dt.time(7, 29), True),
        (dt.time(7, 30), False),
        (dt.time(12), False),
    ):
        assert in_quiet_hours(q, t) is quiet, t
    day = n(quiet_hours=(dt.time(12, 0), dt.time(13, 0)))
    assert in_quiet_hours(day, dt.time(12, 30)) and not in_quiet_hours(day, dt.time(13, 0))
    assert not rule_allows(q, a(), dt.datetime(2024, 5, 2, 1, 0, tzinfo=SH))
    assert rule_allows(q, a(), dt.datetime(2024, 5, 2, 9, 0, tzinfo=SH))


def test_wecom_burst_is_one_message_per_account_under_4096_bytes_naming_it():
    alerts = [a(i, title=f"[点我](http://evil) <font>*粗*</font> 火锅{i}" * 3) for i in range(60)]
    alerts += [a(100 + i, account="techie", theme="汽车") for i in range(3)]
    foodie, techie = format_push(n("wecom"), alerts)
    assert foodie.account == "foodie" and foodie.alert_ids == tuple(range(60))
    assert techie.account == "techie" and techie.alert_ids == (100, 101, 102)
    content = foodie.body["markdown"]["content"]
    assert len(content.encode()) <= WECOM_BYTES
    assert content.startswith("**hotspot · foodie · 60 new alerts (美食)**\n\n")
    shown = content.count("**美食**")
    assert 0 < shown < 60
    assert content.endswith(
        f"… and {60 - shown} more for foodie: hotspot alerts list --account foodie --since 1h"
    )
    # the exact bytes: no syntax survives from the title, and no backslash shows up
    assert "<font>" not in content and "\\" not in content
    assert "［点我］(http://evil) ＜font＞＊粗＊＜/font＞ 火锅0" in content
    assert "foodie" not in techie.body["markdown"]["content"]


def test_one_huge_title_is_trimmed_not_rejected():
    (p,) = format_push(n("wecom"), [a(title="火" * 5000)])
    assert len(p.body["markdown"]["content"].encode()) <= WECOM_BYTES
    (s,) = format_push(n("slack"), [a(title="x" * 9000)])
    assert len(s.body["text"]) <= SLACK_CHARS


@given(st.lists(st.text(min_size=1, max_size=300), min_size=1, max_size=40))
def test_every_type_respects_its_limit(titles):
    alerts = [a(i, title=t) for i, t in enumerate(titles)]
    for type_, size, limit in (
        ("wecom", lambda p: len(p.body["markdown"]["content"].encode()), WECOM_BYTES),
        ("slack", lambda p: len(p.body["text"]), SLACK_CHARS),
        ("dingtalk", lambda p: len(p.body["markdown"]["text"].encode()), 18000),
        ("feishu", lambda p: len(json.dumps(p.body, ensure_ascii=False).encode()), 18000),
    ):
        pushes = format_push(n(type_), alerts)
        assert sorted(x for p in pushes for x in p.alert_ids) == list(range(len(titles)))
        assert all(size(p) <= limit for p in pushes), type_


def test_slack_escapes_entities():
    (p,) = format_push(n("slack"), [a(title="<!channel> & <b>")])
    assert "&lt;!channel&gt; &amp; &lt;b&gt;" in p.body["text"]
    assert "<https://s.weibo.com/weibo?q=1|" in p.body["text"]


def test_feishu_post_with_signature():
    (p,) = format_push(n("feishu"), [a()], secret="s3cret", now_ms=1_700_000_000_123)
    assert p.body["msg_type"] == "post" and p.body["timestamp"] == "1700000000"
    key = b"1700000000\ns3cret"
    expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert p.body["sign"] == expected == feishu_sign(1700000000, "s3cret")
    content = p.body["content"]["post"]["zh_cn"]["content"]
    assert {
        "tag": "a",
        "text": "重庆火锅节开幕",
        "href": "https://s.weibo.com/weibo?q=1",
    } in content[0]


def test_dingtalk_signature_query():
    (p,) = format_push(n("dingtalk"), [a()], secret="SEC", now_ms=1_700_000_000_123)
    mac = hmac.new(b"SEC", b"1700000000123\nSEC", hashlib.sha256).digest()
    assert p.query == {
        "timestamp": "1700000000123",
        "sign": quote_plus(base64.b64encode(mac).decode()),
    }
    assert p.query["sign"] == dingtalk_sign(1_700_000_000_123, "SEC")
    assert p.body["msgtype"] == "markdown" and "重庆火锅节开幕" in p.body["markdown"]["text"]


def test_generic_webhook_default_and_sandboxed_template():
    (p,) = format_push(n("webhook"), [a()])
    assert p.body["alerts"][0]["title"] == "重庆火锅节开幕"
    tpl = '{"msg": {{ alerts[0].title|tojson }}, "n": {{ count }}}'
    (q,) = format_push(n("webhook", template=tpl), [a(title='引号" & <x>')])
    assert q.body == {"msg": '引号" & <x>', "n": 1}
    with pytest.raises(DeliveryError, match="template"):
        format_push(n("webhook", template="{{ alerts.__class__.__mro__ }}"), [a()])
    with pytest.raises(DeliveryError, match="valid JSON"):
        format_push(n("webhook", template="{{ alerts[0].title }}"), [a()])


def test_md_escape():
    # WeCom/DingTalk document no backslash escapes: syntax becomes full-width, read the same
    assert md_escape("a*b_[c](d)<e> #1 | `x` \\") == "a＊b＿［c］(d)＜e＞ ＃1 | ｀x｀ \\"


# -- through real HTTP ----------------------------------------------------------------------
def make(tmp_path: Path, url: str, extra: str = "") -> tuple:
    toml = f"""
[hotspot]
database = "db.sqlite"
[[accounts]]
name = "foodie"
[[accounts.themes]]
name = "美食"
keywords = ["火锅"]
[[notifiers]]
name = "hook"
type = "webhook"
url = "{url}/hook"
min_score = 0.5
[[notifiers]]
name = "wecom"
type = "wecom"
url = "{url}/wecom"
min_score = 0.5
[[notifiers]]
name = "feishu"
type = "feishu"
url = "{url}/feishu"
secret_env = "HOTSPOT_TEST_FEISHU"
[[notifiers]]
name = "ding"
type = "dingtalk"
url = "{url}/ding?access_token=t"
secret_env = "HOTSPOT_TEST_DING"
[[notifiers]]
name = "slack"
type = "slack"
url = "{url}/slack"
quiet_hours = "23:00-07:00"
{extra}
"""
    path = tmp_path / "hotspot.toml"
    path.write_text(toml, encoding="utf-8")
    config = parse_config(tomllib.loads(toml), path)
    store = Store(config.database)
    ids = []
    with store.transaction():
        for i, title in enumerate(["重庆火锅节开幕", "火锅 <b>&</b> 奶茶"]):
            h = Hotspot(
                id=f"w{i}",
                source="weibo",
                platform="weibo",
                title=title,
                url=f"https://s.weibo.com/{i}",
                summary=None,
                category=None,
                rank=i + 1,
                heat=1000,
                label=None,
                pinned=False,
                is_ad=False,
                published=None,
                observed_at=dt.datetime.fromtimestamp(NOW, SH),
            )
            store.insert_item(h, ["火锅"], NOW)
            ev = store.create_event(title, NOW, ["火锅"])
            store.set_item_event(h.id, ev)
            ids.append(
                store.insert_alert(
                    account="foodie",
                    theme="美食",
                    event_id=ev,
                    item_id=h.id,
                    score=0.8,
                    terms=["火锅"],
                    explanation={},
                    at=NOW,
                )
            )
        store.add_source_alert("weibo", "down", "source 'weibo' failing for 30m", NOW)
    reports = [
        PollReport(
            source="weibo",
            alert_ids=tuple(ids),
            source_alert=("down", "source 'weibo' failing for 30m"),
        )
    ]
    return config, store, reports


def bodies(httpserver, path):
    return [
        (json.loads(req.get_data()), req)
        for req, resp in httpserver.log
        if req.path == path and resp.status_code == 200
    ]


def test_each_alert_pushed_once_per_notifier_with_platform_shapes(
    httpserver, tmp_path, monkeypatch
):
    monkeypatch.setenv("HOTSPOT_TEST_FEISHU", "fs")
    monkeypatch.setenv("HOTSPOT_TEST_DING", "dd")
    for p in ("/hook", "/wecom", "/feishu", "/ding", "/slack"):
        httpserver.expect_request(p, method="POST").respond_with_json({"errcode": 0})
    config, store, reports = make(tmp_path, httpserver.url_for("").rstrip("/"))
    assert enqueue(config, store, reports, now=NOW) == 5 * 3
    assert enqueue(config, store, reports, now=NOW) == 0  # a second poll adds nothing
    assert deliver_pushes(config, store, now=NOW) == 15
    assert deliver_pushes(config, store, now=NOW + 3600) == 0  # second run: nothing
    # one message for the account's alerts (naming it), one for the source alert
    (hook, _), (source, _) = bodies(httpserver, "/hook")
    assert hook["account"] == "foodie"
    assert [x["title"] for x in hook["alerts"]] == ["重庆火锅节开幕", "火锅 <b>&</b> 奶茶"]
    assert source["account"] is None and source["alerts"][0]["kind"] == "source"
    (wecom, _), _ = bodies(httpserver, "/wecom")
    assert wecom["markdown"]["content"].startswith("**hotspot · foodie · 2 new alerts (美食)**")
    assert "火锅 ＜b＞&＜/b＞ 奶茶" in wecom["markdown"]["content"]
    (feishu, _), _ = bodies(httpserver, "/feishu")
    ts = int(feishu["timestamp"])
    assert (
        feishu["sign"]
        == base64.b64encode(hmac.new(f"{ts}\nfs".encode(), b"", hashlib.sha256).digest()).decode()
    )
    (ding, req), _ = bodies(httpserver, "/ding")
    q = parse_qs(urlsplit(req.url).query)
    mac = hmac.new(b"dd", f"{q['timestamp'][0]}\ndd".encode(), hashlib.sha256).digest()
    assert q["access_token"] == ["t"] and q["sign"] == [base64.b64encode(mac).decode()]
    (slack, _), _ = bodies(httpserver, "/slack")
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in slack["text"]


def test_500_then_200_delivers_exactly_once_after_backoff(httpserver, tmp_path):
    httpserver.expect_oneshot_request("/hook").respond_with_data("boom", status=500)
    httpserver.expect_request("/hook").respond_with_json({"ok": True})
    config, store, reports = make(tmp_path, httpserver.url_for("").rstrip("/"))
    config = config.__class__(
        **{
            **{f: getattr(config, f) for f in config.__dataclass_fields__},
            "notifiers": config.notifiers[:1],
        }
    )
    enqueue(config, store, reports, now=NOW)
    assert deliver_pushes(config, store, now=NOW) == 0
    rows = store.rows("SELECT * FROM deliveries WHERE notifier = 'hook' AND alert_id > 0")
    assert all(
        r["status"] == "pending"
        and r["attempts"] == 1
        and "HTTP 500" in r["error"]
        and r["next_attempt"] >= NOW + 30
        for r in rows
    )
    (source,) = store.rows("SELECT * FROM deliveries WHERE notifier = 'hook' AND alert_id < 0")
    assert source["attempts"] == 0  # a failing notifier is left alone for the rest of its round
    # the next round: the source message (never tried) goes; the failed one is backing off
    assert deliver_pushes(config, store, now=NOW + 1) == 1
    assert len(httpserver.log) == 2
    assert deliver_pushes(config, store, now=NOW + 3600) == 2
    assert deliver_pushes(config, store, now=NOW + 7200) == 0
    assert len(bodies(httpserver, "/hook")) == 2 and len(httpserver.log) == 3


def test_quiet_hours_hold_pushes_until_after(httpserver, tmp_path):
    httpserver.expect_request("/slack").respond_with_data("ok")
    config, store, reports = make(tmp_path, httpserver.url_for("").rstrip("/"))
    config = config.__class__(
        **{
            **{f: getattr(config, f) for f in config.__dataclass_fields__},
            "notifiers": config.notifiers[4:],
        }
    )
    enqueue(config, store, reports, now=NOW)
    night = int(dt.datetime(2024, 5, 3, 1, 0, tzinfo=SH).timestamp())
    assert deliver_pushes(config, store, now=night) == 0 and not httpserver.log
    assert deliver_pushes(config, store, now=night + 7 * 3600) == 3


def test_platform_error_code_is_a_failure(httpserver, tmp_path):
    httpserver.expect_request("/wecom").respond_with_json(
        {"errcode": 93000, "errmsg": "invalid webhook"}
    )
    config, store, reports = make(tmp_path, httpserver.url_for("").rstrip("/"))
    config = config.__class__(
        **{
            **{f: getattr(config, f) for f in config.__dataclass_fields__},
            "notifiers": config.notifiers[1:2],
        }
    )
    enqueue(config, store, reports, now=NOW)
    assert deliver_pushes(config, store, now=NOW) == 0
    (err,) = {r["error"] for r in store.rows("SELECT error FROM deliveries") if r["error"]}
    assert "93000" in err and "invalid webhook" in err


def test_exact_bytes_of_one_hostile_title_on_each_markdown_platform():
    """WeCom/DingTalk document no backslash escapes: syntax characters become full-width and
    nothing else changes; Slack escapes exactly & < > (its documented rule)."""
    title = "#1 热搜 | *限时* [抢] `code` <b>x</b> \\ 100%_off"
    (w,) = format_push(n("wecom"), [a(1, title=title)])
    assert w.body == {
        "msgtype": "markdown",
        "markdown": {
            "content": "**hotspot · foodie · 1 new alert (美食)**\n\n"
            "**美食** [＃1 热搜 | ＊限时＊ ［抢］ ｀code｀ ＜b＞x＜/b＞ \\ 100%＿off]"
            "(https://s.weibo.com/weibo?q=1)\n"
            "> weibo/baidu · best ＃3 · heat 12.3万 · score 0.80 · 火锅"
        },
    }
    (d,) = format_push(n("dingtalk"), [a(1, title=title)])
    assert d.body["markdown"]["text"] == w.body["markdown"]["content"]
    assert d.body["markdown"]["title"] == "hotspot · foodie · 1 new alert (美食)"
    (s,) = format_push(n("slack"), [a(1, title=title)])
    assert s.body["text"] == (
        "*hotspot · foodie · 1 new alert (美食)*\n\n"
        "*美食* <https://s.weibo.com/weibo?q=1|#1 热搜 | *限时* [抢] `code` &lt;b&gt;x&lt;/b&gt; "
        "\\ 100%_off>\nweibo/baidu · best #3 · heat 12.3万 · score 0.80 · 火锅"
    )
    (f,) = format_push(n("feishu"), [a(1, title=title)])
    post = f.body["content"]["post"]["zh_cn"]
    assert post["title"] == "hotspot · foodie · 1 new alert (美食)"
    assert post["content"][0][1] == {
        "tag": "a",
        "text": title,
        "href": "https://s.weibo.com/weibo?q=1",
    }  # plain text elements: nothing to escape


# -- the rising detector's chance and follow-ups (issue 13) ---------------------------------
def test_only_rising_with_min_chance_fires_on_the_estimate():
    picky = n(only_rising=True, min_chance=0.7)
    assert rule_matches(picky, a(rising=False, rising_chance=0.78))
    assert not rule_matches(picky, a(rising=True, rising_chance=0.6))
    assert rule_matches(picky, a(rising=True, rising_chance=None))  # no model yet: the flag
    assert not rule_matches(picky, a(rising=False, rising_chance=None))


def test_push_text_says_chance_time_and_follow_up():
    from hotspot.delivery.notifiers import estimate_text

    assert estimate_text(a(rising=True, rising_chance=0.78, rising_eta=18)) == (
        "top ten expected within 20 minutes, chance 78%"
    )
    assert estimate_text(a(rising=False, rising_chance=0.78)) == ""
    text = estimate_text(a(follow_up=True, follow_up_why="新平台：百度", rising_chance=None))
    assert text == "rising again (新平台：百度)"
    (push,) = format_push(n("wecom"), [a(rising=True, rising_chance=0.5, rising_eta=75)])
    assert "top ten expected within 80 minutes, chance 50%" in push.body["markdown"]["content"]


def test_push_estimate_text_in_chinese(zh_cn):
    from hotspot.delivery.notifiers import estimate_text

    assert estimate_text(a(rising=True, rising_chance=0.78, rising_eta=18)) == (
        "预计 20 分钟内进前十，概率 78%"
    )
    text = estimate_text(
        a(follow_up=True, follow_up_why="新平台：百度", rising_chance=0.6, rising_eta=None)
    )
    assert text == "再度升温（新平台：百度），进前十概率 60%"


def test_a_follow_up_is_pushed_once_more_never_twice(httpserver, tmp_path):
    httpserver.expect_request("/wecom", method="POST").respond_with_json({"errcode": 0})
    config, store, reports = make(tmp_path, httpserver.url_for("").rstrip("/"))
    enqueue(config, store, reports, now=NOW)
    deliver_pushes(config, store, now=NOW)
    first = len(bodies(httpserver, "/wecom"))
    event_id = store.push_alerts([reports[0].alert_ids[0]])[0]["event_id"]
    with store.transaction():
        store.mark_follow_up(event_id, NOW + 86400, "新平台：百度")
    again = [PollReport(source="weibo", follow_ups=(event_id,))]
    assert enqueue(config, store, again, now=NOW + 86400) == 5  # one per notifier
    assert enqueue(config, store, again, now=NOW + 86400) == 0  # never a duplicate
    deliver_pushes(config, store, now=NOW + 86400)
    pushed = bodies(httpserver, "/wecom")[first:]
    assert len(pushed) == 1
    assert "rising again (新平台：百度)" in pushed[0][0]["markdown"]["content"]
