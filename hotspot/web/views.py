"""What each workspace page shows, as plain data: built from ``Store`` reads, no HTTP here.

The row shapes (``alert_row``, ``event_row``, ``trend_row``, ``hotspot_row``, ``source_rows``)
carry the same fields as the CLI's ``--format json`` output, so the CSV export, the MCP server
and ``hotspot ... --format json`` agree. The today page ranks alerts as the daily digest does
(``hotspot.delivery.digest.weight``: score × (1 + log10 heat); themes ordered by their best
alert). Times are shown in the configured timezone, ages relative to the injected ``now``.
Shown text (state and verdict names, "18 minutes ago") is in the language of the
translations ``t`` the app passes (``hotspot.i18n.translations``); English when none is given.
"""

from __future__ import annotations

import datetime as dt
import gettext
import json
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from hotspot.config import Config
from hotspot.display import relative
from hotspot.i18n import _l, language_of
from hotspot.storage.store import Store

WINDOWS = {"1h": 3600, "6h": 6 * 3600, "24h": 86400, "3d": 3 * 86400, "7d": 7 * 86400}
# Labels are English msgids (``_l``); pages translate them with the workspace's language.
WINDOW_LABEL = {
    "1h": _l("1 hour"),
    "6h": _l("6 hours"),
    "24h": _l("24 hours"),
    "3d": _l("3 days"),
    "7d": _l("7 days"),
}
STATES = ("new", "rising", "peaking", "fading", "gone")
TODAY_LIMIT = 200  # newest alerts read for one page; the page says when there were more
STATE_LABEL = {
    "new": _l("new"),
    "rising": _l("rising"),
    "peaking": _l("peaking"),
    "fading": _l("fading"),
    "gone": _l("off the list"),
}
#: the sensitivity gate's categories as shown (zh-CN: the lexicon's labels, 灾害事故 …)
CATEGORY_LABEL = {
    "disaster": _l("disaster or accident"),
    "death": _l("death or casualties"),
    "crime": _l("crime"),
    "health_scare": _l("health scare"),
    "politics": _l("politics"),
    "military_conflict": _l("military conflict"),
    "social_conflict": _l("social conflict"),
}
VERDICT_LABEL = {"useful": _l("useful"), "irrelevant": _l("irrelevant"), "chased": _l("chased")}
EN = gettext.NullTranslations()  # what a page speaks when no language is given


def state_label(state: str | None, t: gettext.NullTranslations = EN) -> str:
    """The shown name of an event state (new, rising, ...) in ``t``'s language."""
    key = state or "new"
    return t.gettext(STATE_LABEL[key]) if key in STATE_LABEL else key


def iso(ts: int | None, tz: ZoneInfo) -> str | None:
    return dt.datetime.fromtimestamp(ts, tz).isoformat() if ts else None


def local(ts: int | None, tz: ZoneInfo, pattern: str = "%m-%d %H:%M") -> str:
    return dt.datetime.fromtimestamp(ts, tz).strftime(pattern) if ts else "-"


def ago(ts: int | None, now: float, t: gettext.NullTranslations = EN) -> str:
    """ "18 minutes ago" (zh-CN "18分钟前") in the page's language, as the CLI's tables say it
    (``display.relative``); "just now" under a minute."""
    return relative(ts, now, language_of(t))


def safe_url(url: str | None) -> str | None:
    """Only http(s) URLs become links (a ``javascript:`` URL from a feed stays text)."""
    if not url or not isinstance(url, str):
        return None
    return url if url.strip().lower().startswith(("http://", "https://")) else None


# -- the sensitivity mark (慎借势) -------------------------------------------------------------
def mark_alerts(store: Store, config: Config, rows: Sequence[dict[str, Any]]) -> None:
    """Set ``row["sensitive"]`` on alert rows as the digest and pushes do
    (``planning.desk.mark_sensitive``: each account's ``sensitivity`` mode, the store's learned
    terms and word model, the event's other titles). Needs no jieba."""
    from hotspot.planning.desk import mark_sensitive

    mark_sensitive(rows, config.accounts, store=store)


def sensitive_field(verdict: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The ``sensitive`` field of the JSON rows: ``{category, label, terms}`` or null. The
    label is the lexicon's (灾害事故), the same in every language, as in the digest."""
    if not verdict:
        return None
    return {
        "category": verdict["category"],
        "label": verdict["label"],
        "terms": list(verdict["terms"]),
    }


def mark_text(verdict: Mapping[str, Any] | None, t: gettext.NullTranslations = EN) -> str:
    """ "⚠ 慎借势：灾害事故" (en "⚠ Handle with care: disaster or accident"); "" when not
    sensitive."""
    if not verdict:
        return ""
    cat = verdict.get("category")
    label = t.gettext(CATEGORY_LABEL[cat]) if cat in CATEGORY_LABEL else verdict.get("label")
    return t.gettext("⚠ Handle with care: {label}").format(label=label)


# -- the shapes shared with --format json and MCP -------------------------------------------
def alert_row(r: Mapping[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """The fields of ``hotspot alerts list --format json``; ``sensitive`` is read from the
    row's mark (``mark_alerts``), null when the row was not marked or is not sensitive."""
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
        "sensitive": sensitive_field(r.get("sensitive")),
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
    """The fields of ``hotspot sources status --format json`` (``Store.source_status``,
    times in local ISO), plus the raw ``_last_success`` / ``_next_poll`` for the page."""
    from hotspot.planning.benchmarks import benchmark_sources

    tz = config.tz
    sources = [*config.sources, *(b[0] for b in benchmark_sources(config))]
    rows = store.source_status(sources)
    for r in rows:
        r["_last_success"], r["_next_poll"] = r["last_success"], r["next_poll"]
        for key in ("last_success", "backoff_until", "next_poll"):
            r[key] = iso(r[key], tz)
    return rows


def alerts_of_event(store: Store, event_id: int) -> list[dict[str, Any]]:
    ids = store.alert_ids_of_event(event_id)
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
    t: gettext.NullTranslations = EN,
) -> dict[str, Any]:
    """Alerts of one account (or all) in the window, irrelevant ones left out, grouped by
    theme and ranked as in the digest."""
    from hotspot.delivery.digest import weight  # brings jinja2: not at import (alerts list)

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
    mark_alerts(store, config, rows)
    firsts = _event_first_seen(store, [r["event_id"] for r in rows])
    entries: list[dict[str, Any]] = []
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
                "state_label": state_label(r["state"], t),
                "first_seen_ago": ago(first, now, t),
                "first_seen": local(first, config.tz),
                "url": safe_url(r["url"]),
                "mark": mark_text(r.get("sensitive"), t),
                "angles": [],
            }
        )
    for e in _top(entries):
        e["angles"] = alert_angles(config, e["row"], now)
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


