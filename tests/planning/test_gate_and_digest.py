"""The sensitivity gate and the digest's planning sections through real delivery code:
pushes to a local HTTP server, the digest rendered from a real store."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from zoneinfo import ZoneInfo

import pytest

from hotspot.config import parse_config
from hotspot.delivery.digest import build_digest, render
from hotspot.delivery.jobs import deliver_pushes, enqueue
from hotspot.delivery.planning_sections import digest_planning
from hotspot.errors import ConfigError
from hotspot.models import Hotspot
from hotspot.planning.sensitivity import Sensitivity
from hotspot.poller import PollReport
from hotspot.storage.store import Store

SH = ZoneInfo("Asia/Shanghai")
NOW = int(dt.datetime(2026, 5, 3, 9, 0, tzinfo=SH).timestamp())
TITLES = ["重庆火锅店燃气爆炸致3人遇难", "重庆火锅节开幕", "奶茶新品第二杯半价"]


@pytest.mark.parametrize(
    ("title", "category", "terms"),
    [
        ("四川雅安发生4.5级地震", "disaster", ["4.5级地震"]),
        ("著名演员某某因病去世 享年81岁", "death", ["去世", "享年"]),
        ("男子持刀伤人被警方刑拘", "crime", ["持刀", "警方", "刑拘"]),
        ("多地诺如病毒感染进入高发期", "health_scare", ["病毒感染", "诺如", "高发"]),
        ("外交部回应美方涉台言论", "politics", ["外交部回应", "美方"]),
        # a confrontation is the story, the ministry its actor (sanctions are military_conflict)
        ("外交部回应美方对华加征关税", "military_conflict", ["加征关税", "外交部回应"]),
        ("美军空袭也门胡塞武装", "military_conflict", ["空袭", "胡塞武装"]),
    ],
)
def test_classify_says_category_and_terms(title, category, terms):
    v = Sensitivity.load().classify(title)
    assert v is not None and v.category == category
    assert set(terms) <= set(v.terms)


def test_not_sensitive_and_safe_phrases_and_modes():
    s = Sensitivity.load()
    assert s.classify("冬天第一杯奶茶") is None
    assert s.classify("国足进了死亡之组") is None  # the safe phrase cancels 死亡
    assert s.classify("哪吒2票房破100亿") is None
    # one weak term: only strict marks it
    assert s.classify("台风天居家必备清单") is None
    assert s.classify("台风天居家必备清单", mode="strict").category == "disaster"
    assert s.classify("四川发生地震", mode="off") is None
    # a film tag halves the evidence: a character's death on screen is not a death
    assert s.classify("主角在大结局中牺牲", category="剧集") is None
    assert s.classify("消防员在救火中牺牲").category == "death"
    with pytest.raises(ConfigError):
        s.classify("x", mode="loose")


def make(tmp_path, url: str, mode: str = "normal"):
    text = f"""
[hotspot]
database = "{tmp_path / "db.sqlite"}"
[[accounts]]
name = "foodie"
sensitivity = "{mode}"
calendar_lead = "10d"
audience = ["学生党"]
pillars = ["平价"]
[[accounts.themes]]
name = "美食"
keywords = ["火锅", "奶茶"]
[[calendar]]
name = "品牌周年庆"
date = "05-06"
account = "foodie"
angles = ["回馈老粉"]
[[notifiers]]
name = "plain"
type = "webhook"
url = "{url}/plain"
min_score = 0.1
[[notifiers]]
name = "all"
type = "wecom"
url = "{url}/all"
min_score = 0.1
include_sensitive = true
"""
    path = tmp_path / "hotspot.toml"
    path.write_text(text, encoding="utf-8")
    config = parse_config(tomllib.loads(text), path)
    store = Store(config.database)
    ids = []
    with store.transaction():
        for i, title in enumerate(TITLES):
            h = Hotspot(
                id=f"w{i}",
                source="weibo",
                platform="weibo",
                title=title,
                url=None,
                summary=None,
                category=None,
                rank=i + 1,
                heat=100_000,
                label=None,
                pinned=False,
                is_ad=False,
                published=None,
                observed_at=dt.datetime.fromtimestamp(NOW, SH),
            )
            store.insert_item(h, ["火锅"], NOW - 600)
            ev = store.create_event(title, NOW - 600, ["重庆", "火锅"] if i < 2 else ["奶茶"])
            store.set_item_event(h.id, ev)
            ids.append(
                store.insert_alert(
                    account="foodie",
                    theme="美食",
                    event_id=ev,
                    item_id=h.id,
                    score=0.8,
                    terms=["火锅" if i < 2 else "奶茶"],
                    explanation={"evidence": [{"term": "火锅", "via": "lexicon:food"}]},
                    at=NOW - 600,
                )
            )
    return config, store, [PollReport(source="weibo", alert_ids=tuple(ids))]


def test_sensitive_alerts_skip_plain_pushes_and_are_marked(httpserver, tmp_path):
    for p in ("/plain", "/all"):
        httpserver.expect_request(p, method="POST").respond_with_json({"errcode": 0})
    config, store, reports = make(tmp_path, httpserver.url_for("").rstrip("/"))
    assert enqueue(config, store, reports, now=NOW) == 2 + 3
    assert deliver_pushes(config, store, now=NOW) == 5
    sent = {req.path: json.loads(req.get_data()) for req, _ in httpserver.log}
    assert [a["title"] for a in sent["/plain"]["alerts"]] == TITLES[1:]
    assert all(a["sensitive"] is None for a in sent["/plain"]["alerts"])
    content = sent["/all"]["markdown"]["content"]
    assert "⚠ 慎借势：灾害事故" in content and TITLES[0] in content
    assert content.count("慎借势") == 1


def test_off_mode_pushes_everything_unmarked(httpserver, tmp_path):
    httpserver.expect_request("/plain", method="POST").respond_with_json({"errcode": 0})
    httpserver.expect_request("/all", method="POST").respond_with_json({"errcode": 0})
    config, store, reports = make(tmp_path, httpserver.url_for("").rstrip("/"), mode="off")
    assert enqueue(config, store, reports, now=NOW) == 6


def test_digest_sections(tmp_path, zh_cn):
    config, store, _ = make(tmp_path, "http://127.0.0.1:9")
    account = config.accounts[0]
    start, end = NOW - 86400, NOW
    alerts = store.alerts_between("foodie", start, end)
    d = build_digest(
        "foodie",
        alerts,
        [],
        start,
        end,
        SH,
        **digest_planning(config, store, account, alerts, start, end),
    )
    _, html, text = render(d)
    caution = text.index("== 需谨慎，不宜借势营销 (1) ==")
    theme = text.index("== 美食 (2) ==")
    assert f"⚠ 慎借势：灾害事故 · {TITLES[0]}" in text[caution:theme]
    assert TITLES[0] not in text[theme:]  # not in the theme section
    assert TITLES[0] not in text[: text.index("== 选题角度 ==")]  # nor among the top events
    upcoming = text[text.index("== 即将到来 ==") : caution]
    assert "2026-05-06 品牌周年庆" in upcoming and "回馈老粉" in upcoming
    assert "母亲节" in upcoming  # 2026-05-10, inside the 10-day lead
    assert "端午节" not in upcoming  # 2026-06-19, outside it
    angles = text[text.index("== 选题角度 ==") : text.index("== 即将到来 ==")]
    assert "角度：重庆 × 学生党 → 学生党眼中的重庆 ← 受众" in angles
    assert "← 领域模板:food" in angles and "← 节点:母亲节" in angles
    assert "需谨慎，不宜借势营销" in html and "⚠ 慎借势：灾害事故" in html
