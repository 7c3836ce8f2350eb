"""The planning desk on the command line: calendar, angles, benchmarks."""

from __future__ import annotations

import datetime as dt

import click

from hotspot.cli import Context, cli
from hotspot.cli.output import table, to_csv, to_json
from hotspot.errors import InputError
from hotspot.i18n import _, _l

FORMATS = click.Choice(["table", "json", "csv"])


def _today(obj: Context, value: str | None) -> dt.date:
    if value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise click.BadParameter(
                _("expected YYYY-MM-DD, got {value!r}").format(value=value), param_hint="'--today'"
            ) from None
    return dt.datetime.now(obj.config().tz).date()


def _account(obj: Context, name: str | None):
    config = obj.config()
    if name is None:
        return config.accounts[0] if len(config.accounts) == 1 else None
    account = config.account(name)
    if account is None:
        raise InputError(
            _("no account named {name!r} in {path}; see [[accounts]] there").format(
                name=name, path=config.path
            )
        )
    return account


def _emit(rows: list[dict], fmt: str, columns: list[tuple[str, str, int]]) -> None:
    if fmt == "json":
        click.echo(to_json(rows))
    elif fmt == "csv":
        click.echo(to_csv(rows), nl=False)
    else:
        click.echo(table(rows, columns))


@cli.command("calendar")
@click.option("--account", default=None, help=_l("This account's nodes and lead time."))
@click.option("--days", type=click.IntRange(1, 800), default=30, show_default=True)
@click.option("--format", "fmt", type=FORMATS, default="table")
@click.option("--today", default=None, hidden=True, help=_l("Pretend today is YYYY-MM-DD."))
@click.pass_obj
def calendar_cmd(obj: Context, account: str | None, days: int, fmt: str, today: str | None) -> None:
    """The coming calendar nodes (festivals, solar terms, shopping days, your own)."""
    from hotspot.planning.calendar import as_row, load_nodes, upcoming

    config = obj.config()
    acc = _account(obj, account)
    lead = acc.calendar_lead if acc else 7 * 86400.0
    day = _today(obj, today)
    nodes = load_nodes(config.calendar, acc.name if acc else None)
    rows = [as_row(o, day, lead) for o in upcoming(nodes, day, days)]
    for r in rows:
        r["lead"] = _("coming up") if r["in_lead"] else ""
    _emit(
        rows,
        fmt,
        [
            ("date", _l("DATE"), 10),
            ("name", _l("NODE"), 14),
            ("in_days", _l("IN DAYS"), 4),
            ("heat", _l("HEAT"), 4),
            ("lead", _l("LEAD TIME"), 8),
            ("verticals", _l("VERTICALS"), 30),
            ("angles", _l("ANGLE HINTS"), 30),
            ("note", _l("NOTE"), 40),
        ],
    )


def _accounts(obj: Context, name: str | None):
    config = obj.config()
    if name is not None:
        return [_account(obj, name)]
    return list(config.accounts)


