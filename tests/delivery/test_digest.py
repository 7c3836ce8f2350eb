"""Pure digest building: grouping, ranking, escaping, subject encoding, the due rule."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

from hotspot.config import AccountConfig
from hotspot.delivery.digest import build_digest, due_digests, render, weight
from hotspot.delivery.mailer import build_message, digest_message_id

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
T0 = int(dt.datetime(2024, 5, 2, 8, 30, tzinfo=SH).timestamp())


def alert(i, theme, title, score, heat, **kw):
    row = {
        "id": i,
        "account": "foodie",
        "theme": theme,
        "score": score,
        "terms": ["火锅"],
        "created_at": T0 - 3600,
        "event_id": i,
        "item_id": f"w{i}",
        "title": title,
        "url": f"https://s.weibo.com/weibo?q={i}",
        "platform": "weibo",
        "source": "weibo",
        "best_rank": 3,
        "max_heat": heat,
        "first_seen": T0 - 7200,
        "platforms": ["weibo"],
        "state": "rising",
        "event_heat": heat,
        "event_best_rank": 3,
        "event_first_seen": T0 - 7200,
        "trend": {"ranks": [30, 20, 9, 3]},
    }
    row.update(kw)
    return row


def test_grouping_and_ranking_by_score_times_log_heat():
    rows = [
        alert(1, "美食", "a", 0.9, 10),
        alert(2, "美食", "b", 0.6, 5_000_000),
        alert(3, "汽车", "c", 0.95, 100_000_000),
        alert(4, "美食", "d", 0.99, None),
    ]
    d = build_digest("foodie", rows, [], T0 - 86400, T0, SH)
    assert [g.theme for g in d.groups] == ["汽车", "美食"]
    assert [e.title for e in d.groups[1].entries] == ["b", "a", "d"]
    assert d.count == 4 and [e.title for e in d.top] == ["c", "b", "a"]
    assert weight(0.5, None) == 0.5 and weight(0.5, 0) == 0.5  # no heat: score alone
    assert d.groups[0].entries[0].spark and len(d.groups[0].entries[0].spark) == 4


def test_html_escapes_titles_and_text_keeps_them_literal():
    evil = "<script>alert(1)</script> 火锅 & 奶茶"
    d = build_digest("foodie", [alert(1, "美食", evil, 0.9, 1000)], [], T0 - 86400, T0, SH)
    subject, html, text = render(d)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "火锅 &amp; 奶茶" in html
    assert evil in text
    assert "<style" not in html  # inline CSS only
    assert "https://s.weibo.com/weibo?q=1" in html and "https://s.weibo.com/weibo?q=1" in text


def test_javascript_urls_are_not_linked():
    d = build_digest(
        "foodie", [alert(1, "美食", "x", 0.9, 1, url="javascript:alert(1)")], [], T0 - 86400, T0, SH
    )
    _, html, _ = render(d)
    assert "javascript:" not in html


def test_summary_lists_unhealthy_sources_since_when():
    sa = [
        {"id": 1, "source": "weibo", "kind": "down", "at": T0 - 5000, "message": "m"},
        {"id": 2, "source": "weibo", "kind": "recovered", "at": T0 - 1000, "message": "r"},
        {"id": 3, "source": "zhihu", "kind": "down", "at": T0 - 800, "message": "m2"},
    ]
    d = build_digest("foodie", [], sa, T0 - 86400, T0, SH)
    assert [(u.source, u.until is None) for u in d.unhealthy] == [("weibo", False), ("zhihu", True)]
    _, html, text = render(d)
    assert "Nothing matched" in html and "still failing" in text and "zhihu" in html


def test_subject_with_chinese_account_decodes_back():
    d = build_digest("美食组", [alert(1, "美食", "t", 0.9, 1)], [], T0 - 86400, T0, SH)
    subject, html, text = render(d)
    msg = build_message(
        sender="hot@example.com",
        to=["a@example.com"],
        subject=subject,
        text=text,
        html=html,
        message_id=digest_message_id("美食组", d.day, "hot@example.com"),
    )
    raw = msg.as_bytes()
    assert "美食组".encode() not in raw.split(b"\r\n\r\n", 1)[0]  # encoded in the header
    back = message_from_bytes(raw, policy=policy.default)
    assert back["Subject"] == subject and "美食组" in subject and "2024-05-02" in subject
    assert back.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in back.iter_parts()] == ["text/plain", "text/html"]
    assert back["Message-ID"] == digest_message_id("美食组", "2024-05-02", "hot@example.com")


def acc(name="foodie", at=dt.time(8, 30)):
    return AccountConfig(name=name, digest_to=("a@example.com",), digest_at=at)


def test_due_before_and_after_digest_at():
    before = dt.datetime(2024, 5, 2, 8, 29, tzinfo=SH)
    after = dt.datetime(2024, 5, 2, 8, 31, tzinfo=SH)
    last = {"foodie": {"day": "2024-05-01", "period_end": T0 - 86400}}
    assert due_digests([acc()], before, SH, last) == []
    (d,) = due_digests([acc()], after, SH, last)
    # the period runs from the previous digest's end to the moment it is sent
    assert d.day == "2024-05-02" and d.period_end == T0 + 60 and d.period_start == T0 - 86400
    assert (
        due_digests([acc()], after, SH, {"foodie": {"day": "2024-05-02", "period_end": T0}}) == []
    )


def test_due_uses_the_configured_timezone_across_midnight():
    # 23:30 in New York on May 1 is 11:30 on May 2 in Shanghai (UTC 03:30)
    now = dt.datetime(2024, 5, 2, 3, 30, tzinfo=dt.UTC)
    began = {"foodie": int(now.timestamp()) - 3 * 86400}  # collecting for days already
    (ny,) = due_digests([acc(at=dt.time(23, 0))], now, NY, {}, began)
    assert ny.day == "2024-05-01"
    (sh,) = due_digests([acc(at=dt.time(23, 0))], now, SH, {}, began)
    assert sh.day == "2024-05-01"  # 23:00 on May 2 has not come yet in Shanghai
    (sh2,) = due_digests([acc(at=dt.time(0, 5))], now, SH, {}, began)
    assert sh2.day == "2024-05-02"


def test_missed_while_down_is_due_once_and_covers_the_gap():
    last = {"foodie": {"day": "2024-04-28", "period_end": T0 - 4 * 86400}}
    now = dt.datetime(2024, 5, 2, 13, 0, tzinfo=SH)
    (d,) = due_digests([acc()], now, SH, last)
    assert d.day == "2024-05-02" and d.period_start == T0 - 4 * 86400  # nothing lost
    assert (
        due_digests([acc()], now, SH, {"foodie": {"day": d.day, "period_end": d.period_end}}) == []
    )


def test_a_brand_new_daemon_owes_no_digest_for_before_it_started():
    now = dt.datetime(2024, 5, 2, 13, 0, tzinfo=SH)
    started = int(now.timestamp()) - 600  # first start at 12:50, after today's 08:30
    assert due_digests([acc()], now, SH, {}, {"foodie": started}) == []
    assert due_digests([acc()], now, SH, {}, {"foodie": None}) == []  # never collected
    tomorrow = now + dt.timedelta(days=1)
    (d,) = due_digests([acc()], tomorrow, SH, {}, {"foodie": started})
    assert d.day == "2024-05-03" and d.period_start == started  # what it did collect


def test_accounts_without_digest_at_or_recipients_are_never_due():
    now = dt.datetime(2024, 5, 2, 13, 0, tzinfo=SH)
    assert (
        due_digests(
            [
                AccountConfig(name="x", digest_at=dt.time(8)),
                AccountConfig(name="y", digest_to=("a@b.c",)),
            ],
            now,
            SH,
            {},
        )
        == []
    )
