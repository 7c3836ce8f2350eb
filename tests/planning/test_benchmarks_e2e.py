"""Benchmark accounts end to end: corpus slice imported -> feeds served by a local HTTP
server (one written here, one real recorded feed) -> hotspot poll -> posts stored and
linked to events -> hotspot benchmarks and the digest's 对标账号 section."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug import Request, Response

from hotspot.cli import cli

EVENT_TITLE = "祝贺哪吒2票房破100亿"
SLICE_HOURS = ("2025-02-13T17", "2025-02-13T18", "2025-02-13T19", "2025-02-13T20")


def corpus_slice(shared: Path, out: Path) -> dt.datetime:
    """A few hours of the Weibo corpus; returns when EVENT_TITLE first appears in it."""
    lines, first = [], None
    with open(shared / "corpus" / "weibo_hot_history.jsonl", encoding="utf-8") as f:
        for line in f:
            if '"snapshot_time":"2025-02-13T' not in line:
                continue
            obj = json.loads(line)
            if obj["snapshot_time"][:13] in SLICE_HOURS:
                lines.append(line)
                if obj["title"] == EVENT_TITLE:
                    t = dt.datetime.fromisoformat(obj["snapshot_time"])
                    first = t if first is None or t < first else first
    out.write_text("".join(lines), encoding="utf-8")
    assert first is not None
    return first


def rss(items: list[tuple[str, str, dt.datetime]]) -> str:
    entries = "".join(
        f"<item><title>{t}</title><link>https://mp.example.com/{i}</link><guid>{i}</guid>"
        f"<description>{d}</description>"
        f"<pubDate>{p.strftime('%a, %d %b %Y %H:%M:%S %z')}</pubDate></item>"
        for i, (t, d, p) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>对标号</title><link>https://mp.example.com/</link>{entries}</channel></rss>"
    )


def invoke(config: Path, *args: str) -> str:
    r = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
    assert r.exit_code in (0, 1), r.output  # poll exits 1 only when every source failed
    return r.stdout


@pytest.mark.shared
def test_benchmark_posts_linked_to_corpus_events(tmp_path, shared_dir, httpserver):
    first = corpus_slice(shared_dir, tmp_path / "slice.jsonl")
    chased_at = first + dt.timedelta(hours=3.5)
    feed = rss(
        [
            (
                "哪吒2票房破100亿，我们拆解了它的票房密码",
                "国产动画电影哪吒2票房再创纪录",
                chased_at,
            ),
            ("周末食谱：三道快手家常菜", "在家做饭的简单菜谱", first + dt.timedelta(hours=1)),
        ]
    )
    seen_headers: list[dict[str, str]] = []

    def own_feed(request: Request) -> Response:
        seen_headers.append(dict(request.headers))
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(feed, content_type="application/rss+xml", headers={"ETag": '"v1"'})

    httpserver.expect_request("/own").respond_with_handler(own_feed)
    real = (shared_dir / "fixtures" / "rss" / "36kr_rss2_2016-10-26.xml").read_bytes()
    httpserver.expect_request("/36kr").respond_with_data(real, content_type="application/rss+xml")
    httpserver.expect_request("/broken").respond_with_data("oops", status=500)
    config = tmp_path / "hotspot.toml"
    config.write_text(
        textwrap.dedent(f"""
        [hotspot]
        database = "hs.db"
        min_host_interval = "0s"

        [[accounts]]
        name = "影视号"
        [[accounts.themes]]
        name = "电影"
        keywords = ["电影", "票房", "哪吒"]
        [[accounts.benchmarks]]
        name = "对标A"
        url = "{httpserver.url_for("/own")}"
        [[accounts.benchmarks]]
        name = "36氪"
        url = "{httpserver.url_for("/36kr")}"
        [[accounts.benchmarks]]
        name = "坏源"
        url = "{httpserver.url_for("/broken")}"
        """),
        encoding="utf-8",
    )
    invoke(config, "import", "--no-learn", str(tmp_path / "slice.jsonl"))
    out = json.loads(invoke(config, "poll", "--format", "json"))
    by = {r["source"]: r for r in out}
    assert (
        by["benchmark:影视号/对标A"]["new"] == 2 and by["benchmark:影视号/对标A"]["error"] is None
    )
    assert by["benchmark:影视号/36氪"]["new"] > 5  # the real feed's entries are stored
    assert "500" in by["benchmark:影视号/坏源"]["error"]  # one broken feed stops no other
    # conditional GET on the next poll: the feed answers 304, nothing is stored twice
    again = {r["source"]: r for r in json.loads(invoke(config, "poll", "--format", "json"))}
    assert seen_headers[-1].get("If-None-Match") == '"v1"'
    assert again["benchmark:影视号/对标A"]["new"] == 0
    status = invoke(config, "sources", "status", "--format", "json")
    assert "benchmark:影视号/坏源" in status  # its health is kept like a source's

    now = str((first + dt.timedelta(hours=6)).timestamp())
    report = json.loads(
        invoke(config, "benchmarks", "--since", "1d", "--now", now, "--format", "json")
    )[0]
    bench = {b["benchmark"]: b for b in report["benchmarks"]}
    a = bench["对标A"]
    assert a["posts"] == 2 and a["hotspot_share"] == 0.5
    assert [c["event"] for c in a["chased"]] == [EVENT_TITLE]
    assert a["chased"][0]["delay_hours"] == 3.5
    assert a["median_delay_hours"] == 3.5
    assert a["chased"][0]["text"] == f"3.5 小时后跟进 {EVENT_TITLE}"
    assert bench["36氪"]["posts"] == 0  # 2016 posts are outside the period
    openings = {o["title"] for o in report["openings"]}
    assert EVENT_TITLE not in openings and openings  # covered by 对标A; others are open
    table = invoke(config, "benchmarks", "--since", "1d", "--now", now)
    assert "3.5 小时后跟进 祝贺哪吒2票房破100亿" in table
