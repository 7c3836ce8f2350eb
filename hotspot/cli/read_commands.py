"""Read-only commands: alerts, hotspots, events, trends, sources status, db stats.

They open the database (WAL: safe while the daemon writes) and never import jieba or the
source plugins.
"""

from __future__ import annotations

import json
import time

import click

from hotspot import display, i18n
from hotspot.analysis.trends import sparkline
from hotspot.cli import MAX_LIMIT, ROW_ID, Context, cli, parse_since
from hotspot.cli.output import iso, table, to_csv, to_json, when
from hotspot.i18n import _, _l, ngettext
from hotspot.ingest.normalize import clean_text

FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help=_l("Output format."),
)


def emit(rows: list[dict], fmt: str, columns: list[tuple[str, str, int]]) -> None:
    if fmt == "json":
        click.echo(to_json(rows))
    elif fmt == "csv":
        click.echo(to_csv(rows), nl=False)
    else:
        click.echo(table(rows, columns))


def state_text(state: str | None) -> str:
    """An event state as a table or text shows it: Chinese in zh-CN (the workspace's labels);
    in English the value ``--state`` takes (JSON and CSV keep the value in both)."""
    if not state:
        return "-"
    if i18n.current() == "en":
        return state
    from hotspot.web.views import STATE_LABEL

    return _(STATE_LABEL.get(state, state))


def empty_reason(store, table_name: str, filtered: object) -> str:
    """Why a list came back empty: nothing stored yet, or the filters."""
    if not store.count(table_name):
        return _("nothing stored yet: run 'hotspot poll' (or 'hotspot run') first")
    if filtered:
        return _("nothing matches these filters (try a longer --since, or fewer filters)")
    return _("(none)")


@cli.group()
def alerts() -> None:
    """Query alerts: hotspots that matched an account's theme."""


def empty_alerts_reason(config, account: str | None, theme: str | None, since: str | None) -> str:
    """Why ``alerts list`` found nothing: a name that is not configured, or the filters."""
    known = [a.name for a in config.accounts]
    if account and account not in known:
        return _("no alerts for account {name!r} — known accounts: {known}").format(
            name=account, known=", ".join(known) or "-"
        )
    themes = sorted({t.name for a in config.accounts for t in a.themes})
    if theme and theme not in themes:
        return _("no alerts for theme {name!r} — known themes: {known}").format(
            name=theme, known=", ".join(themes) or "-"
        )
    if account or theme or since:
        return _("no alerts match these filters (try a longer --since, or fewer filters)")
    return _("no alerts yet: run 'hotspot poll' (or 'hotspot run') first")


@alerts.command("list")
@click.option("--account", help=_l("Only this account."))
@click.option("--theme", help=_l("Only this theme."))
@click.option("--since", help=_l("Only alerts newer than this, e.g. 24h, 7d."))
@click.option("--min-score", type=float, help=_l("Only alerts scoring at least this."))
@click.option("--limit", type=click.IntRange(1, MAX_LIMIT), default=50, show_default=True)
@click.option(
    "--all", "show_all", is_flag=True, help=_l("Also list alerts marked irrelevant by feedback.")
)
@FORMAT
@click.pass_obj
def alerts_list(obj: Context, account, theme, since, min_score, limit, show_all, fmt) -> None:
    """List alerts, newest first (alerts marked irrelevant are left out unless --all)."""
    store = obj.store()
    tz = obj.config().tz
    rows = store.alerts(
        account=account,
        theme=theme,
        since=parse_since(since),
        min_score=min_score,
        limit=limit,
        include_irrelevant=show_all,
    )
    # one row shape for the CLI, workspace and MCP; the 慎借势 mark as the digest sets it
    from hotspot.web.views import CATEGORY_LABEL, alert_row, mark_alerts

    mark_alerts(store, obj.config(), rows)
    out = [alert_row(r, tz) for r in rows]
    if not rows and fmt == "table":
        click.echo(empty_alerts_reason(obj.config(), account, theme, since))
        return
    if fmt == "table":
        now = time.time()
        for o, r in zip(out, rows):
            if s := o["sensitive"]:
                label = _(CATEGORY_LABEL[s["category"]]) if s["category"] in CATEGORY_LABEL else ""
                o["title"] = _("⚠ {label}: {title}").format(
                    label=label or s["label"], title=o["title"]
                )
            o["created"] = display.table_time(r["created_at"], tz, now)
            o["matched"] = ",".join(r["terms"][:4])
            o["where"] = ",".join(r["platforms"]) or r["platform"]
    emit(
        out,
        fmt,
        [
            ("id", _l("ID"), 7),
            ("created", _l("CREATED"), 16),
            ("account", _l("ACCOUNT"), 12),
            ("theme", _l("THEME"), 10),
            ("score", _l("SCORE"), 5),
            ("rank", _l("RANK"), 4),
            ("where", _l("WHERE"), 18),
            ("title", _l("TITLE"), 40),
            ("matched", _l("MATCHED"), 24),
        ],
    )