def _top(entries: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The top alerts as the digest picks them for angles: by weight, one per event, never a
    sensitive one, ``digest.TOP_EVENTS`` of them."""
    from hotspot.delivery.digest import TOP_EVENTS

    out: list[dict[str, Any]] = []
    events: set[Any] = set()
    for e in sorted(entries, key=_rank_key):
        r = e["row"]
        key = r.get("event_id") or ("a", r["id"])
        if r.get("sensitive") or key in events:
            continue
        events.add(key)
        out.append(e)
        if len(out) == TOP_EVENTS:
            break
    return out


def alert_angles(config: Config, row: Mapping[str, Any], now: float) -> list[dict[str, Any]]:
    """The content angles (九宫格) the digest shows for one alert row (with ``explanation``
    and ``event_terms``, as ``Store.alerts`` reads it): its story × the account's audience
    and pillars, its vertical's templates and the hot calendar nodes inside the account's
    lead time. None for a sensitive alert (marked by ``mark_alerts``)."""
    if row.get("sensitive"):
        return []
    from hotspot.delivery.planning_sections import ANGLE_NODE_HEAT, CALENDAR_HORIZON
    from hotspot.planning.calendar import load_nodes, upcoming, within_lead
    from hotspot.planning.desk import angles_for

    account = config.account(row["account"])
    lead = account.calendar_lead if account else 7 * 86400.0
    day = dt.datetime.fromtimestamp(now, config.tz).date()
    nodes = [
        (o.name, o.node.angles)
        for o in upcoming(load_nodes(config.calendar, row["account"]), day, CALENDAR_HORIZON)
        if within_lead(o, day, lead) and o.node.heat >= ANGLE_NODE_HEAT
    ]
    return [a.as_dict() for a in angles_for(row, account, nodes)]


def _event_first_seen(store: Store, event_ids: Sequence[int | None]) -> dict[int, int]:
    return store.events_first_seen([i for i in event_ids if i is not None])


def event_page(
    store: Store,
    config: Config,
    event_id: int,
    now: float,
    t: gettext.NullTranslations = EN,
) -> dict[str, Any] | None:
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
            "ago": ago(it["first_seen"], now, t),
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
    mark_alerts(store, config, alerts)
    for a in alerts:
        a["mark"] = mark_text(a.get("sensitive"), t)
        a["angles"] = alert_angles(config, a, now)
    return {
        "event": e,
        "state_label": state_label(e.get("state"), t),
        "first_rows": first_rows,
        "appearances": appearances,
        "alerts": alerts,
        "observations": e["observations"],
        "first_seen": local(e["first_seen"], tz, "%Y-%m-%d %H:%M"),
        "first_seen_ago": ago(e["first_seen"], now, t),
        "last_seen_ago": ago(e["last_seen"], now, t),
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
    t: gettext.NullTranslations = EN,
) -> list[dict[str, Any]]:
    since = int(now - WINDOWS.get(window, 6 * 3600))
    rows = store.events(since=since, platform=platform or None, state=state or None, limit=limit)
    out = []
    for r in rows:
        row = trend_row(r, config.tz)
        row["state_label"] = state_label(r["state"], t)
        row["last_seen_ago"] = ago(r["last_seen"], now, t)
        row["heat"] = r.get("heat")
        out.append(row)
    return out


def search(
    store: Store,
    config: Config,
    now: float,
    query: str,
    *,
    platform: str | None = None,
    t: gettext.NullTranslations = EN,
) -> list[dict[str, Any]]:
    if not query.strip():
        return []
    rows = store.hotspots(search=query.strip(), platform=platform or None, limit=100)
    _mark_hotspots(store, config, rows)
    for r in rows:
        r["mark"] = mark_text(r["sensitive"], t)
        r["safe_url"] = safe_url(r["url"])
        r["last_seen_local"] = local(r["last_seen"], config.tz, "%Y-%m-%d %H:%M")
        r["last_seen_ago"] = ago(r["last_seen"], now, t)
    return rows


def _mark_hotspots(store: Store, config: Config, rows: Sequence[dict[str, Any]]) -> None:
    """A hotspot belongs to no account: marked by the ``normal`` mode, ``strict`` when every
    account asks for it, never when every account has the gate ``off``."""
    from hotspot.planning.desk import classifier_for, verdict_dict

    modes = {a.sensitivity for a in config.accounts} or {"normal"}
    mode = "strict" if modes == {"strict"} else "off" if modes == {"off"} else "normal"
    classifier = classifier_for(store) if mode != "off" else None
    for r in rows:
        r["sensitive"] = verdict_dict(r, mode, classifier) if classifier else None