@cli.command("benchmarks")
@click.option("--account", default=None, help=_l("Only this account's benchmarks."))
@click.option("--since", default="7d", show_default=True, help=_l("How far back, e.g. 24h, 7d."))
@click.option("--format", "fmt", type=FORMATS, default="table")
@click.option("--now", "now_opt", type=float, default=None, hidden=True, help=_l("Unix time."))
@click.pass_obj
def benchmarks_cmd(
    obj: Context, account: str | None, since: str, fmt: str, now_opt: float | None
) -> None:
    """What the benchmark accounts (对标账号) posted, which hotspots they chased and how
    fast, and the matching hotspots none of them covered."""
    import time

    from hotspot.durations import parse_duration
    from hotspot.planning.benchmarks import summarise

    try:
        span = parse_duration(since)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--since'") from None
    until = int(now_opt if now_opt is not None else time.time())
    start = int(until - span)
    store = obj.store()
    out = []
    for acc in _accounts(obj, account):
        if not acc.benchmarks:
            continue
        posts = store.benchmark_posts(acc.name, start, until)
        alerts = store.alerts_between(acc.name, start, until)
        s = summarise([b.name for b in acc.benchmarks], posts, alerts, start, until)
        out.append({"account": acc.name, **s})
    if fmt == "json":
        click.echo(to_json(out))
        return
    rows = [
        {
            "account": o["account"],
            "benchmark": b["benchmark"],
            "posts": b["posts"],
            "posts_per_day": b["posts_per_day"],
            "hotspot_share": b["hotspot_share"],
            "median_delay_hours": b["median_delay_hours"],
            "chased": [c["text"] for c in b["chased"]],
        }
        for o in out
        for b in o["benchmarks"]
    ]
    if fmt == "csv":
        click.echo(to_csv(rows), nl=False)
        return
    click.echo(
        table(
            rows,
            [
                ("account", _l("ACCOUNT"), 12),
                ("benchmark", _l("BENCHMARK"), 16),
                ("posts", _l("POSTS"), 4),
                ("posts_per_day", _l("PER DAY"), 5),
                ("hotspot_share", _l("HOTSPOT SHARE"), 10),
                ("median_delay_hours", _l("MEDIAN DELAY (H)"), 14),
            ],
        )
    )
    for o in out:
        for b in o["benchmarks"]:
            for c in b["chased"]:
                click.echo(
                    _("  {benchmark}: {text} ({post})").format(
                        benchmark=b["benchmark"], text=c["text"], post=c["post"]
                    )
                )
        if o["openings"]:
            click.echo(
                _("{account}: hotspots none of the benchmark accounts covered").format(
                    account=o["account"]
                )
            )
            for op in o["openings"][:10]:
                click.echo(f"  - [{op['theme']}] {op['title']}")


@cli.command("angles")
@click.argument("alert_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option("--today", default=None, hidden=True, help=_l("Pretend today is YYYY-MM-DD."))
@click.pass_obj
def angles_cmd(obj: Context, alert_id: int, fmt: str, today: str | None) -> None:
    """Content angles (九宫格) for one alert: its story × the account's audience, pillars,
    its vertical's templates and the calendar nodes inside the lead time."""
    from hotspot.planning.calendar import load_nodes, upcoming, within_lead
    from hotspot.planning.desk import angles_for, mark_sensitive

    config = obj.config()
    row = obj.store().alert(alert_id)
    if row is None:
        raise InputError(
            _("no alert with id {alert_id}; see hotspot alerts").format(alert_id=alert_id)
        )
    acc = config.account(row["account"])
    day = _today(obj, today)
    lead = acc.calendar_lead if acc else 7 * 86400.0
    nodes = [
        (o.name, o.node.angles)
        for o in upcoming(load_nodes(config.calendar, row["account"]), day, 60)
        if within_lead(o, day, lead) and o.node.heat >= 3
    ]
    marked = [dict(row)]  # with the history's learned terms and the event's other titles
    mark_sensitive(marked, config.accounts, store=obj.store())
    sensitive = marked[0]["sensitive"]
    # the desk never proposes how to ride a sensitive story
    angles = [] if sensitive else angles_for(row, acc, nodes)
    if fmt == "json":
        click.echo(
            to_json(
                {
                    "alert_id": alert_id,
                    "title": row["title"],
                    "sensitive": sensitive,
                    "angles": [a.as_dict() for a in angles],
                }
            )
        )
        return
    click.echo(f"#{alert_id} [{row['theme']}] {row['title']}")
    if sensitive:
        click.echo(
            _("{mark} ({terms}): not a story to ride for marketing").format(
                mark=sensitive["mark"], terms="、".join(sensitive["terms"])
            )
        )
    elif not angles:
        click.echo(_("angle: (nothing to combine: give the account audience / pillars)"))
    for a in angles:
        click.echo(_("angle: {text}  ← {source}").format(text=a.text, source=a.source))