@alerts.command("show")
@click.argument("alert_id", type=ROW_ID)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def alerts_show(obj: Context, alert_id: int, fmt: str) -> None:
    """Everything about one alert: why it matched, and the item's rank/heat history."""
    store = obj.store()
    tz = obj.config().tz
    a = store.alert(alert_id)
    if a is None:
        raise click.ClickException(
            _("no alert with id {id}; see 'hotspot alerts list'").format(id=alert_id)
        )
    history = store.item_history(a["item_id"])
    appearances = store.event_items(a["event_id"])
    feedback = store.feedback_for_alert(alert_id)
    from hotspot.web.views import mark_alerts, mark_text, sensitive_field

    mark_alerts(store, obj.config(), [a])
    sensitive = sensitive_field(a.pop("sensitive", None))
    if fmt == "json":
        a["sensitive"] = sensitive
        a["feedback"] = [{**f, "at": iso(f["at"], tz)} for f in feedback]
        a["created_at"] = iso(a["created_at"], tz)
        a["history"] = [{**h, "observed_at": iso(h["observed_at"], tz)} for h in history]
        a["appearances"] = appearances
        click.echo(to_json(a))
        return
    e = a["explanation"]
    click.echo(
        _("alert {id}  {account} / {theme}  score {score} (threshold {threshold})").format(
            id=a["id"],
            account=a["account"],
            theme=a["theme"],
            score=f"{a['score']:.3f}",
            threshold=e.get("threshold"),
        )
    )
    click.echo(_("title:    {title}").format(title=clean_text(a["title"])))
    if sensitive:
        click.echo(
            _("{mark} (evidence: {terms})").format(
                mark=mark_text(sensitive, i18n.translations(i18n.current())),
                terms="、".join(clean_text(t) for t in sensitive["terms"]),
            )
        )
    click.echo(_("url:      {url}").format(url=a["url"] or "-"))
    click.echo(
        _("source:   {source} ({platform})  category: {category}").format(
            source=a["source"], platform=a["platform"], category=a["category"] or "-"
        )
    )
    click.echo(
        _("created:  {time} ({ago})   event {event} [{state}] on {platforms}").format(
            time=when(a["created_at"], tz),
            ago=display.ago(a["created_at"], time.time()),
            event=a["event_id"],
            state=state_text(a["state"]),
            platforms=", ".join(a["platforms"]),
        )
    )
    click.echo(_("why:"))
    for ev in e.get("evidence", []):
        click.echo(
            _("  {weight}  {term}  via {via} in {field}").format(
                weight=f"{ev['weight']:.2f}",
                term=clean_text(ev["term"]),
                via=ev["via"],
                field=ev["field"],
            )
        )
    if e.get("damped_by"):
        click.echo(_("  damped: stronger evidence for {theme}").format(theme=e["damped_by"]))
    if feedback:
        click.echo(_("feedback:"))
        for fb in feedback:
            about = _(" (term {term})").format(term=clean_text(fb["term"])) if fb["term"] else ""
            click.echo(
                _("  {time}  {verdict}{about} via {origin}").format(
                    time=when(fb["at"], tz), verdict=fb["verdict"], about=about, origin=fb["origin"]
                )
            )
    if len(appearances) > 1:
        click.echo(_("appearances:"))
        for it in appearances:
            click.echo(
                f"  {it['platform']:<10} "
                + _("best #{rank}").format(rank=it["best_rank"] or "-")
                + f"  {clean_text(it['title'])}"
            )
    click.echo(
        ngettext(
            "history ({n} sighting): {spark}", "history ({n} sightings): {spark}", len(history)
        ).format(n=len(history), spark=sparkline([h["rank"] for h in history], invert=True))
    )
    for h in history[-12:]:
        click.echo(
            _("  {time}  rank {rank}  heat {heat}").format(
                time=when(h["observed_at"], tz),
                rank=h["rank"] or "-",
                heat=display.heat(h["heat"]) or "-",
            )
        )


