"""Parsing of each config section ([http], [[sources]], [[accounts]] with their themes,
[smtp], [[notifiers]]) into the dataclasses of ``hotspot.config.model``."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from hotspot.config.checker import Checker, type_name
from hotspot.config.model import (
    NOTIFIER_TYPES,
    SENSITIVITY_MODES,
    AccountConfig,
    BenchmarkConfig,
    CalendarNodeConfig,
    HttpSettings,
    NotifierConfig,
    SmtpConfig,
    SourceConfig,
    ThemeConfig,
    WebConfig,
)
from hotspot.durations import format_duration
from hotspot.i18n import _


def http(c: Checker, t: Mapping[str, Any]) -> HttpSettings:
    c.keys(
        t,
        "http",
        {
            "connect_timeout",
            "read_timeout",
            "deadline",
            "max_bytes",
            "max_redirects",
            "user_agent",
            "max_connections",
        },
    )
    d = HttpSettings()
    return HttpSettings(
        connect_timeout=c.duration(t, "http", "connect_timeout", d.connect_timeout),
        read_timeout=c.duration(t, "http", "read_timeout", d.read_timeout),
        deadline=c.duration(t, "http", "deadline", d.deadline),
        max_bytes=c.get(t, "http", "max_bytes", int, d.max_bytes, minimum=1024),
        max_redirects=c.get(t, "http", "max_redirects", int, d.max_redirects, minimum=0),
        user_agent=c.get(t, "http", "user_agent", str, d.user_agent),
        max_connections=c.get(t, "http", "max_connections", int, d.max_connections, minimum=1),
    )


MIN_SOURCE_INTERVAL = 10.0  # seconds; below that we would hammer the platform


def sources(c: Checker, items: Any, plugins: Mapping[str, type] | None) -> tuple[SourceConfig, ...]:
    result = []
    seen: set[str] = set()
    for i, t in enumerate(c.array(items, "sources")):
        where = f"sources[{i}]"
        name = c.get(t, where, "name", str, None, required=True)
        type_ = c.get(t, where, "type", str, None, required=True)
        c.label(where, name)
        common = {"name", "type", "interval", "url", "enabled", "max_age"}
        plugin = plugins.get(type_) if (plugins is not None and type_) else None
        if plugins is not None and type_ and plugin is None:
            c.err(
                f"{where}.type",
                _("unknown source type {type!r}; known types: {known}").format(
                    type=type_, known=", ".join(sorted(plugins))
                ),
            )
        option_types: Mapping[str, Any] = {
            k: v
            for k, v in (getattr(plugin, "options", {}) if plugin else {}).items()
            if k not in common
        }  # a plugin cannot redefine name/type/interval/url/enabled
        if plugins is not None:
            c.keys(t, where, common | set(option_types))
        options = {}
        for key, expected in option_types.items():
            if key in t:
                if (isinstance(t[key], expected) and not isinstance(t[key], bool)) or (
                    expected is bool and isinstance(t[key], bool)
                ):
                    options[key] = t[key]
                else:
                    c.err(
                        f"{where}.{key}",
                        _("expected {expected}, got {got}").format(
                            expected=type_name(expected), got=type_name(type(t[key]))
                        ),
                    )
        if plugins is None:  # keep unknown keys for later use without checking
            options = {k: v for k, v in t.items() if k not in common}
        url = c.get(t, where, "url", str, None)
        if plugin is not None and getattr(plugin, "requires_url", False) and not url:
            c.err(f"{where}.url", _("a {type!r} source needs a url").format(type=type_))
        default_interval = getattr(plugin, "default_interval", 300.0) if plugin else 300.0
        interval = c.duration(t, where, "interval", default_interval)
        if interval < MIN_SOURCE_INTERVAL:
            c.err(
                f"{where}.interval",
                _("must be at least {floor}, to be polite to the platform").format(
                    floor=format_duration(MIN_SOURCE_INTERVAL)
                ),
            )
            interval = max(interval, MIN_SOURCE_INTERVAL)
        if name:
            if name in seen:
                c.err(
                    f"{where}.name",
                    _("duplicate source name {name!r}; names must be unique").format(name=name),
                )
            seen.add(name)
        result.append(
            SourceConfig(
                name=name or f"#{i}",
                type=type_ or "",
                interval=interval,
                url=url,
                enabled=c.get(t, where, "enabled", bool, True),
                options=options,
                max_age=c.duration(t, where, "max_age", 2 * 86400.0),
            )
        )
    return tuple(result)


def accounts(c: Checker, items: Any) -> tuple[AccountConfig, ...]:
    result = []
    seen: set[str] = set()
    for i, t in enumerate(c.array(items, "accounts")):
        where = f"accounts[{i}]"
        c.keys(
            t,
            where,
            {
                "name",
                "themes",
                "digest_to",
                "digest_at",
                "digest_empty",
                "sensitivity",
                "calendar_lead",
                "audience",
                "pillars",
                "benchmarks",
            },
        )
        name = c.get(t, where, "name", str, None, required=True)
        c.label(where, name)
        if name:
            if name in seen:
                c.err(f"{where}.name", _("duplicate account name {name!r}").format(name=name))
            seen.add(name)
        themes = []
        theme_names: set[str] = set()
        for j, th in enumerate(c.array(t.get("themes", []), f"{where}.themes")):
            theme = parse_theme(c, th, f"{where}.themes[{j}]")
            if theme.name in theme_names:
                c.err(
                    f"{where}.themes[{j}].name",
                    _("duplicate theme name {theme!r} in account {account!r}").format(
                        theme=theme.name, account=name
                    ),
                )
            theme_names.add(theme.name)
            themes.append(theme)
        if not themes and "themes" not in t:
            c.err(
                where,
                _("an account without themes never gets an alert; add [[accounts.themes]]"),
            )
        elif not themes:
            c.err(f"{where}.themes", _("no themes; an account without themes never gets an alert"))
        sensitivity = c.get(t, where, "sensitivity", str, "normal")
        if sensitivity not in SENSITIVITY_MODES:
            c.err(
                f"{where}.sensitivity",
                f"unknown mode {sensitivity!r}; use one of {', '.join(SENSITIVITY_MODES)}",
            )
            sensitivity = "normal"
        digest_to = tuple(c.strings(t, where, "digest_to"))
        for k, addr in enumerate(digest_to):
            problem = address_problem(addr)
            if problem:
                c.err(
                    f"{where}.digest_to[{k}]",
                    _("{address!r} is not an email address ({problem})").format(
                        address=addr, problem=problem
                    ),
                )
        digest_at = None
        if "digest_at" in t:
            digest_at = c.clock(t["digest_at"], f"{where}.digest_at")
        result.append(
            AccountConfig(
                name=name or f"#{i}",
                themes=tuple(themes),
                digest_to=digest_to,
                digest_at=digest_at,
                digest_empty=c.get(t, where, "digest_empty", bool, True),
                sensitivity=sensitivity,
                calendar_lead=c.duration(t, where, "calendar_lead", 7 * 86400.0),
                audience=tuple(c.strings(t, where, "audience")),
                pillars=tuple(c.strings(t, where, "pillars")),
                benchmarks=benchmarks(c, t.get("benchmarks", []), f"{where}.benchmarks"),
            )
        )
    return tuple(result)


def benchmarks(c: Checker, items: Any, where: str) -> tuple[BenchmarkConfig, ...]:
    """``[[accounts.benchmarks]]``: name and feed url of each benchmark account."""
    result = []
    seen: set[str] = set()
    for i, t in enumerate(c.array(items, where)):
        w = f"{where}[{i}]"
        c.keys(t, w, {"name", "url", "interval"})
        name = c.get(t, w, "name", str, None, required=True)
        url = c.get(t, w, "url", str, None, required=True)
        if url and not url.startswith(("http://", "https://")):
            c.err(f"{w}.url", f"expected an http(s) feed url, got {url!r}")
        if name in seen:
            c.err(f"{w}.name", f"duplicate benchmark name {name!r}")
        seen.add(name)
        if name and url:
            result.append(BenchmarkConfig(name, url, c.duration(t, w, "interval", 1800.0)))
    return tuple(result)


DATE_RULE = re.compile(
    r"(\d{4}-)?\d{2}-\d{2}|lunar:(\d{2}-\d{2}|eve)|term:\S+|nth:\d{2}:-?[1-5]:(mon|tue|wed|thu|fri|sat|sun)"
)


def calendar(c: Checker, items: Any, account_names: set[str]) -> tuple[CalendarNodeConfig, ...]:
    """``[[calendar]]``: an account's own nodes (or ``file = "nodes.toml"`` holding
    ``[[calendar]]`` tables; the caller expands files before calling this)."""
    result = []
    for i, t in enumerate(c.array(items, "calendar")):
        w = f"calendar[{i}]"
        c.keys(t, w, {"name", "date", "days", "verticals", "heat", "angles", "lead", "account"})
        name = c.get(t, w, "name", str, None, required=True)
        raw = t.get("date")
        date = raw.isoformat() if isinstance(raw, dt.date) else raw
        if not isinstance(date, str) or not DATE_RULE.fullmatch(date.strip()):
            c.err(
                f"{w}.date",
                f'expected "YYYY-MM-DD", "MM-DD", "lunar:MM-DD", "term:冬至" or "nth:05:2:sun", got {raw!r}',
            )
            continue
        account = c.get(t, w, "account", str, None)
        if account and account not in account_names:
            c.err(f"{w}.account", f"no account named {account!r}")
        heat = c.get(t, w, "heat", int, 3, minimum=1)
        if heat > 5:
            c.err(f"{w}.heat", "must be 1 (low) to 5 (top)")
        lead = c.duration(t, w, "lead", -1.0) if "lead" in t else None
        if name:
            result.append(
                CalendarNodeConfig(
                    name=name,
                    date=date.strip(),
                    days=c.get(t, w, "days", int, 1, minimum=1),
                    verticals=tuple(c.strings(t, w, "verticals")),
                    heat=min(heat, 5),
                    angles=tuple(c.strings(t, w, "angles")),
                    lead=lead,
                    account=account,
                )
            )
    return tuple(result)


def parse_theme(c: Checker, t: Mapping[str, Any], where: str) -> ThemeConfig:
    """One ``[[...themes]]`` table (also used by ``hotspot match --themes FILE``)."""
    c.keys(
        t,
        where,
        {
            "name",
            "keywords",
            "exclude",
            "required",
            "synonyms",
            "weights",
            "min_score",
            "verticals",
            "exclude_verticals",
            "expand",
        },
    )
    name = c.get(t, where, "name", str, None, required=True) or "?"
    c.label(where, name if name != "?" else None)
    keywords = c.strings(t, where, "keywords", no_empty=True)
    synonyms = c.strings(t, where, "synonyms", no_empty=True)
    if not keywords and not synonyms and not name:
        c.err(where, _("a theme needs a name or keywords"))
    if not keywords and not synonyms and t.get("verticals") == []:
        c.err(
            where,
            _(
                "this theme can never match: no keywords and no linked vertical "
                '(verticals = []); add keywords, or list a vertical such as verticals = ["美食"]'
            ),
        )
    weights: dict[str, float] = {}
    raw_w = t.get("weights", {})
    if not isinstance(raw_w, dict):
        c.err(f"{where}.weights", _("expected a table of keyword = weight"))
    else:
        for k, v in raw_w.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= 5:
                c.err(f"{where}.weights.{k}", _("expected a number greater than 0 and at most 5"))
            else:
                weights[k] = float(v)
    min_score = c.get(t, where, "min_score", float, 0.5)
    if not 0 <= min_score <= 1:
        c.err(f"{where}.min_score", _("must be between 0 and 1"))
    verticals = tuple(c.strings(t, where, "verticals")) if "verticals" in t else None
    return ThemeConfig(
        name=name,
        keywords=tuple(keywords),
        exclude=tuple(c.strings(t, where, "exclude", no_empty=True)),
        required=tuple(c.strings(t, where, "required", no_empty=True)),
        synonyms=tuple(synonyms),
        weights=weights,
        min_score=min_score,
        verticals=verticals,
        expand=c.get(t, where, "expand", bool, True),
        exclude_verticals=tuple(c.strings(t, where, "exclude_verticals")),
    )


def address_problem(addr: str) -> str | None:
    """Why ``addr`` is not a bare email address (``name@domain``), or None."""
    if any(ch in addr for ch in '\r\n\t <>,;"()[]\\') or any(ord(ch) < 32 for ch in addr):
        return _("no spaces, line breaks, brackets or separators; one address per entry")
    if addr.count("@") != 1:
        return _("it needs exactly one @")
    local, domain = addr.split("@")
    if not local or not domain or "." not in domain.strip(".") or ".." in domain:
        return _("expected name@domain.tld")
    return None


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be posted to, or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError on a port such as "80b0"
    except ValueError as exc:
        return _("malformed url ({reason})").format(reason=exc)
    if parts.scheme not in ("http", "https"):
        return _("the url must start with http:// or https://")
    if not parts.hostname or any(ch.isspace() for ch in url):
        return _("malformed url (no host, or spaces inside)")
    return None


def smtp(c: Checker, t: Any) -> SmtpConfig:
    if not isinstance(t, dict):
        c.err("smtp", _("expected a table [smtp]"))
        return SmtpConfig()
    c.keys(t, "smtp", {"host", "port", "security", "username", "password_env", "from", "timeout"})
    security = c.get(t, "smtp", "security", str, "starttls")
    if security not in ("starttls", "ssl", "none"):
        c.err(
            "smtp.security",
            _('must be "starttls", "ssl" or "none", not {value!r}').format(value=security),
        )
    default_port = {"ssl": 465, "none": 25}.get(security, 587)
    return SmtpConfig(
        host=c.get(t, "smtp", "host", str, "localhost"),
        port=c.get(t, "smtp", "port", int, default_port, minimum=1),
        security=security,
        username=c.get(t, "smtp", "username", str, None),
        password_env=c.get(t, "smtp", "password_env", str, None),
        sender=c.get(t, "smtp", "from", str, "hotspot@localhost"),
        timeout=c.duration(t, "smtp", "timeout", 30.0),
    )


def web(c: Checker, t: Mapping[str, Any]) -> WebConfig:
    c.keys(t, "web", {"listen", "password_env", "refresh"})
    listen = c.get(t, "web", "listen", str, None)
    if listen is not None:
        host, sep, port = listen.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            c.err(
                "web.listen",
                _('must be "HOST:PORT" such as "127.0.0.1:8765", not {value!r}').format(
                    value=listen
                ),
            )
            listen = None
    return WebConfig(
        listen=listen,
        password_env=c.get(t, "web", "password_env", str, None),
        refresh=c.duration(t, "web", "refresh", 60.0),
    )


def notifiers(c: Checker, items: Any) -> tuple[NotifierConfig, ...]:
    result = []
    seen: set[str] = set()
    for i, t in enumerate(c.array(items, "notifiers")):
        where = f"notifiers[{i}]"
        c.keys(
            t,
            where,
            {
                "name",
                "type",
                "url",
                "to",
                "secret_env",
                "accounts",
                "themes",
                "min_score",
                "only_rising",
                "min_chance",
                "quiet_hours",
                "template",
                "include_sensitive",
                "max_per_hour",
                "timeout",
            },
        )
        type_ = c.get(t, where, "type", str, None, required=True)
        name = c.get(t, where, "name", str, type_ or f"#{i}")
        c.label(where, name)
        if type_ and type_ not in NOTIFIER_TYPES:
            c.err(
                f"{where}.type",
                _("unknown notifier type {type!r}; use one of {known}").format(
                    type=type_, known=", ".join(NOTIFIER_TYPES)
                ),
            )
        if name in seen:
            c.err(f"{where}.name", _("duplicate notifier name {name!r}").format(name=name))
        seen.add(name)
        url = c.get(t, where, "url", str, None)
        if url and type_ != "email":
            problem = url_problem(url)
            if problem:
                c.err(
                    f"{where}.url",
                    _("{problem}: {url!r}; expected e.g. https://host/path").format(
                        problem=problem, url=url
                    ),
                )
        to = tuple(c.strings(t, where, "to"))
        for k, addr in enumerate(to):
            problem = address_problem(addr)
            if problem:
                c.err(
                    f"{where}.to[{k}]",
                    _("{address!r} is not an email address ({problem})").format(
                        address=addr, problem=problem
                    ),
                )
        if type_ == "email" and not to:
            c.err(f"{where}.to", _("an email notifier needs a list of addresses"))
        elif type_ and type_ != "email" and not url:
            c.err(f"{where}.url", _("a {type} notifier needs the webhook url").format(type=type_))
        min_chance = c.get(t, where, "min_chance", float, None)
        if min_chance is not None and not 0 < min_chance <= 1:
            c.err(f"{where}.min_chance", _("must be a chance between 0 and 1, e.g. 0.7"))
            min_chance = None
        quiet = None
        if "quiet_hours" in t:
            q = t["quiet_hours"]
            if isinstance(q, str) and "-" in q:
                a, b = q.split("-", 1)
                ta, tb = (
                    c.clock(a.strip(), f"{where}.quiet_hours"),
                    c.clock(b.strip(), f"{where}.quiet_hours"),
                )
                quiet = (ta, tb) if ta and tb else None
            else:
                c.err(f"{where}.quiet_hours", _('expected "HH:MM-HH:MM", e.g. "23:00-07:30"'))
        result.append(
            NotifierConfig(
                name=name,
                type=type_ or "",
                url=url,
                to=to,
                secret_env=c.get(t, where, "secret_env", str, None),
                accounts=tuple(c.strings(t, where, "accounts")),
                themes=tuple(c.strings(t, where, "themes")),
                min_score=c.get(t, where, "min_score", float, 0.7),
                only_rising=c.get(t, where, "only_rising", bool, False),
                min_chance=min_chance,
                quiet_hours=quiet,
                template=c.get(t, where, "template", str, None),
                include_sensitive=c.get(t, where, "include_sensitive", bool, False),
                max_per_hour=c.get(t, where, "max_per_hour", int, 20, minimum=1),
                timeout=c.duration(t, where, "timeout", 10.0),
            )
        )
    return tuple(result)
