"""The delivery jobs the daemon (and ``hotspot digest send``) run: digests and instant pushes.

    send_due_digests(config, store)  every 30 s and once at start-up: send each due digest
        due_digests -> claim (pending, committed) -> build -> fit the size -> SMTP -> sent
                                                                        \\-> failed: backoff
    enqueue(config, store, reports)  after each poll: insert (notifier, alert) rows only,
                                     so a slow webhook never blocks polling
    deliver_pushes(config, store) every 10 s: format and POST what is due, record each message
                                  before it is sent, then sent / failed / unconfirmed

Each job works on ``(config, store)`` with an injectable clock and a ``stop`` event (the
daemon's: set by SIGTERM, it ends an SMTP conversation or a POST at once). Failures are
``DeliveryError``: logged in one line, rescheduled with exponential backoff (jitter, cap 1 h)
or given up after the last attempt (said so), never raised into the scheduler.

Pushes. One message carries one account's alerts (source alerts go in their own); a chat
message holds what fits its platform's size limit and then says how many more there are and
the command that lists them. Per notifier at most ``max_per_hour`` messages start in any hour;
what does not fit waits in the queue for the next window (logged) and is in the digest
anyway. The notifiers of a round are sent concurrently, each message within the notifier's
``timeout`` (default 10 s) in total and the round within ``PUSH_BUDGET``, so one slow webhook delays no other.
Only what certainly did not arrive is retried (refused connection, DNS failure, an error
status or platform error code); a request that was sent but not answered is ``unconfirmed``
and never resent. See docs/delivery.md for the guarantees.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hotspot.config import AccountConfig, Config, NotifierConfig
from hotspot.delivery.digest import THEME_CAPS, Digest, build_digest, capped, due_digests, render
from hotspot.delivery.notifiers import Push, format_push, in_quiet_hours, rule_matches
from hotspot.delivery.planning_sections import digest_planning
from hotspot.errors import DeliveryError
from hotspot.i18n import _
from hotspot.planning.desk import mark_sensitive
from hotspot.storage.store_delivery import FOLLOW_UP_ID

if TYPE_CHECKING:
    from email.message import EmailMessage

    import httpx

    from hotspot.storage.store import Store

log = logging.getLogger(__name__)
PUSH_BUDGET = 15.0
#: The whole mail in bytes (headers, both parts, transfer encoding). Gmail clips a message
#: above about 102 KB; this leaves room for what relays add.
MAIL_BUDGET = 90_000


def _clock(config: Config, ts: float | None) -> str:
    return dt.datetime.fromtimestamp(ts, config.tz).strftime("%H:%M:%S") if ts else "?"


# -- digests ------------------------------------------------------------------------------
def send_due_digests(
    config: Config,
    store: Store,
    now: float | None = None,
    warned: set[str] | None = None,
    stop: threading.Event | None = None,
) -> list[str]:
    """Send every digest due at ``now`` (and retry recipients a server refused for now);
    returns one status per due digest. ``warned`` holds the problems already logged by this
    process, so a missing [smtp] is said once."""
    now = time.time() if now is None else now
    coverage = {a.name: store.coverage_start(a.name) for a in config.accounts}
    due = due_digests(config.accounts, now, config.tz, store.last_sent_digests(), coverage)
    if due and config.smtp is None:
        if warned is None or "smtp" not in warned:
            if warned is not None:
                warned.add("smtp")
            log.error(
                "digests are due for %s but there is no [smtp] section; add one to send them",
                ", ".join(d.account.name for d in due),
            )
        return []
    out = []
    for d in due:
        if stop is not None and stop.is_set():
            break
        out.append(send_digest(config, store, d.account, d.day, now=now, stop=stop))
    if config.smtp is not None:
        for row in store.recipient_retries(int(now)):
            if stop is not None and stop.is_set():
                break
            account = config.account(row["account"])
            if account is not None:
                _retry_recipients(config, store, account, row, now, stop)
    return out


def digest_of_row(config: Config, store: Store, account: str, row: dict[str, Any]) -> Digest:
    """The digest a ``digests`` row (or ``Store.digest_bounds``) describes, with the planning
    sections (sensitive stories, upcoming calendar nodes, benchmark accounts, angles)."""
    alerts = store.digest_alerts(account, row["alert_from"] or 0, row["alert_upto"] or 0)
    acc = config.account(account)
    planning = (
        digest_planning(config, store, acc, alerts, row["period_start"], row["period_end"])
        if acc is not None
        else {}
    )
    return build_digest(
        account,
        alerts,
        store.source_alerts_between(row["period_start"], row["period_end"]),
        row["period_start"],
        row["period_end"],
        config.tz,
        day=row.get("day"),
        **planning,
    )


def fit_message(
    config: Config,
    account: AccountConfig,
    digest: Digest,
    message_id: str | None,
    limit: int,
    *,
    smallest: bool = True,
) -> EmailMessage | None:
    """The digest as a mail of at most ``limit`` bytes: each theme shows its top alerts,
    fewer and fewer (``THEME_CAPS``) until it fits. ``smallest``: when nothing fits, the
    smallest rendering anyway (else None)."""
    from hotspot.delivery.mailer import build_message

    assert config.smtp is not None
    msg = None
    for cap in THEME_CAPS:
        subject, html, text = render(capped(digest, cap))
        msg = build_message(
            sender=config.smtp.sender,
            to=account.digest_to,
            subject=subject,
            text=text,
            html=html,
            message_id=message_id,
        )
        if len(msg.as_bytes()) <= limit:
            return msg
    return msg if smallest else None


def send_digest(
    config: Config,
    store: Store,
    account: AccountConfig,
    day: str,
    *,
    force: bool = False,
    now: float | None = None,
    stop: threading.Event | None = None,
) -> str:
    """Claim, render and send one digest: the account's alerts since the previously sent
    digest, up to ``now``, labelled ``day``. Returns "sent", "empty" (nothing matched and
    ``digest_empty`` is off), "skipped" (already sent, given up, or waiting for its retry
    time) or "failed" (left pending with a backoff, or given up; the error is logged)."""
    from hotspot.delivery.mailer import digest_message_id, send_mail

    smtp = config.smtp
    if smtp is None:
        raise DeliveryError(
            _(
                "account {account!r}: cannot send the digest: no [smtp] section in the config"
            ).format(account=account.name)
        )
    if not account.digest_to:
        raise DeliveryError(
            _("account {account!r}: no digest_to addresses").format(account=account.name)
        )
    now_i = int(time.time() if now is None else now)
    mid = digest_message_id(account.name, day, smtp.sender, nonce=str(now_i) if force else "")
    row = store.claim_digest(account.name, day, mid, now_i, force=force)
    if row is None:
        return "skipped"
    resend = bool(row.get("resend"))
    try:
        digest = digest_of_row(config, store, account.name, row)
        if digest.empty and not account.digest_empty and not resend:
            store.digest_done(account.name, day, "empty", now_i)
            log.info(
                "digest account=%s day=%s: nothing matched; not sending (digest_empty = false)",
                account.name,
                day,
            )
            return "empty"
        msg = fit_message(config, account, digest, row["message_id"], MAIL_BUDGET)
        assert msg is not None
        result = send_mail(
            smtp,
            msg,
            fit=lambda limit: fit_message(
                config, account, digest, row["message_id"], limit - 1024, smallest=False
            ),
            stop=stop,
        )
    except DeliveryError as exc:
        if resend:
            log.warning("digest account=%s day=%s: resend failed: %s", account.name, day, exc)
            return "failed"
        at = store.digest_failed(account.name, day, str(exc), now_i)
        log.warning(
            "digest account=%s day=%s attempt %d failed: %s; %s",
            account.name,
            day,
            row["attempts"],
            exc,
            f"next attempt at {_clock(config, at)}"
            if at
            else "gave up after this last attempt; its alerts go into the next digest",
        )
        return "failed"
    except Exception:
        if not resend:
            store.digest_failed(account.name, day, "internal error (see the log)", now_i)
        raise
    done = int(time.time() if now is None else now)
    error = _refusals(result)
    store.digest_done(
        account.name,
        day,
        "sent",
        done,
        retry_to=sorted(result.temporary),
        error=error,
        message_id=row["message_id"],
    )
    delivered = [a for a in account.digest_to if a not in result.temporary]
    delivered = [a for a in delivered if a not in result.permanent]
    log.info(
        "digest account=%s day=%s sent to %s: %d alerts (message-id %s)",
        account.name,
        day,
        ", ".join(delivered) or "nobody",
        digest.count,
        row["message_id"],
    )
    if error:
        log.warning(
            "digest account=%s day=%s NOT delivered to %s%s",
            account.name,
            day,
            error,
            "; retrying those recipients later" if result.temporary else "",
        )
    return "sent"


def _refusals(result: Any) -> str | None:
    parts = [f"{a} ({why}, will retry)" for a, why in result.temporary.items()]
    parts += [f"{a} ({why}, refused for good)" for a, why in result.permanent.items()]
    return "; ".join(parts) or None


def _retry_recipients(
    config: Config,
    store: Store,
    account: AccountConfig,
    row: dict[str, Any],
    now: float,
    stop: threading.Event | None,
) -> None:
    """Send a sent digest again, with its Message-ID, to the recipients refused for now."""
    from hotspot.delivery.mailer import send_mail

    assert config.smtp is not None
    day, to = row["day"], list(row["retry_to"])
    try:
        digest = digest_of_row(config, store, account.name, row)
        msg = fit_message(config, account, digest, row["message_id"], MAIL_BUDGET)
        assert msg is not None
        result = send_mail(config.smtp, msg, recipients=to, stop=stop)
        error = _refusals(result)
        still = sorted(result.temporary)
    except DeliveryError as exc:
        error, still = str(exc), to
    if not still:
        store.digest_done(account.name, day, "sent", int(now), error=error)
        log.info("digest account=%s day=%s now delivered to %s", account.name, day, ", ".join(to))
        return
    at = store.recipient_retry_failed(account.name, day, still, error or "", int(now))
    log.warning(
        "digest account=%s day=%s still not delivered to %s: %s; %s",
        account.name,
        day,
        ", ".join(still),
        error,
        f"next attempt at {_clock(config, at)}" if at else "gave up after this last attempt",
    )


# -- pushes -------------------------------------------------------------------------------
def enqueue(config: Config, store: Store, reports: Sequence[Any], now: float | None = None) -> int:
    """Insert a pending delivery per (notifier, matching alert) of these poll reports."""
    if not config.notifiers or not reports:
        return 0
    rising = {e for r in reports for e in r.rising_events}
    estimated = {e for r in reports for e in getattr(r, "estimated_events", ())}
    follow = {e for r in reports for e in getattr(r, "follow_ups", ())}
    ids = {a for r in reports for a in r.alert_ids} | set(
        store.alert_ids_of_events(sorted(rising | estimated))
    )
    # a story that comes back is pushed once more, as "再度升温", under its own delivery id
    ids |= {FOLLOW_UP_ID + a for a in store.alert_ids_of_events(sorted(follow))}
    alerts = store.push_alerts(sorted(ids))
    for a in alerts:
        a["rising"] = a["rising"] or a["event_id"] in rising
    mark_sensitive(alerts, config.accounts, store=store)
    pairs = [
        (n.name, a["id"])
        for n in config.notifiers
        for a in alerts
        if rule_matches(n, a) and (n.include_sensitive or not a["sensitive"])
    ]
    for r in reports:
        if r.source_alert:
            sid = store.latest_source_alert_id(r.source)
            if sid is not None:
                pairs += [(n.name, -sid) for n in config.notifiers]
    added = store.enqueue_deliveries(pairs, int(time.time() if now is None else now))
    if added:
        log.info(
            "queued %d push%s for %d notifier(s)",
            added,
            "es" if added != 1 else "",
            len({p[0] for p in pairs}),
        )
    return added


def deliver_pushes(
    config: Config,
    store: Store,
    now: float | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Send what is due for every notifier; returns the number of alerts delivered."""
    from hotspot.delivery.pusher import notifier_secret

    if not config.notifiers:
        return 0
    now = time.time() if now is None else now
    store.recover_sending(int(now))
    local = dt.datetime.fromtimestamp(now, config.tz)
    plans: list[tuple[NotifierConfig, list[Push]]] = []
    for n in config.notifiers:
        if in_quiet_hours(n, local):
            continue  # rows wait; they go out after the quiet hours
        rows = store.due_deliveries(n.name, int(now))
        if not rows:
            continue
        ids = [r["alert_id"] for r in rows]
        alerts = store.push_alerts([i for i in ids if i > 0]) + store.push_source_alerts(
            [-i for i in ids if i < 0]
        )
        mark_sensitive(alerts, config.accounts, store=store)  # shown as "⚠ 慎借势：…" in the push
        gone = set(ids) - {a["id"] for a in alerts}
        if gone:  # deleted by retention before it went out: nothing to send
            store.deliveries_sent(n.name, sorted(gone), int(now))
        budget = n.max_per_hour - store.messages_since(n.name, int(now) - 3600)
        try:
            pushes = format_push(n, alerts, secret=notifier_secret(n), now_ms=int(now * 1000))
        except DeliveryError as exc:
            store.deliveries_failed(n.name, [a["id"] for a in alerts], str(exc), int(now))
            log.warning("push %s", exc)
            continue
        if len(pushes) > budget:
            held = sum(len(p.alert_ids) for p in pushes[max(budget, 0) :])
            # said once when the cap is reached, then quietly each round until the window opens
            (log.warning if budget > 0 else log.debug)(
                "push notifier=%s: %d alert(s) wait for the next window: max_per_hour = %d "
                "messages reached (they are in the digest too)",
                n.name,
                held,
                n.max_per_hour,
            )
            pushes = pushes[: max(budget, 0)]
        if pushes:
            plans.append((n, pushes))
    if not plans:
        return 0
    return asyncio.run(_send_plans(config, store, plans, now, transport, stop))