@cli.group()
def hotspots() -> None:
    """Query what the sources returned, matched or not."""


@hotspots.command("list")
@click.option("--source", help=_l("Only this source instance."))
@click.option("--platform", help=_l("Only this platform."))
@click.option("--since", help=_l("Seen within this long, e.g. 2h."))
@click.option("--search", help=_l("Titles containing this text."))
@click.option("--limit", type=click.IntRange(1, MAX_LIMIT), default=50, show_default=True)
@FORMAT
@click.pass_obj
def hotspots_list(obj: Context, source, platform, since, search, limit, fmt) -> None:
    """List stored hotspots, most recently seen first."""
    tz = obj.config().tz
    store = obj.store()
    rows = store.hotspots(
        source=source, platform=platform, since=parse_since(since), search=search, limit=limit
    )
    if not rows and fmt == "table":
        click.echo(empty_reason(store, "items", source or platform or since or search))
        return
    now = time.time()
    for r in rows:
        if fmt == "table":
            r["seen"] = display.table_time(r["last_seen"], tz, now)
            r["heat"] = display.heat(r["last_heat"])
        r["first_seen"], r["last_seen"] = iso(r["first_seen"], tz), iso(r["last_seen"], tz)
        r["pinned"], r["is_ad"] = bool(r["pinned"]), bool(r["is_ad"])
    emit(
        rows,
        fmt,
        [
            ("seen", _l("LAST SEEN"), 16),
            ("platform", _l("PLATFORM"), 10),
            ("last_rank", _l("RANK"), 4),
            ("best_rank", _l("BEST"), 4),
            ("heat", _l("HEAT"), 10),
            ("category", _l("TAG"), 4),
            ("title", _l("TITLE"), 50),
        ],
    )


@cli.group()
def events() -> None:
    """Stories grouped across platforms."""


@events.command("list")
@click.option("--since", help=_l("Seen within this long, e.g. 24h."))
@click.option("--platform", help=_l("Only events that appeared on this platform."))
@click.option("--search", help=_l("Events with an appearance containing this text."))
@click.option("--multi", is_flag=True, help=_l("Only events on two or more platforms."))
@click.option("--limit", type=click.IntRange(1, MAX_LIMIT), default=50, show_default=True)
@FORMAT
@click.pass_obj
def events_list(obj: Context, since, platform, search, multi, limit, fmt) -> None:
    """List events, most recently seen first."""
    tz = obj.config().tz
    store = obj.store()
    rows = store.events(
        since=parse_since(since), platform=platform, search=search, multi=multi, limit=limit
    )
    if not rows and fmt == "table":
        click.echo(empty_reason(store, "events", since or platform or search or multi))
        return
    out = []
    now = time.time()
    for r in rows:
        trend = json.loads(r["trend"]) if r.get("trend") else {}
        out.append(
            {
                "id": r["id"],
                "title": r["title"],
                "platforms": r["platforms"].split(","),
                "items": r["items"],
                "best_rank": r["best_rank"],
                "heat": r["heat"],
                "state": r["state"],
                "rising_at": iso(r["rising_at"], tz) if r.get("rising_at") else None,
                "rising_chance": r.get("rising_chance"),
                "rising_chance_top3": r.get("rising_chance_top3"),
                "rising_eta_min": r.get("rising_eta"),
                "rising_why": r.get("rising_why"),
                "follow_up_at": iso(r["follow_up_at"], tz) if r.get("follow_up_at") else None,
                "follow_up_why": r.get("follow_up_why"),
                "first_seen": iso(r["first_seen"], tz),
                "last_seen": iso(r["last_seen"], tz),
                "trend": sparkline(trend.get("ranks", []), invert=True),
            }
        )
        if fmt == "table":
            out[-1]["seen"] = display.table_time(r["last_seen"], tz, now)
            out[-1]["heat"] = display.heat(r["heat"])
            out[-1]["state"] = state_text(r["state"])
    emit(
        out,
        fmt,
        [
            ("id", _l("ID"), 7),
            ("seen", _l("LAST SEEN"), 16),
            ("state", _l("STATE"), 7),
            ("best_rank", _l("BEST"), 4),
            ("heat", _l("HEAT"), 10),
            ("platforms", _l("PLATFORMS"), 24),
            ("trend", _l("TREND"), 16),
            ("title", _l("TITLE"), 46),
        ],
    )


