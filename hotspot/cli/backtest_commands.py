"""``hotspot backtest``: replay archived hot lists live-style and measure the rising flag
(the learned detector beside the previous percentile rule), per platform. Reads files only;
never touches the database."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from hotspot.cli import Context, cli, error_line
from hotspot.cli.output import table, to_json
from hotspot.i18n import _, _l


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.0%}"


def _lead(d: dict) -> str:
    if d["lead_median_min"] is None:
        return "-"
    return f"{d['lead_median_min']:g} ({d['lead_p25_min']:g}–{d['lead_p75_min']:g})"


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--train-until",
    default=None,
    help=_l("First judged day (YYYY-MM-DD, local time); default: the second day of the data."),
)
@click.option("--poll", default="2m", show_default=True, help=_l("Poll interval to replay at."))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def backtest(obj: Context, files: tuple[Path, ...], train_until, poll: str, fmt: str) -> None:
    """Measure the rising flag on history: each day judged by a model trained on the days
    before it only (walk-forward), beside the previous rule."""
    from zoneinfo import ZoneInfo

    from hotspot.analysis import backtest as bt
    from hotspot.durations import parse_duration
    from hotspot.ingest.history import read_snapshots

    try:
        poll_s = int(parse_duration(poll))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--poll'") from None
    tz = ZoneInfo("Asia/Shanghai")
    start = None
    if train_until:
        try:
            start = datetime.fromisoformat(train_until).replace(tzinfo=tz)
        except ValueError:
            raise click.BadParameter(
                _("{value!r} is not a date like 2023-05-12").format(value=train_until),
                param_hint="'--train-until'",
            ) from None
    errors: list[str] = []
    snaps = bt.snaps_from_history(read_snapshots(files, errors))
    for e in errors[:20]:
        click.echo(_("warning: {message}").format(message=e), err=True)
    if not snaps:
        click.echo(error_line(_("no snapshots in the given files")), err=True)
        sys.exit(1)
    figures = bt.run(snaps, poll=poll_s, train_until=start, tz=tz)
    data = {p: f.as_dict() for p, f in sorted(figures.items())}
    if fmt == "json":
        click.echo(to_json(data))
        return
    rows = []
    for p, d in data.items():
        for rule in ("new", "old"):
            r = d[rule]
            rows.append(
                {
                    "platform": p if rule == "new" else "",
                    "rule": _("learned") if rule == "new" else _("percentile"),
                    "titles": d["titles"] if rule == "new" else "",
                    "reached": d["reached"] if rule == "new" else "",
                    "flagged": r["flagged"],
                    "hits": r["hits"],
                    "recall": _pct(r["recall"]),
                    "precision": _pct(r["precision"]),
                    "lead": _lead(r),
                }
            )
    click.echo(
        table(
            rows,
            [
                ("platform", _l("PLATFORM"), 9),
                ("rule", _l("RULE"), 10),
                ("titles", _l("TITLES"), 6),
                ("reached", _l("REACHED"), 7),
                ("flagged", _l("FLAGGED"), 7),
                ("hits", _l("HITS"), 5),
                ("recall", _l("RECALL"), 6),
                ("precision", _l("PRECISION"), 9),
                ("lead", _l("LEAD MIN median (p25–p75)"), 26),
            ],
        )
    )
    days = {p: f"{d['model_days']}/{d['days']}" for p, d in data.items()}
    used = ", ".join(
        _("{platform} {days} days").format(platform=p, days=v) for p, v in days.items()
    )
    click.echo(
        _(
            "titles: first seen outside the top 10 on a judged day; learned model used on "
            "{platforms} (the percentile rule stands in until a platform has enough history)"
        ).format(platforms=used)
    )