async def _send_plans(
    config: Config,
    store: Store,
    plans: list[tuple[NotifierConfig, list[Push]]],
    now: float,
    transport: httpx.AsyncBaseTransport | None,
    stop: threading.Event | None,
) -> int:
    import httpx

    mail_stop = stop or threading.Event()
    async with httpx.AsyncClient(
        transport=transport,
        follow_redirects=False,
        timeout=max(n.timeout for n, _ in plans),
    ) as client:
        tasks = [
            asyncio.create_task(_send_notifier(config, store, n, pushes, client, now, mail_stop))
            for n, pushes in plans
        ]
        end = time.monotonic() + PUSH_BUDGET
        pending: set[asyncio.Task[int]] = set(tasks)
        while pending:
            _, pending = await asyncio.wait(pending, timeout=0.1)
            if (stop is not None and stop.is_set()) or time.monotonic() > end:
                for t in pending:
                    t.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                break
    return sum(t.result() for t in tasks if t.done() and not t.cancelled() and not t.exception())


async def _send_notifier(
    config: Config,
    store: Store,
    n: NotifierConfig,
    pushes: list[Push],
    client: httpx.AsyncClient,
    now: float,
    stop: threading.Event,
) -> int:
    from hotspot.delivery.pusher import PushUnconfirmed, send_push

    sent = 0
    for p in pushes:
        mid = store.begin_message(n.name, p.account, p.alert_ids, int(now))
        try:
            await send_push(n, p, client=client, smtp=config.smtp, stop=stop, deadline=n.timeout)
        except PushUnconfirmed as exc:
            store.message_unconfirmed(mid, str(exc), int(time.time()))
            log.warning(
                "push notifier=%s account=%s: %d alert(s) unconfirmed, not resent: %s",
                n.name,
                p.account or "-",
                len(p.alert_ids),
                exc,
            )
            break
        except DeliveryError as exc:
            _, at = store.message_failed(mid, str(exc), int(now))
            log.warning(
                "push notifier=%s account=%s: %d alert(s) not delivered: %s; %s",
                n.name,
                p.account or "-",
                len(p.alert_ids),
                exc,
                f"next attempt at {_clock(config, at)}"
                if at
                else "gave up after this last attempt",
            )
            break
        except asyncio.CancelledError:
            store.message_unconfirmed(
                mid, "the round was stopped while sending; not resent", int(time.time())
            )
            raise
        store.message_sent(mid, int(now))
        sent += len(p.alert_ids)
        log.info(
            "push notifier=%s account=%s delivered %d alert(s) in one message",
            n.name,
            p.account or "-",
            len(p.alert_ids),
        )
    return sent
