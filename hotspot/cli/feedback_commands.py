"""``hotspot alerts mark``: record an operator's judgement on an alert.

The same records the web workspace and the MCP server write (``Store.record_feedback``). A
short write: it needs no writer lock (SQLite's own locking and busy timeout serialise it with
the daemon's poll transactions) and never loads jieba.
"""

from __future__ import annotations

import click

from hotspot.cli import ROW_ID, Context, say
from hotspot.cli.output import to_json
from hotspot.cli.read_commands import alerts
from hotspot.errors import InputError
from hotspot.i18n import _, _l
from hotspot.storage.store_feedback import VERDICTS
from hotspot.web.views import VERDICT_LABEL


@alerts.command("mark")
@click.argument("alert_id", type=ROW_ID)
@click.argument("verdict", type=click.Choice(VERDICTS))
@click.option("--term", help=_l("The evidence term the judgement is about (e.g. a wrong word)."))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def alerts_mark(obj: Context, alert_id: int, verdict: str, term: str | None, fmt: str) -> None:
    """Mark an alert useful, irrelevant or chased (written about); every mark is kept."""
    store = obj.write_store()
    try:
        with store.transaction():
            row = store.record_feedback(alert_id, verdict, term=term, origin="cli")
    except InputError as exc:
        raise click.ClickException(str(exc)) from None
    if fmt == "json":
        click.echo(to_json(row))
        return
    about = _(" (term {term})").format(term=term) if term else ""
    say(
        _("alert {id} ({account} / {theme}) marked {verdict}{about}").format(
            id=alert_id,
            account=row["account"],
            theme=row["theme"],
            verdict=_(VERDICT_LABEL.get(verdict, verdict)),
            about=about,
        )
    )