@events.command("show")
@click.argument("event_id", type=ROW_ID)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def events_show(obj: Context, event_id: int, fmt: str) -> None:
    """Every appearance of one event, per platform, with its trajectory."""
    store = obj.store()
    tz = obj.config().tz
    e = store.event(event_id)
    if e is None:
        raise click.ClickException(
            _("no event with id {id}; see 'hotspot events list'").format(id=event_id)
        )
    items = store.event_items(event_id)
    obs = store.event_observations(event_id)
    if fmt == "json":
        e["trend"] = json.loads(e["trend"]) if e.get("trend") else None
        e["appearances"] = items
        e["observations"] = obs
        click.echo(to_json(e))
        return
    click.echo(
        _("event {id} [{state}]  {title}").format(
            id=e["id"], state=state_text(e["state"]), title=clean_text(e["title"])
        )
    )
    click.echo(
        _("first seen {first}, last seen {last}; best rank {rank}; platforms {platforms}").format(
            first=when(e["first_seen"], tz),
            last=when(e["last_seen"], tz),
            rank=e["best_rank"] or "-",
            platforms=e["platforms"],
        )
    )
    for it in items:
        click.echo(
            f"  {it['platform']:<10} "
            + _("best #{rank}").format(rank=it["best_rank"] or "-")
            + f"  {clean_text(it['title'])}"
        )
    by_platform: dict[str, list] = {}
    for o in obs:
        by_platform.setdefault(o["platform"], []).append(o)
    for platform, series in by_platform.items():
        click.echo(
            f"  {platform:<10} {sparkline([o['rank'] for o in series], invert=True)}  "
            + ngettext(
                "({n} sighting, {first} → {last})", "({n} sightings, {first} → {last})", len(series)
            ).format(
                n=len(series),
                first=when(series[0]["observed_at"], tz),
                last=when(series[-1]["observed_at"], tz),
            )
        )


@cli.command()
@click.option("--platform", help=_l("Only events on this platform."))
@click.option(
    "--state",
    type=click.Choice(["new", "rising", "peaking", "fading", "gone"]),
    help=_l("Only events in this state."),
)
@click.option("--since", default="24h", show_default=True)
@click.option("--limit", type=click.IntRange(1, MAX_LIMIT), default=30, show_default=True)
@FORMAT
@click.pass_obj
def trends(obj: Context, platform, state, since, limit, fmt) -> None:
    """What is moving now, with a sparkline of each trajectory."""
    tz = obj.config().tz
    store = obj.store()
    rows = store.events(since=parse_since(since), platform=platform, state=state, limit=limit)
    if not rows and fmt == "table":
        if store.count("events") and not (platform or state):
            click.echo(
                _("nothing moved within --since {since}; try a longer --since, e.g. 7d").format(
                    since=since
                )
            )
        else:
            click.echo(empty_reason(store, "events", platform or state or since != "24h"))
        return
    out = []
    now = time.time()
    for r in rows:
        t = json.loads(r["trend"]) if r.get("trend") else {}
        out.append(
            {
                "id": r["id"],
                "state": r["state"],
                "chance": _chance(r),
                "rising_chance": r.get("rising_chance"),
                "rising_eta_min": r.get("rising_eta"),
                "why": r.get("rising_why"),
                "follow_up": r.get("follow_up_why"),
                "velocity": t.get("velocity"),
                "best_rank": r["best_rank"],
                "platforms": r["platforms"].split(","),
                "trend": sparkline(t.get("ranks", []), invert=True),
                "title": r["title"],
                "last_seen": iso(r["last_seen"], tz),
            }
        )
        if fmt == "table":
            out[-1]["seen"] = display.table_time(r["last_seen"], tz, now)
            out[-1]["state"] = state_text(r["state"])
    emit(
        out,
        fmt,
        [
            ("id", _l("ID"), 7),
            ("seen", _l("LAST SEEN"), 16),
            ("state", _l("STATE"), 7),
            ("chance", _l("TOP10 CHANCE"), 16),
            ("velocity", _l("RANKS/H"), 7),
            ("best_rank", _l("BEST"), 4),
            ("trend", _l("TREND"), 16),
            ("platforms", _l("PLATFORMS"), 20),
            ("title", _l("TITLE"), 44),
        ],
    )


