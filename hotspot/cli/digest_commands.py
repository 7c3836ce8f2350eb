"""``hotspot digest preview`` (render, never send) and ``hotspot digest send`` (send now).

A digest's day is a local date (``[hotspot] timezone``); its period ends at that day's
``digest_at`` and starts where the previous sent digest ended (else 24 h before). Without
``--date`` the day is the one of the ``digest_at`` that passed most recently, the same rule the
daemon uses. Neither command imports jieba.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import click

from hotspot.cli import Context, cli, say
from hotspot.i18n import _, _l

SEND_STATUS = {
    "sent": _l("{account} {day}: sent"),
    "skipped": _l(
        "{account} {day}: skipped (already sent or waiting for a retry; --force sends again)"
    ),
    "failed": _l("{account} {day}: failed (left pending; see the log line above)"),
    "empty": _l("{account} {day}: empty (nothing matched and digest_empty = false)"),
}


@cli.group()
def digest() -> None:
    """Preview or send the daily digest email of an account."""


def _accounts(config, name: str | None):
    if name:
        acc = config.account(name)
        if acc is None:
            raise click.BadParameter(
                _("no account named {name!r} in {path}; known accounts: {known}").format(
                    name=name,
                    path=config.path,
                    known=", ".join(a.name for a in config.accounts) or "-",
                ),
                param_hint="--account",
            )
        return [acc]
    return [a for a in config.accounts if a.digest_at is not None] or list(config.accounts)


def _file_part(name: str) -> str:
    """An account name made safe as part of a file name (``a/b`` would be a folder)."""
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "account"


def _day(config, account, date: str | None) -> str:
    if date:
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            raise click.BadParameter(
                _("{value!r} is not a date YYYY-MM-DD").format(value=date), param_hint="--date"
            ) from None
        if not 1971 <= day.year <= 9998:
            raise click.BadParameter(
                _("{date!r} is out of range; give a date between 1971 and 9998").format(date=date),
                param_hint="--date",
            )
        return day.isoformat()
    now = dt.datetime.now(config.tz)
    at = account.digest_at or dt.time(0, 0)
    day = now.date() if now.time() >= at else now.date() - dt.timedelta(days=1)
    return day.isoformat()


@digest.command("preview")
@click.option("--account", help=_l("Only this account (default: every account with digest_at)."))
@click.option("--date", help=_l("Local date YYYY-MM-DD of the digest (default: the latest)."))
@click.option(
    "--html",
    "html_path",
    type=click.Path(path_type=Path),
    help=_l("Also write the HTML part to this file."),
)
@click.pass_obj
def digest_preview(
    obj: Context, account: str | None, date: str | None, html_path: Path | None
) -> None:
    """Render the digest (subject and plain text on stdout) without sending it."""
    from hotspot.delivery.digest import build_digest, period_for, render

    config = obj.config()
    store = obj.store()
    last = store.last_sent_digests()
    for acc in _accounts(config, account):
        day = _day(config, acc, date)
        start, end = period_for(acc, day, config.tz, last.get(acc.name))
        from hotspot.delivery.planning_sections import digest_planning

        alerts = store.alerts_between(acc.name, start, end)
        d = build_digest(
            acc.name,
            alerts,
            store.source_alerts_between(start, end),
            start,
            end,
            config.tz,
            day=day,
            **digest_planning(config, store, acc, alerts, start, end),
        )
        subject, html, text = render(d)
        click.echo(
            _("Subject: {subject}\nTo: {to}\n").format(
                subject=subject, to=", ".join(acc.digest_to) or _("(no digest_to)")
            )
        )
        click.echo(text)
        if html_path:
            target = (
                html_path
                if len(_accounts(config, account)) == 1
                else html_path.with_name(
                    f"{html_path.stem}-{_file_part(acc.name)}{html_path.suffix}"
                )
            )
            try:
                target.write_text(html, encoding="utf-8")
            except OSError as exc:
                raise click.ClickException(
                    _("cannot write the HTML to {path}: {reason}").format(
                        path=target, reason=exc.strerror
                    )
                ) from None
            click.echo(_("HTML written to {path}").format(path=target), err=True)


@digest.command("send")
@click.option("--account", help=_l("Only this account (default: every account with digest_at)."))
@click.option("--date", help=_l("Local date YYYY-MM-DD of the digest (default: the latest)."))
@click.option("--force", is_flag=True, help=_l("Send even if that day's digest was already sent."))
@click.pass_obj
def digest_send(obj: Context, account: str | None, date: str | None, force: bool) -> None:
    """Send the digest now (once per account and day unless --force)."""
    from hotspot.delivery.digest import period_for
    from hotspot.delivery.jobs import send_digest
    from hotspot.storage.db import WriterLock
    from hotspot.storage.store import Store

    config = obj.config()
    failed = False
    with WriterLock(config.database):
        store = Store(config.database)
        last = store.last_sent_digests()
        for acc in _accounts(config, account):
            day = _day(config, acc, date)
            start, end = period_for(acc, day, config.tz, last.get(acc.name))
            status = send_digest(config, store, acc, day, start, end, force=force, now=time.time())
            say(
                _(SEND_STATUS.get(status, "{account} {day}: {status}")).format(
                    account=acc.name, day=day, status=status
                )
            )
            failed = failed or status == "failed"
    if failed:
        raise SystemExit(1)
