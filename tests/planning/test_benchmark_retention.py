"""Retention deletes old benchmark posts (with their links), keeps recent ones, compacts old
undated ones, and a deleted post still listed by its feed is not stored again as new."""

from __future__ import annotations

from hotspot.storage.retention import compact
from hotspot.storage.store import Store

DAY = 86400
NOW = 1_760_000_000


def post(store: Store, pid: str, published: int, first_seen: int, events=((1, 0.9),)) -> bool:
    with store.transaction():
        return store.add_post(
            pid,
            "foodie",
            "rival",
            f"标题{pid}",
            f"https://x/{pid}",
            "摘要" * 50,
            published,
            first_seen,
            list(events),
        )


def test_old_posts_go_recent_stay_and_old_ones_do_not_come_back(tmp_path):
    store = Store(tmp_path / "h.db")
    post(store, "old", NOW - 40 * DAY, NOW - 40 * DAY + 60)  # dated, old
    post(store, "new", NOW - 2 * DAY, NOW - 2 * DAY + 60)  # dated, recent
    post(store, "backlog", NOW - 50 * DAY, NOW - 1 * DAY)  # old post first seen recently
    post(store, "undated", NOW - 40 * DAY, NOW - 40 * DAY)  # stored with published = first seen
    compact(store, older_than_days=30, now=NOW)
    ids = {r["id"]: r for r in store.rows("SELECT * FROM benchmark_posts")}
    assert set(ids) == {"new", "backlog", "undated"}
    links = {r["post_id"] for r in store.rows("SELECT post_id FROM benchmark_links")}
    assert links == {"new", "backlog", "undated"}
    # the undated post is compacted, not deleted: the feed cannot say it is old
    assert ids["undated"]["summary"] is None and ids["undated"]["url"] is None
    assert ids["new"]["summary"] and ids["backlog"]["summary"]
    # the feed still lists the deleted post: it is refused, not stored again as new
    assert post(store, "old", NOW - 40 * DAY, NOW + 60) is False
    assert store.known_posts(["old"]) == set()
    assert post(store, "fresh", NOW + 10, NOW + 60) is True
    assert store.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_later_shorter_run_never_moves_the_cutoff_back(tmp_path):
    store = Store(tmp_path / "h.db")
    compact(store, older_than_days=30, now=NOW)
    compact(store, older_than_days=60, now=NOW)  # operator raised retention afterwards
    assert store.meta("benchmark_posts_cutoff") == str(NOW - 30 * DAY)


def test_poll_does_not_count_a_refused_old_post_as_new(tmp_path, httpserver):
    """After retention ran, a feed that still lists a deleted (old) post gets it refused by
    the store; ``hotspot poll`` reports only the posts it really stored as new."""
    import json
    import textwrap
    import time
    from email.utils import formatdate

    from click.testing import CliRunner

    from hotspot.cli import cli

    now = time.time()
    items = "".join(
        f"<item><title>{t}</title><link>https://mp.example.com/{i}</link><guid>{i}</guid>"
        f"<pubDate>{formatdate(p)}</pubDate></item>"
        for i, (t, p) in enumerate([("四十天前的旧文", now - 40 * DAY), ("今天的新文", now - 600)])
    )
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>对标</title>{items}</channel></rss>'
    httpserver.expect_request("/feed").respond_with_data(feed, content_type="application/rss+xml")
    config = tmp_path / "hotspot.toml"
    config.write_text(
        textwrap.dedent(f"""
        [hotspot]
        database = "hs.db"
        min_host_interval = "0s"
        [[accounts]]
        name = "美食号"
        [[accounts.themes]]
        name = "美食"
        keywords = ["美食"]
        [[accounts.benchmarks]]
        name = "对标A"
        url = "{httpserver.url_for("/feed")}"
        """),
        encoding="utf-8",
    )
    compact(Store(tmp_path / "hs.db"), older_than_days=30, now=int(now))  # sets the cutoff
    r = CliRunner().invoke(cli, ["--config", str(config), "poll", "--format", "json"])
    assert r.exit_code == 0, r.output
    row = {x["source"]: x for x in json.loads(r.stdout)}["benchmark:美食号/对标A"]
    assert row["items"] == 2 and row["new"] == 1
    titles = [
        x["title"] for x in Store(tmp_path / "hs.db").rows("SELECT title FROM benchmark_posts")
    ]
    assert titles == ["今天的新文"]
