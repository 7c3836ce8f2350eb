"""``hotspot deliveries``: what has not (or not certainly) reached people.

Pushes that are waiting (``pending``: queued, backing off, or held by ``max_per_hour`` or quiet
hours), given up (``failed``) or ``unconfirmed`` (sent but never answered, so never resent),
and digests that are pending, given up or not delivered to some recipients, each with its
last error. Read-only; safe while the daemon runs.
"""

from __future__ import annotations

import json

import click

from hotspot.cli import Context, cli
from hotspot.cli.output import iso, when
from hotspot.cli.read_commands import emit
from hotspot.i18n import _, _l


@cli.command("deliveries")
@click.option(
    "--all", "show_all", is_flag=True, help=_l("Also list pushes that are only waiting (pending).")
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help=_l("Output format."),
)
@click.pass_obj
def deliveries(obj: Context, show_all: bool, fmt: str) -> None:
    """Failed and unconfirmed pushes and undelivered digests, with their last error."""
    config = obj.config()
    tz = config.tz
    store = obj.store()
    rows = []
    for d in store.undelivered_digests():
        status = d["status"] if d["status"] != "sent" else "partly delivered"
        retry_to = json.loads(d["retry_to"]) if d.get("retry_to") else []
        rows.append(
            {
                "kind": "digest",
                "status": status,
                "notifier": "smtp",
                "account": d["account"],
                "what": f"digest {d['day']}"
                + (f" (retry: {', '.join(retry_to)})" if retry_to else ""),
                "attempts": d["attempts"],
                "next_attempt": iso(d.get("next_attempt"), tz),
                "error": d.get("error"),
                "_next": d.get("next_attempt"),
            }
        )
    for p in store.undelivered_pushes():
        if p["status"] == "pending" and not show_all and not p["error"]:
            continue  # only queued: not a failure
        rows.append(
            {
                "kind": "push",
                "status": p["status"],
                "notifier": p["notifier"],
                "account": p.get("account") or "-",
                "what": p.get("title") or f"alert {p['alert_id']}",
                "attempts": p["attempts"],
                "next_attempt": iso(p.get("next_attempt"), tz)
                if p["status"] == "pending"
                else None,
                "error": p.get("error"),
                "_next": p.get("next_attempt") if p["status"] == "pending" else None,
            }
        )
    if fmt == "table":
        if not rows:
            click.echo(_("nothing undelivered: every push and digest went out"))
            return
        for r in rows:
            r["next_attempt"] = when(r["_next"], tz)
    for r in rows:
        r.pop("_next")
    emit(
        rows,
        fmt,
        [
            ("kind", _l("KIND"), 6),
            ("status", _l("STATUS"), 16),
            ("notifier", _l("NOTIFIER"), 12),
            ("account", _l("ACCOUNT"), 10),
            ("what", _l("WHAT"), 30),
            ("attempts", _l("TRIES"), 5),
            ("next_attempt", _l("NEXT TRY"), 16),
            ("error", _l("LAST ERROR"), 60),
        ],
    )
