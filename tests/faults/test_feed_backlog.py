"""A new feed's backlog does not alert (issue 12): items published longer ago than the
source's ``max_age`` never alert, and undated items of a feed's first poll are stored but not
alerted; undated items that appear later do. Through ``hotspot poll`` (a new process each
time, so nothing is remembered in memory) against a local HTTP server."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from tests.faults.conftest import Reply, alerted_titles, run_cli, write_config


def rss(entries: list[tuple[str, datetime | None]]) -> bytes:
    items = "".join(
        f"<item><title>{t}</title><link>https://example.com/{i}</link><guid>g{t}</guid>"
        + (f"<pubDate>{format_datetime(d)}</pubDate>" if d else "")
        + "</item>"
        for i, (t, d) in enumerate(entries)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>feed</title>'
        f"{items}</channel></rss>"
    ).encode()


def test_old_and_first_poll_undated_items_never_alert_later_new_ones_do(tmp_path, server):
    now = datetime.now(UTC)
    first = [
        ("奶茶品牌二零一六年开业", datetime(2016, 3, 1, tzinfo=UTC)),  # years old
        ("火锅店三天前促销", now - timedelta(days=3)),  # older than max_age (2 days)
        ("甜品新店今日开张", now - timedelta(hours=1)),  # recent: alerts
        ("烧烤节没有日期的旧文", None),  # undated on the first poll: backlog
    ]
    server.routes["/feed"] = Reply(body=rss(first), content_type="application/rss+xml")
    config = write_config(
        tmp_path, [{"name": "blog", "type": "rss", "url": server.url("/feed"), "interval": "15m"}]
    )
    r = run_cli("poll", config=config)
    assert r.returncode == 0, r.stderr
    db = tmp_path / "hotspot.db"
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 4  # all stored
    assert alerted_titles(db) == {"甜品新店今日开张"}
    later = [
        *first,
        ("餐厅新菜单没有日期", None),
        ("奶茶旧闻再次出现", datetime(2019, 1, 1, tzinfo=UTC)),
    ]
    server.routes["/feed"] = Reply(body=rss(later), content_type="application/rss+xml")
    r = run_cli("poll", config=config)
    assert r.returncode == 0, r.stderr
    # the new undated item alerts; the first poll's undated one and the old ones still do not
    assert alerted_titles(db) == {"甜品新店今日开张", "餐厅新菜单没有日期"}
