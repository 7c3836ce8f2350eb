"""What each workspace page shows, as plain data: built from ``Store`` reads, no HTTP here.

The row shapes (``alert_row``, ``event_row``, ``trend_row``, ``hotspot_row``, ``source_rows``)
carry the same fields as the CLI's ``--format json`` output, so the CSV export, the MCP server
and ``hotspot ... --format json`` agree. The today page ranks alerts as the daily digest does
(``hotspot.delivery.digest.weight``: score × (1 + log10 heat); themes ordered by their best
alert). Times are shown in the configured timezone, ages relative to the injected ``now``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from hotspot.config import Config
from hotspot.delivery.digest import weight
from hotspot.storage.store import Store

WINDOWS = {"1h": 3600, "6h": 6 * 3600, "24h": 86400, "3d": 3 * 86400, "7d": 7 * 86400}
WINDOW_LABEL = {"1h": "1 小时", "6h": "6 小时", "24h": "24 小时", "3d": "3 天", "7d": "7 天"}
STATES = ("new", "rising", "peaking", "fading", "gone")
TODAY_LIMIT = 200  # newest alerts read for one page; the page says when there were more
# The pages are written in Chinese (wrapping the templates in the gettext catalog is a
# follow-up), so the state names are too, whatever language the CLI runs in.
STATE_LABEL = {"new": "新", "rising": "上升", "peaking": "高位", "fading": "回落", "gone": "已下榜"}
VERDICT_LABEL = {"useful": "有用", "irrelevant": "不相关", "chased": "已跟进"}


def iso(ts: int | None, tz: ZoneInfo) -> str | None:
    return dt.datetime.fromtimestamp(ts, tz).isoformat() if ts else None


def local(ts: int | None, tz: ZoneInfo, pattern: str = "%m-%d %H:%M") -> str:
    return dt.datetime.fromtimestamp(ts, tz).strftime(pattern) if ts else "-"


def ago(ts: int | None, now: float) -> str:
    """ "18 分钟前" and the like; "刚刚" under a minute."""
    if not ts:
        return "-"
    s = max(0, int(now - ts))
    if s < 60:
        return "刚刚"
    if s < 3600:
        return f"{s // 60} 分钟前"
    if s < 86400:
        return f"{s // 3600} 小时前"
    return f"{s // 86400} 天前"


def safe_url(url: str | None) -> str | None:
    """Only http(s) URLs become links (a ``javascript:`` URL from a feed stays text)."""
    if not url or not isinstance(url, str):
        return None
    return url if url.strip().lower().startswith(("http://", "https://")) else None


# -- the shapes shared with --format json and MCP -------------------------------------------
def alert_row(r: Mapping[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """The fields of ``hotspot alerts list --format json``."""
    return {
        "id": r["id"],
        "account": r["account"],
        "theme": r["theme"],
        "score": round(r["score"], 3),
        "title": r["title"],
        "url": r["url"],
        "source": r["source"],
        "platform": r["platform"],
        "platforms": r["platforms"],
        "rank": r["rank"],
        "best_rank": r["best_rank"],
        "heat": r["heat"],
        "category": r["category"],
        "event_id": r["event_id"],
        "state": r["state"],
        "created_at": iso(r["created_at"], tz),
        "terms": r["terms"],
        "verdict": r["verdict"],
    }


def trend_row(r: Mapping[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """The fields of ``hotspot trends --format json`` (the trend's ranks as data, not a
    sparkline string)."""
    t = json.loads(r["trend"]) if r.get("trend") else {}
    return {
        "id": r["id"],
        "state": r["state"],
        "velocity": t.get("velocity"),
        "best_rank": r["best_rank"],
        "platforms": [p for p in (r["platforms"] or "").split(",") if p],
        "ranks": t.get("ranks", []),
        "title": r["title"],
        "last_seen": iso(r["last_seen"], tz),
    }


def hotspot_row(r: Mapping[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """The fields of ``hotspot hotspots list --format json``."""
    out = dict(r)
    out["first_seen"], out["last_seen"] = iso(r["first_seen"], tz), iso(r["last_seen"], tz)
    out["pinned"], out["is_ad"] = bool(r["pinned"]), bool(r["is_ad"])
    return out


def event_data(store: Store, event_id: int) -> dict[str, Any] | None:
    """The fields of ``hotspot events show --format json``: the event, its appearances and
    every observation (the curve as data)."""
    e = store.event(event_id)
    if e is None:
        return None
    e["trend"] = json.loads(e["trend"]) if e.get("trend") else None
    e["appearances"] = store.event_items(event_id)
    e["observations"] = store.event_observations(event_id)
    return e


def source_rows(config: Config, store: Store) -> list[dict[str, Any]]:
    """The fields of ``hotspot sources status --format json``."""
    tz = config.tz
    states = store.source_states()
    polls = store.last_polls()
    rows = []
    for sc in config.sources:
        s = states.get(sc.name, {})
        p = polls.get(sc.name, {})
        failures = s.get("failures") or 0
        health = (
            "disabled"
            if not sc.enabled
            else "never polled"
            if not s
            else ("ok" if failures == 0 else "failing" if failures < 3 else "down")
        )
        rows.append(
            {
                "source": sc.name,
                "type": sc.type,
                "health": health,
                "last_success": iso(s.get("last_success"), tz),
                "failures": failures,
                "last_error": s.get("last_error"),
                "backoff_until": iso(s.get("backoff_until"), tz),
                "next_poll": iso(s.get("next_poll"), tz),
                "last_items": p.get("items"),
                "last_duration_ms": p.get("duration_ms"),
                "_last_success": s.get("last_success"),
                "_next_poll": s.get("next_poll"),
            }
        )
    return rows


def alerts_of_event(store: Store, event_id: int) -> list[dict[str, Any]]:
    ids = [r["id"] for r in store.rows("SELECT id FROM alerts WHERE event_id = ?", (event_id,))]
    return store.alerts(ids=ids, limit=None) if ids else []


# -- pages ----------------------------------------------------------------------------------
def today(
    store: Store,
    config: Config,
    now: float,
    *,
    account: str | None,
    theme: str | None = None,
    platform: str | None = None,
    state: str | None = None,
    window: str = "24h",
) -> dict[str, Any]:
    """Alerts of one account (or all) in the window, irrelevant ones left out, grouped by
    theme and ranked as in the digest."""
    since = int(now - WINDOWS.get(window, 86400))
    rows = store.alerts(
        account=account or None,
        theme=theme or None,
        since=since,
        limit=TODAY_LIMIT,
        include_irrelevant=False,
    )
    truncated = len(rows) >= TODAY_LIMIT
    if platform:
        rows = [r for r in rows if platform in (r["platforms"] or [r["platform"]])]
    if state:
        rows = [r for r in rows if (r["state"] or "new") == state]
    firsts = _event_first_seen(store, [r["event_id"] for r in rows])
    entries = []
    for r in rows:
        heat = r.get("event_heat") or r.get("max_heat")
        first = firsts.get(r["event_id"]) or r["created_at"]
        entries.append(
            {
                "row": r,
                "weight": weight(float(r["score"]), heat),
                "heat": heat,
                "best_rank": r.get("event_best_rank") or r.get("best_rank"),
                "platforms": r["platforms"] or [r["platform"]],
                "state": r["state"] or "new",
                "state_label": STATE_LABEL.get(r["state"] or "new", r["state"]),
                "first_seen_ago": ago(first, now),
                "first_seen": local(first, config.tz),
                "url": safe_url(r["url"]),
            }
        )
    by_theme: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for e in entries:
        by_theme.setdefault((e["row"]["account"], e["row"]["theme"]), []).append(e)
    groups: list[dict[str, Any]] = [
        {"account": k[0], "theme": k[1], "entries": sorted(v, key=_rank_key)}
        for k, v in by_theme.items()
    ]
    groups.sort(key=lambda g: (-g["entries"][0]["weight"], g["account"], g["theme"]))
    return {
        "groups": groups,
        "count": len(entries),
        "truncated": truncated,
        "rows": [e["row"] for e in entries],
    }


def _rank_key(e: Mapping[str, Any]) -> tuple[float, int]:
    return (-e["weight"], e["row"]["id"])


def _event_first_seen(store: Store, event_ids: Sequence[int | None]) -> dict[int, int]:
    ids = sorted({i for i in event_ids if i is not None})
    out: dict[int, int] = {}
    for k in range(0, len(ids), 500):
        chunk = ids[k : k + 500]
        for r in store.rows(
            f"SELECT id, first_seen FROM events WHERE id IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            out[r["id"]] = r["first_seen"]
    return out


def event_page(store: Store, config: Config, event_id: int, now: float) -> dict[str, Any] | None:
    e = event_data(store, event_id)
    if e is None:
        return None
    tz = config.tz
    firsts: dict[str, dict[str, Any]] = {}
    for it in e["appearances"]:
        cur = firsts.get(it["platform"])
        if cur is None or it["first_seen"] < cur["first_seen"]:
            firsts[it["platform"]] = it
    first_rows = [
        {
            "platform": p,
            "at": local(it["first_seen"], tz, "%Y-%m-%d %H:%M"),
            "ago": ago(it["first_seen"], now),
            "rank": it["best_rank"],
        }
        for p, it in sorted(firsts.items(), key=lambda kv: kv[1]["first_seen"])
    ]
    appearances = [
        {
            **it,
            "url": safe_url(it["url"]),
            "first": local(it["first_seen"], tz),
            "last": local(it["last_seen"], tz),
        }
        for it in e["appearances"]
    ]
    alerts = alerts_of_event(store, event_id)
    return {
        "event": e,
        "state_label": STATE_LABEL.get(e.get("state") or "new", e.get("state")),
        "first_rows": first_rows,
        "appearances": appearances,
        "alerts": alerts,
        "observations": e["observations"],
        "first_seen": local(e["first_seen"], tz, "%Y-%m-%d %H:%M"),
        "first_seen_ago": ago(e["first_seen"], now),
        "last_seen_ago": ago(e["last_seen"], now),
    }


def rising(
    store: Store,
    config: Config,
    now: float,
    *,
    window: str = "6h",
    platform: str | None = None,
    state: str = "rising",
    limit: int = 50,
) -> list[dict[str, Any]]:
    since = int(now - WINDOWS.get(window, 6 * 3600))
    rows = store.events(since=since, platform=platform or None, state=state or None, limit=limit)
    out = []
    for r in rows:
        t = trend_row(r, config.tz)
        t["state_label"] = STATE_LABEL.get(r["state"] or "new", r["state"])
        t["last_seen_ago"] = ago(r["last_seen"], now)
        t["heat"] = r.get("heat")
        out.append(t)
    return out


def search(
    store: Store, config: Config, now: float, query: str, *, platform: str | None = None
) -> list[dict[str, Any]]:
    if not query.strip():
        return []
    rows = store.hotspots(search=query.strip(), platform=platform or None, limit=100)
    for r in rows:
        r["safe_url"] = safe_url(r["url"])
        r["last_seen_local"] = local(r["last_seen"], config.tz, "%Y-%m-%d %H:%M")
        r["last_seen_ago"] = ago(r["last_seen"], now)
    return rows