def _chance(r: dict) -> str:
    """ "78% ≤20分钟" for the table: the detector's chance of the top 10 and the expected time."""
    chance = r.get("rising_chance")
    if chance is None:
        return ""
    eta = r.get("rising_eta")
    pct = f"{chance:.0%}"
    return _("{chance} ≤{minutes} min").format(chance=pct, minutes=eta) if eta else pct


HEALTH = {
    "ok": _l("ok"),
    "failing": _l("failing"),
    "down": _l("down"),
    "disabled": _l("disabled"),
    "never polled": _l("never polled"),
}


@cli.group()
def sources() -> None:
    """Source plugins and the health of configured sources."""


@sources.command("status")
@FORMAT
@click.pass_obj
def sources_status(obj: Context, fmt: str) -> None:
    """Health of each configured source: last success, last error, backoff, next poll."""
    config = obj.config()
    tz = config.tz
    from hotspot.planning.benchmarks import benchmark_sources

    sources = [*config.sources, *(b[0] for b in benchmark_sources(config))]
    rows = obj.store().source_status(sources)
    now = time.time()
    for r in rows:
        r["backoff_until"] = iso(r["backoff_until"], tz)
        if fmt == "table":  # a table shows how long ago / how soon, json/csv ISO local times
            r["health"] = _(HEALTH.get(r["health"], r["health"]))
            r["last_success"] = display.table_time(r["last_success"], tz, now)
            due = r["next_poll"] is not None and r["next_poll"] <= now
            r["next_poll"] = _("due now") if due else display.table_time(r["next_poll"], tz, now)
        else:
            r["last_success"], r["next_poll"] = iso(r["last_success"], tz), iso(r["next_poll"], tz)
    emit(
        rows,
        fmt,
        [
            ("source", _l("SOURCE"), 14),
            ("type", _l("TYPE"), 8),
            ("health", _l("HEALTH"), 12),
            ("last_success", _l("LAST SUCCESS"), 16),
            ("failures", _l("FAILS"), 5),
            ("next_poll", _l("NEXT POLL"), 16),
            ("last_error", _l("LAST ERROR"), 60),
        ],
    )


@cli.group()
def db() -> None:
    """Database maintenance."""


@db.command("stats")
@click.pass_obj
def db_stats(obj: Context) -> None:
    """Row counts and file sizes."""
    import os

    store = obj.store()
    path = obj.config().database
    click.echo(_("database: {path}").format(path=path))
    for table_name in (
        "items",
        "observations",
        "events",
        "alerts",
        "polls",
        "digests",
        "deliveries",
        "learned_terms",
    ):
        click.echo(
            f"  {table_name:<14} " + _("{n} rows").format(n=f"{store.count(table_name):>12,}")
        )
    for suffix in ("", "-wal"):
        p = f"{path}{suffix}"
        if os.path.exists(p):
            click.echo(f"  {os.path.basename(p):<14} {os.path.getsize(p) / 1e6:>12.1f} MB")
