"""The planning desk on the command line: calendar, angles, benchmarks."""

from __future__ import annotations

import datetime as dt

import click

from hotspot.cli import Context, cli
from hotspot.cli.output import table, to_csv, to_json
from hotspot.errors import InputError

FORMATS = click.Choice(["table", "json", "csv"])


def _today(obj: Context, value: str | None) -> dt.date:
    if value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}", "--today") from None
    return dt.datetime.now(obj.config().tz).date()


def _account(obj: Context, name: str | None):
    config = obj.config()
    if name is None:
        return config.accounts[0] if len(config.accounts) == 1 else None
    account = config.account(name)
    if account is None:
        raise InputError(f"no account named {name!r} in {config.path}; see [[accounts]] there")
    return account


def _emit(rows: list[dict], fmt: str, columns: list[tuple[str, str, int]]) -> None:
    if fmt == "json":
        click.echo(to_json(rows))
    elif fmt == "csv":
        click.echo(to_csv(rows), nl=False)
    else:
        click.echo(table(rows, columns))


@cli.command("calendar")
@click.option("--account", default=None, help="This account's nodes and lead time.")
@click.option("--days", type=click.IntRange(1, 800), default=30, show_default=True)
@click.option("--format", "fmt", type=FORMATS, default="table")
@click.option("--today", default=None, hidden=True, help="Pretend today is YYYY-MM-DD.")
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
        r["lead"] = "即将到来" if r["in_lead"] else ""
    _emit(
        rows,
        fmt,
        [
            ("date", "日期", 10),
            ("name", "节点", 14),
            ("in_days", "天后", 4),
            ("heat", "热度", 4),
            ("lead", "提前期", 8),
            ("verticals", "相关领域", 30),
            ("angles", "角度提示", 30),
            ("note", "说明", 40),
        ],
    )
