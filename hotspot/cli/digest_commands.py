"""``hotspot digest preview`` (render, never send) and ``hotspot digest send`` (send now).

A digest holds the account's alerts since the previously sent digest up to the moment it is
sent; its day label is a local date (``[hotspot] timezone``). Without ``--date`` the label is
the day of the latest passed ``digest_at`` unless that day was already sent (then the coming
one), so ``preview`` shows and ``send`` sends the digest that goes out next. Neither command
imports jieba.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import click

from hotspot.cli import Context, cli, say
from hotspot.cli.output import when
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
                param_hint="'--account'",
            )
        return [acc]
    return [a for a in config.accounts if a.digest_at is not None] or list(config.accounts)


def _file_part(name: str) -> str:
    """An account name made safe as part of a file name (``a/b`` would be a folder)."""
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "account"


def _day(config, account, date: str | None, last) -> str:
    if date:
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            raise click.BadParameter(
                _("{value!r} is not a date YYYY-MM-DD").format(value=date), param_hint="'--date'"
            ) from None
        if not 1971 <= day.year <= 9998:
            raise click.BadParameter(
                _("{date!r} is out of range; give a date between 1971 and 9998").format(date=date),
                param_hint="'--date'",
            )
        return day.isoformat()
    from hotspot.delivery.digest import next_label

    return next_label(account, time.time(), config.tz, last)


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
    """Show the digest that goes out next (every alert since the last sent digest, up to
    now), or with --date of a sent day, what was sent. Never sends."""
    from hotspot.delivery.digest import THEME_CAPS, capped, render
    from hotspot.delivery.jobs import digest_of_row

    config = obj.config()
    store = obj.store()
    last = store.last_sent_digests()
    accounts = _accounts(config, account)
    for acc in accounts:
        day = _day(config, acc, date, last.get(acc.name))
        row = store.digest(acc.name, day)
        if row is None or row["status"] not in ("sent", "empty"):
            row = {**store.digest_bounds(acc.name, int(time.time())), "day": day}
        d = digest_of_row(config, store, acc.name, row)
        subject, html, text = render(capped(d, THEME_CAPS[0]))
        click.echo(
            _("Subject: {subject}\nTo: {to}\n").format(
                subject=subject, to=", ".join(acc.digest_to) or _("(no digest_to)")
            )
        )
        click.echo(text)
        if html_path:
            target = (
                html_path
                if len(accounts) == 1
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


def _nothing_new(config, store, account: str, day: str) -> bool:
    """The next digest of ``account`` would hold no alert at all (a send right after a send).
    The daemon's scheduled send still mails a quiet day's short "nothing matched" digest
    (``digest_empty``); a send by hand does not mail an empty period of a few seconds."""
    from hotspot.delivery.jobs import digest_of_row

    row = {**store.digest_bounds(account, int(time.time())), "day": day}
    return digest_of_row(config, store, account, row).empty


@digest.command("send")
@click.option("--account", help=_l("Only this account (default: every account with digest_at)."))
@click.option("--date", help=_l("Local date YYYY-MM-DD of the digest (default: the latest)."))
@click.option("--force", is_flag=True, help=_l("Send even if that day's digest was already sent."))
@click.pass_obj
def digest_send(obj: Context, account: str | None, date: str | None, force: bool) -> None:
    """Send the next digest now: every alert since the last sent digest, up to now (what
    `digest preview` shows). A sent day is skipped unless --force, which resends it as sent;
    with nothing new since the last digest nothing is mailed unless --force."""
    from hotspot.delivery.jobs import send_digest
    from hotspot.storage.db import WriterLock
    from hotspot.storage.store import Store

    config = obj.config()
    failed = False
    with WriterLock(config.database):
        store = Store(config.database)
        last = store.last_sent_digests()
        for acc in _accounts(config, account):
            day = _day(config, acc, date, last.get(acc.name))
            previous = last.get(acc.name)
            if (
                date is None
                and not force
                and previous is not None
                and _nothing_new(config, store, acc.name, day)
            ):
                say(
                    _(
                        "{account}: nothing new since the last digest ({when}); nothing "
                        "sent (--force sends an empty one)"
                    ).format(
                        account=acc.name,
                        when=when(int(previous["period_end"]), config.tz),
                    )
                )
                continue
            status = send_digest(config, store, acc, day, force=force, now=time.time())
            say(
                _(SEND_STATUS.get(status, "{account} {day}: {status}")).format(
                    account=acc.name, day=day, status=status
                )
            )
            failed = failed or status == "failed"
    if failed:
        raise SystemExit(1)
