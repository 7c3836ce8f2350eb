"""``hotspot doctor``: check an installation end to end and say what to fix.

Checks, in order: the config (with the plugins), the database (opens, is ours, passes
``PRAGMA quick_check``, is writable, whether a daemon holds it), every enabled source
(fetched and parsed now, nothing stored), the SMTP login, and the environment variables
that notifiers and SMTP name. Each check is one line: ok / warn / FAIL, what was found, and
what to do. ``status`` and ``area`` are keys (the CLI shows them translated, see
:func:`label`); ``detail`` is in the active language.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from hotspot.config import Config, load_config
from hotspot.errors import ConfigError, HotspotError
from hotspot.i18n import _, _l


@dataclass(frozen=True, slots=True)
class Check:
    status: str  # ok | warn | FAIL
    area: str
    detail: str


def run_checks(config_path: Path) -> list[Check]:
    from hotspot.ingest.registry import load_plugins

    checks: list[Check] = []
    try:
        plugins = load_plugins(load_config(config_path, None).plugins)
        config = load_config(config_path, plugins)
    except ConfigError as exc:
        return [Check("FAIL", "config", line) for line in exc.problems]
    except HotspotError as exc:
        return [Check("FAIL", "config", str(exc))]
    checks.append(
        Check(
            "ok",
            "config",
            _("{path}: {sources} sources, {accounts} accounts").format(
                path=config_path, sources=len(config.sources), accounts=len(config.accounts)
            ),
        )
    )
    store = _database(config, checks)
    if store is None and not config.database.exists():
        from hotspot.storage.store import Store

        store = Store(":memory:")  # probe the sources all the same; nothing is created
    if store is not None:
        _deliveries(store, checks)
        _sources(config, store, plugins, checks)
    _smtp(config, checks)
    _secrets(config, checks)
    return checks


def _database(config: Config, checks: list[Check]):
    from hotspot.storage.db import WriterLock, schema_version, storage_error
    from hotspot.storage.store import Store

    if not config.database.exists():
        checks.append(
            Check(
                "warn",
                "database",
                _("no database at {path} yet; `hotspot run` or `hotspot poll` creates it").format(
                    path=config.database
                ),
            )
        )
        return None
    try:
        store = Store(config.database, readonly=True)
        result = store.execute("PRAGMA quick_check").fetchone()[0]
        if result == "ok":
            counts = _("{items} items, {alerts} alerts").format(
                items=f"{store.count('items'):,}", alerts=f"{store.count('alerts'):,}"
            )
    except HotspotError as exc:
        checks.append(Check("FAIL", "database", str(exc)))
        return None
    except sqlite3.DatabaseError as exc:
        checks.append(Check("FAIL", "database", str(storage_error(config.database, exc))))
        return None
    if result != "ok":
        checks.append(
            Check(
                "FAIL",
                "database",
                str(storage_error(config.database, ValueError(f"corrupt: {result}"))),
            )
        )
        return None
    else:
        checks.append(
            Check(
                "ok",
                "database",
                _("{path}: schema {schema}, {counts}").format(
                    path=config.database, schema=schema_version(store.conn), counts=counts
                ),
            )
        )
    if not os.access(config.database.parent, os.W_OK):
        checks.append(
            Check(
                "FAIL",
                "database",
                _("{path} is not writable by this user; fix its permissions").format(
                    path=config.database.parent
                ),
            )
        )
    lock = WriterLock(config.database)
    try:
        lock.acquire()
        lock.release()
        checks.append(
            Check(
                "warn",
                "daemon",
                _(
                    "no hotspot daemon is running on this database; "
                    "start it with 'hotspot run' or systemd"
                ),
            )
        )
    except HotspotError:
        checks.append(Check("ok", "daemon", _("a hotspot daemon holds this database")))
    return store


def _deliveries(store, checks: list[Check]) -> None:
    """Failed and unconfirmed pushes, pending / given-up / partly delivered digests."""
    pushes = store.undelivered_pushes()
    count: dict[str, int] = {}
    last: dict[str, str] = {}
    for p in pushes:
        count[p["status"]] = count.get(p["status"], 0) + 1
        if p.get("error"):
            last[p["status"]] = f"{p['notifier']}: {p['error']}"
    texts = {
        "failed": _l("{n} failed (given up); last: {last}; see hotspot deliveries"),
        "unconfirmed": _l(
            "{n} unconfirmed (sent but never answered); last: {last}; see hotspot deliveries"
        ),
    }
    for status, text in texts.items():
        if count.get(status):
            checks.append(
                Check(
                    "FAIL" if status == "failed" else "warn",
                    "pushes",
                    _(text).format(n=count[status], last=last.get(status, "-")),
                )
            )
    retrying = [p for p in pushes if p["status"] == "pending" and p.get("error")]
    if retrying:
        checks.append(
            Check(
                "warn",
                "pushes",
                _(
                    "{n} being retried; last error: {notifier}: {error}; see hotspot deliveries"
                ).format(
                    n=len(retrying),
                    notifier=retrying[-1]["notifier"],
                    error=retrying[-1]["error"],
                ),
            )
        )
    for d in store.undelivered_digests():
        state = {"pending": _("pending"), "failed": _("given up")}.get(
            d["status"], _("partly delivered")
        )
        checks.append(
            Check(
                "FAIL" if d["status"] == "failed" else "warn",
                "digest",
                _(
                    "{account} {day}: {state} after {attempts} attempt(s); last error: {error}"
                ).format(
                    account=d["account"],
                    day=d["day"],
                    state=state,
                    attempts=d["attempts"],
                    error=d.get("error") or "-",
                ),
            )
        )
    if not any(c.area in ("pushes", "digest") for c in checks):
        checks.append(Check("ok", "deliveries", _("no failed, unconfirmed or pending deliveries")))


def _sources(config: Config, store, plugins, checks: list[Check]) -> None:
    from hotspot.poller import Poller

    poller = Poller(config, store, None, plugins)  # type: ignore[arg-type]  # probe only
    for name, (items, error, ms) in poller.probe().items():
        if error:
            checks.append(
                Check(
                    "FAIL",
                    f"source {name}",
                    _("{error} ({ms} ms); check the url and this machine's network").format(
                        error=error, ms=ms
                    ),
                )
            )
        else:
            checks.append(
                Check("ok", f"source {name}", _("{n} items in {ms} ms").format(n=items, ms=ms))
            )


def _smtp(config: Config, checks: list[Check]) -> None:
    needs_mail = any(a.digest_to for a in config.accounts) or any(
        n.type == "email" for n in config.notifiers
    )
    if config.smtp is None:
        if needs_mail:
            checks.append(
                Check(
                    "warn",
                    "smtp",
                    _(
                        "accounts have digest_to but there is no [smtp] "
                        "section: digests cannot be sent"
                    ),
                )
            )
        return
    from hotspot.delivery.mailer import check_login
    from hotspot.errors import DeliveryError

    try:
        check_login(config.smtp)
        checks.append(
            Check(
                "ok",
                "smtp",
                (
                    _("{host}:{port} accepted the connection and login")
                    if config.smtp.username
                    else _("{host}:{port} accepted the connection")
                ).format(host=config.smtp.host, port=config.smtp.port),
            )
        )
    except DeliveryError as exc:
        checks.append(Check("FAIL", "smtp", str(exc)))


def _secrets(config: Config, checks: list[Check]) -> None:
    names = [(f"notifier {n.name}", n.secret_env) for n in config.notifiers if n.secret_env]
    if config.smtp and config.smtp.password_env:
        names.append(("smtp", config.smtp.password_env))
    for area, env in names:
        if not os.environ.get(env):
            checks.append(
                Check(
                    "FAIL",
                    area,
                    _(
                        "environment variable {env} is not set; put it in "
                        "the service's EnvironmentFile"
                    ).format(env=env),
                )
            )


STATUS = {"ok": _l("ok"), "warn": _l("warn"), "FAIL": _l("FAIL")}
AREAS = {
    "config": _l("config"),
    "database": _l("database"),
    "daemon": _l("daemon"),
    "pushes": _l("pushes"),
    "digest": _l("digest"),
    "deliveries": _l("deliveries"),
    "smtp": _l("smtp"),
}


def label(check: Check) -> tuple[str, str]:
    """The status and area of a check as the operator reads them."""
    kind, _sep, name = check.area.partition(" ")
    if kind == "source" and name:
        area = _("source {name}").format(name=name)
    elif kind == "notifier" and name:
        area = _("notifier {name}").format(name=name)
    else:
        area = _(AREAS.get(check.area, check.area))
    return _(STATUS.get(check.status, check.status)), area
