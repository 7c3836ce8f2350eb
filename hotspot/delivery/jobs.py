"""The delivery jobs the daemon (and ``hotspot digest send``) run: digests and instant pushes.

    send_due_digests(config, store)  every 30 s and once at start-up: send each due digest
        due_digests -> claim (pending, committed) -> build -> render -> SMTP -> sent
                                                                        \\-> failed: backoff
    enqueue(config, store, reports)  after each poll: insert (notifier, alert) rows only,
                                     so a slow webhook never blocks polling
    deliver_pushes(config, store) every 10 s: format and POST what is due, mark sent/failed

Each job works on ``(config, store)`` with an injectable clock (``send_digest``,
``deliver_pushes``, ``enqueue``), which is what the tests and the CLI call. Failures are
``DeliveryError``: logged in one line, rescheduled with exponential backoff (jitter, cap 1 h),
never raised into the scheduler. One push round stops after ``PUSH_BUDGET`` seconds and a
failing notifier is skipped for the rest of its round, so the loop stays responsive.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hotspot.config import AccountConfig, Config
from hotspot.delivery.digest import build_digest, due_digests, render
from hotspot.delivery.notifiers import format_push, in_quiet_hours, rule_matches
from hotspot.delivery.planning_sections import digest_planning
from hotspot.errors import DeliveryError
from hotspot.planning.desk import mark_sensitive
from hotspot.storage.store_delivery import FOLLOW_UP_ID

if TYPE_CHECKING:
    import httpx

    from hotspot.storage.store import Store

log = logging.getLogger(__name__)
PUSH_BUDGET = 15.0


# -- digests ------------------------------------------------------------------------------
def send_due_digests(
    config: Config, store: Store, now: float | None = None, warned: set[str] | None = None
) -> list[str]:
    """Send every digest due at ``now``; returns one status per due digest. ``warned`` holds
    the problems already logged by this process, so a missing [smtp] is said once."""
    now = time.time() if now is None else now
    due = due_digests(config.accounts, now, config.tz, store.last_sent_digests())
    if due and config.smtp is None:
        if warned is None or "smtp" not in warned:
            if warned is not None:
                warned.add("smtp")
            log.error(
                "digests are due for %s but there is no [smtp] section; add one to send them",
                ", ".join(d.account.name for d in due),
            )
        return []
    return [
        send_digest(config, store, d.account, d.day, d.period_start, d.period_end, now=now)
        for d in due
    ]


def send_digest(
    config: Config,
    store: Store,
    account: AccountConfig,
    day: str,
    period_start: int,
    period_end: int,
    *,
    force: bool = False,
    now: float | None = None,
) -> str:
    """Claim, render and send one digest. Returns "sent", "empty" (nothing matched and
    ``digest_empty`` is off), "skipped" (already sent, or waiting for its retry time) or
    "failed" (left pending with a backoff; the error is logged)."""
    from hotspot.delivery.mailer import build_message, digest_message_id, send_mail

    smtp = config.smtp
    if smtp is None:
        raise DeliveryError(
            f"account {account.name!r}: cannot send the digest: no [smtp] section in the config"
        )
    if not account.digest_to:
        raise DeliveryError(f"account {account.name!r}: no digest_to addresses")
    now_i = int(time.time() if now is None else now)
    mid = digest_message_id(account.name, day, smtp.sender, nonce=str(now_i) if force else "")
    row = store.claim_digest(account.name, day, period_start, period_end, mid, now_i, force=force)
    if row is None:
        return "skipped"
    try:
        alerts = store.alerts_between(account.name, row["period_start"], row["period_end"])
        if not alerts and not account.digest_empty:
            store.digest_done(account.name, day, "empty", now_i)
            log.info(
                "digest account=%s day=%s: nothing matched; not sending (digest_empty = false)",
                account.name,
                day,
            )
            return "empty"
        digest = build_digest(
            account.name,
            alerts,
            store.source_alerts_between(row["period_start"], row["period_end"]),
            row["period_start"],
            row["period_end"],
            config.tz,
            day=day,
            **digest_planning(
                config, store, account, alerts, row["period_start"], row["period_end"]
            ),
        )
        subject, html, text = render(digest)
        msg = build_message(
            sender=smtp.sender,
            to=account.digest_to,
            subject=subject,
            text=text,
            html=html,
            message_id=row["message_id"],
        )
        send_mail(smtp, msg)
    except DeliveryError as exc:
        at = store.digest_failed(account.name, day, str(exc), now_i)
        log.warning(
            "digest account=%s day=%s attempt %d failed: %s; next attempt at %s",
            account.name,
            day,
            row["attempts"],
            exc,
            dt.datetime.fromtimestamp(at, config.tz).strftime("%H:%M:%S"),
        )
        return "failed"
    except Exception:
        store.digest_failed(account.name, day, "internal error (see the log)", now_i)
        raise
    store.digest_done(account.name, day, "sent", int(time.time() if now is None else now))
    log.info(
        "digest account=%s day=%s sent to %s: %d alerts (message-id %s)",
        account.name,
        day,
        ", ".join(account.digest_to),
        digest.count,
        row["message_id"],
    )
    return "sent"


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
    mark_sensitive(alerts, config.accounts)
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
    config: Config, store: Store, now: float | None = None, client: httpx.Client | None = None
) -> int:
    """Send what is due for every notifier; returns the number of alerts delivered."""
    import httpx

    from hotspot.delivery.pusher import notifier_secret, send_push

    if not config.notifiers:
        return 0
    now = time.time() if now is None else now
    local = dt.datetime.fromtimestamp(now, config.tz)
    deadline = time.monotonic() + PUSH_BUDGET
    sent = 0
    own = client is None
    client = client or httpx.Client(timeout=5.0, follow_redirects=False)
    try:
        for n in config.notifiers:
            if time.monotonic() > deadline:
                break
            if in_quiet_hours(n, local):
                continue  # rows wait; they go out after the quiet hours
            rows = store.due_deliveries(n.name, int(now))
            if not rows:
                continue
            ids = [r["alert_id"] for r in rows]
            alerts = store.push_alerts([i for i in ids if i > 0]) + store.push_source_alerts(
                [-i for i in ids if i < 0]
            )
            mark_sensitive(alerts, config.accounts)  # shown as "⚠ 慎借势：…" in the push
            gone = set(ids) - {a["id"] for a in alerts}
            if gone:  # deleted by retention before it went out: nothing to send
                store.deliveries_sent(n.name, sorted(gone), int(now))
            try:
                pushes = format_push(n, alerts, secret=notifier_secret(n), now_ms=int(now * 1000))
            except DeliveryError as exc:
                store.deliveries_failed(n.name, [a["id"] for a in alerts], str(exc), int(now))
                log.warning("push %s", exc)
                continue
            for i, p in enumerate(pushes):
                try:
                    send_push(n, p, client=client, smtp=config.smtp)
                except DeliveryError as exc:
                    rest = [a for q in pushes[i:] for a in q.alert_ids]
                    store.deliveries_failed(n.name, rest, str(exc), int(now))
                    log.warning(
                        "push notifier=%s: %d alert(s) not delivered, will retry: %s",
                        n.name,
                        len(rest),
                        exc,
                    )
                    break
                store.deliveries_sent(n.name, p.alert_ids, int(now))
                sent += len(p.alert_ids)
                log.info("push notifier=%s delivered %d alert(s)", n.name, len(p.alert_ids))
    finally:
        if own:
            client.close()
    return sent
