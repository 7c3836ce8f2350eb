"""Benchmark accounts (对标账号): link their posts to events and say what they chased. Pure.

A post is linked to every candidate event it covers by the hot lists' own event rule
(``hotspot.analysis.events.similarity``: near-duplicate titles, or enough shared
distinctive terms), reading the post's title and summary terms together, so a long article
title ("3.5 小时后…哪吒2票房破百亿背后") joins the event "哪吒2票房破百亿".

The follow-up delay of a post is its publication time minus the event's first appearance
on any list (negative: the benchmark was first). ``summarise`` builds what the digest and
``hotspot benchmarks`` show: per benchmark its posts, posts per day, the share tied to a
hotspot, the median delay and the hotspots it chased; and the openings, the account's
alerted hotspots that no benchmark covered.
"""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from hotspot.analysis.events import Candidate, similarity
from hotspot.config import Config, SourceConfig

MAX_LINKS = 3
DAY = 86400


def benchmark_source_name(account: str, benchmark: str) -> str:
    """The source name a benchmark feed's health is kept under (``hotspot sources status``)."""
    return f"benchmark:{account}/{benchmark}"


def benchmark_sources(config: Config) -> list[tuple[SourceConfig, str, str]]:
    """Each benchmark feed as an RSS source (its health, backoff and conditional GET are a
    source's), with its account and benchmark name."""
    return [
        (
            SourceConfig(
                name=benchmark_source_name(a.name, b.name),
                type="rss",
                interval=b.interval,
                url=b.url,
            ),
            a.name,
            b.name,
        )
        for a in config.accounts
        for b in a.benchmarks
    ]


def post_id(account: str, benchmark: str, key: str) -> str:
    return hashlib.sha1(f"{account}\0{benchmark}\0{key}".encode()).hexdigest()[:20]


def link(
    title: str, terms: Sequence[str], candidates: Sequence[Candidate]
) -> list[tuple[int, float]]:
    """(event id, similarity) of the events the post covers, best first."""
    mine = frozenset(terms)
    scored = [(c.id, similarity(title, mine, c)) for c in candidates]
    return sorted([(i, round(s, 3)) for i, s in scored if s > 0], key=lambda x: -x[1])[:MAX_LINKS]


def delay_text(hours: float, title: str) -> str:
    if hours < 0:
        return f"比热榜早 {-hours:.1f} 小时发布 {title}"
    return f"{hours:.1f} 小时后跟进 {title}"


def summarise(
    benchmarks: Sequence[str],
    posts: Sequence[Mapping[str, Any]],
    alerts: Sequence[Mapping[str, Any]],
    since: int,
    until: int,
) -> dict[str, Any]:
    """Per benchmark stats and chased hotspots, plus the openings (see the module doc)."""
    days = max((until - since) / DAY, 1 / 24)
    out_rows = []
    covered: set[int] = set()
    for name in benchmarks:
        mine = [p for p in posts if p["benchmark"] == name]
        delays: list[float] = []
        chased = []
        linked = 0
        for p in mine:
            if p.get("events"):
                linked += 1
            for e in p.get("events", [])[:1]:  # the best-linked event of the post
                covered.add(e["id"])
                hours = (p["at"] - e["first_seen"]) / 3600
                delays.append(hours)
                chased.append(
                    {
                        "post": p["title"],
                        "url": p.get("url"),
                        "event_id": e["id"],
                        "event": e["title"],
                        "delay_hours": round(hours, 1),
                        "text": delay_text(hours, e["title"]),
                    }
                )
            for e in p.get("events", [])[1:]:
                covered.add(e["id"])
        out_rows.append(
            {
                "benchmark": name,
                "posts": len(mine),
                "posts_per_day": round(len(mine) / days, 2),
                "hotspot_share": round(linked / len(mine), 2) if mine else 0.0,
                "median_delay_hours": round(statistics.median(delays), 1) if delays else None,
                "chased": chased,
                "titles": [p["title"] for p in mine],
            }
        )
    openings, seen = [], set()
    for a in sorted(alerts, key=lambda a: -float(a.get("score") or 0)):
        ev = a.get("event_id")
        if ev is None or ev in covered or ev in seen:
            continue
        seen.add(ev)
        openings.append(
            {"alert_id": a["id"], "event_id": ev, "title": a["title"], "theme": a["theme"]}
        )
    return {"benchmarks": out_rows, "openings": openings}
