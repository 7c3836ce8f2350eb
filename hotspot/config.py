"""hotspot.toml -> frozen, typed configuration objects, with every mistake reported at once.

``load_config(path, plugins)`` parses the file once with ``tomllib`` and checks it against the
schema below; unknown keys, wrong types, bad durations/times/timezones, duplicate names and
unknown source types each become one line ``FILE: dotted.key: what is wrong; what to do``, and
all of them are raised together as one ``ConfigError``. Relative paths resolve against the
config file's folder. Secrets are never in the file: ``password_env``/``secret_env`` name
environment variables that are read only when a mail or webhook is sent.

Pass ``plugins=None`` to skip checking source types and plugin options (the read-only CLI
commands do that, so they never import the plugins).
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hotspot import __version__
from hotspot.durations import parse_duration
from hotspot.errors import ConfigError

DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    f"Chrome/124.0 Safari/537.36 hotspot/{__version__}"
)


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """Client limits; all configurable under ``[http]`` in hotspot.toml."""

    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = DEFAULT_USER_AGENT
    max_connections: int = 20


DEFAULT_CONFIG_NAME = "hotspot.toml"
NOTIFIER_TYPES = ("webhook", "wecom", "feishu", "dingtalk", "slack", "email")


@dataclass(frozen=True, slots=True)
class SourceConfig:
    name: str
    type: str
    interval: float
    url: str | None = None
    enabled: bool = True
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ThemeConfig:
    """One theme of one account; see the README's matcher section for what each key does."""

    name: str
    keywords: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    weights: Mapping[str, float] = field(default_factory=dict)
    min_score: float = 0.5
    verticals: tuple[str, ...] | None = None  # None: link by name and keywords
    expand: bool = True


@dataclass(frozen=True, slots=True)
class AccountConfig:
    name: str
    themes: tuple[ThemeConfig, ...] = ()
    digest_to: tuple[str, ...] = ()
    digest_at: dt.time | None = None
    digest_empty: bool = True


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str = "localhost"
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    password_env: str | None = None
    sender: str = "hotspot@localhost"
    timeout: float = 30.0

    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


@dataclass(frozen=True, slots=True)
class NotifierConfig:
    name: str
    type: str
    url: str | None = None
    to: tuple[str, ...] = ()
    secret_env: str | None = None
    accounts: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    min_score: float = 0.7
    only_rising: bool = False
    quiet_hours: tuple[dt.time, dt.time] | None = None
    template: str | None = None


@dataclass(frozen=True, slots=True)
class Config:
    path: Path
    database: Path
    timezone: str = "Asia/Shanghai"
    sources: tuple[SourceConfig, ...] = ()
    accounts: tuple[AccountConfig, ...] = ()
    notifiers: tuple[NotifierConfig, ...] = ()
    smtp: SmtpConfig | None = None
    http: HttpSettings = field(default_factory=HttpSettings)
    plugins: tuple[str, ...] = ()
    log_format: str = "text"
    retention_days: float = 30.0
    source_alert_after: float = 1800.0
    min_host_interval: float = 30.0
    max_concurrent: int = 20
    lexicons: tuple[Path, ...] = ()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def account(self, name: str) -> AccountConfig | None:
        return next((a for a in self.accounts if a.name == name), None)


def default_config_path() -> Path:
    return Path(os.environ.get("HOTSPOT_CONFIG") or DEFAULT_CONFIG_NAME)


def load_config(path: Path | str, plugins: Mapping[str, type] | None = None) -> Config:
    """Read and check ``path``; raise ``ConfigError`` listing every problem."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file; create one with 'hotspot init' or "
                          "pass --config PATH") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(raw, path, plugins)


def parse_config(raw: Mapping[str, Any], path: Path,
                 plugins: Mapping[str, type] | None = None) -> Config:
    c = _Checker(path)
    c.keys(raw, "", {"hotspot", "sources", "accounts", "smtp", "notifiers", "http"})
    base = path.resolve().parent
    top = c.table(raw, "hotspot")
    c.keys(top, "hotspot", {"database", "timezone", "plugins", "log_format", "retention",
                            "source_alert_after", "min_host_interval", "max_concurrent",
                            "lexicons"})
    database = c.get(top, "hotspot", "database", str, "data/hotspot.db")
    timezone = c.get(top, "hotspot", "timezone", str, "Asia/Shanghai")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        c.err("hotspot.timezone", f"unknown timezone {timezone!r}; use an IANA name such as "
                                  "\"Asia/Shanghai\"")
        timezone = "Asia/Shanghai"
    log_format = c.get(top, "hotspot", "log_format", str, "text")
    if log_format not in ("text", "json"):
        c.err("hotspot.log_format", f"must be \"text\" or \"json\", not {log_format!r}")
    http = _http(c, c.table(raw, "http"))
    config = Config(
        path=path,
        database=(base / database) if database != ":memory:" else Path(database),
        timezone=timezone,
        plugins=tuple(c.strings(top, "hotspot", "plugins")),
        log_format=log_format,
        retention_days=c.duration(top, "hotspot", "retention", 30 * 86400.0) / 86400,
        source_alert_after=c.duration(top, "hotspot", "source_alert_after", 1800.0),
        min_host_interval=c.duration(top, "hotspot", "min_host_interval", 30.0),
        max_concurrent=c.get(top, "hotspot", "max_concurrent", int, 20, minimum=1),
        lexicons=tuple(base / p for p in c.strings(top, "hotspot", "lexicons")),
        http=http,
        sources=_sources(c, raw.get("sources", []), plugins),
        accounts=_accounts(c, raw.get("accounts", [])),
        smtp=_smtp(c, raw["smtp"]) if "smtp" in raw else None,
        notifiers=_notifiers(c, raw.get("notifiers", [])),
    )
    names = {a.name for a in config.accounts}
    for i, n in enumerate(config.notifiers):
        for a in n.accounts:
            if a not in names:
                c.err(f"notifiers[{i}].accounts", f"no account named {a!r}")
    if c.problems:
        raise ConfigError(c.problems)
    return config


def _http(c: "_Checker", t: Mapping[str, Any]) -> HttpSettings:
    c.keys(t, "http", {"connect_timeout", "read_timeout", "max_bytes", "max_redirects",
                       "user_agent", "max_connections"})
    d = HttpSettings()
    return HttpSettings(
        connect_timeout=c.duration(t, "http", "connect_timeout", d.connect_timeout),
        read_timeout=c.duration(t, "http", "read_timeout", d.read_timeout),
        max_bytes=c.get(t, "http", "max_bytes", int, d.max_bytes, minimum=1024),
        max_redirects=c.get(t, "http", "max_redirects", int, d.max_redirects, minimum=0),
        user_agent=c.get(t, "http", "user_agent", str, d.user_agent),
        max_connections=c.get(t, "http", "max_connections", int, d.max_connections, minimum=1),
    )


def _sources(c: "_Checker", items: Any, plugins: Mapping[str, type] | None
             ) -> tuple[SourceConfig, ...]:
    result = []
    seen: set[str] = set()
    for i, t in enumerate(c.array(items, "sources")):
        where = f"sources[{i}]"
        name = c.get(t, where, "name", str, None, required=True)
        type_ = c.get(t, where, "type", str, None, required=True)
        common = {"name", "type", "interval", "url", "enabled"}
        plugin = plugins.get(type_) if (plugins is not None and type_) else None
        if plugins is not None and type_ and plugin is None:
            c.err(f"{where}.type", f"unknown source type {type_!r}; known types: "
                                   f"{', '.join(sorted(plugins))}")
        option_types: Mapping[str, Any] = {
            k: v for k, v in (getattr(plugin, "options", {}) if plugin else {}).items()
            if k not in common}  # a plugin cannot redefine name/type/interval/url/enabled
        if plugins is not None:
            c.keys(t, where, common | set(option_types))
        options = {}
        for key, expected in option_types.items():
            if key in t:
                if isinstance(t[key], expected) and not isinstance(t[key], bool) or (
                        expected is bool and isinstance(t[key], bool)):
                    options[key] = t[key]
                else:
                    c.err(f"{where}.{key}", f"expected {_type_name(expected)}, got "
                                            f"{_type_name(type(t[key]))}")
        if plugins is None:  # keep unknown keys for later use without checking
            options = {k: v for k, v in t.items() if k not in common}
        url = c.get(t, where, "url", str, None)
        if plugin is not None and getattr(plugin, "requires_url", False) and not url:
            c.err(f"{where}.url", f"a {type_!r} source needs a url")
        default_interval = getattr(plugin, "default_interval", 300.0) if plugin else 300.0
        interval = c.duration(t, where, "interval", default_interval)
        if interval and interval < 10:
            c.err(f"{where}.interval", "must be at least 10s, to be polite to the platform")
        if name:
            if name in seen:
                c.err(f"{where}.name", f"duplicate source name {name!r}; names must be unique")
            seen.add(name)
        result.append(SourceConfig(name=name or f"#{i}", type=type_ or "", interval=interval,
                                   url=url, enabled=c.get(t, where, "enabled", bool, True),
                                   options=options))
    return tuple(result)


def _accounts(c: "_Checker", items: Any) -> tuple[AccountConfig, ...]:
    result = []
    seen: set[str] = set()
    for i, t in enumerate(c.array(items, "accounts")):
        where = f"accounts[{i}]"
        c.keys(t, where, {"name", "themes", "digest_to", "digest_at", "digest_empty"})
        name = c.get(t, where, "name", str, None, required=True)
        if name:
            if name in seen:
                c.err(f"{where}.name", f"duplicate account name {name!r}")
            seen.add(name)
        themes = []
        theme_names: set[str] = set()
        for j, th in enumerate(c.array(t.get("themes", []), f"{where}.themes")):
            theme = parse_theme(c, th, f"{where}.themes[{j}]")
            if theme.name in theme_names:
                c.err(f"{where}.themes[{j}].name", f"duplicate theme name {theme.name!r} "
                                                   f"in account {name!r}")
            theme_names.add(theme.name)
            themes.append(theme)
        digest_at = None
        if "digest_at" in t:
            digest_at = c.clock(t["digest_at"], f"{where}.digest_at")
        result.append(AccountConfig(name=name or f"#{i}", themes=tuple(themes),
                                    digest_to=tuple(c.strings(t, where, "digest_to")),
                                    digest_at=digest_at,
                                    digest_empty=c.get(t, where, "digest_empty", bool, True)))
    return tuple(result)


def parse_theme(c: "_Checker", t: Mapping[str, Any], where: str) -> ThemeConfig:
    """One ``[[...themes]]`` table (also used by ``hotspot match --themes FILE``)."""
    c.keys(t, where, {"name", "keywords", "exclude", "required", "synonyms", "weights",
                      "min_score", "verticals", "expand"})
    name = c.get(t, where, "name", str, None, required=True) or "?"
    keywords = c.strings(t, where, "keywords")
    synonyms = c.strings(t, where, "synonyms")
    if not keywords and not synonyms and not name:
        c.err(where, "a theme needs a name or keywords")
    weights: dict[str, float] = {}
    raw_w = t.get("weights", {})
    if not isinstance(raw_w, dict):
        c.err(f"{where}.weights", "expected a table of keyword = weight")
    else:
        for k, v in raw_w.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= 5:
                c.err(f"{where}.weights.{k}", "expected a number greater than 0 and at most 5")
            else:
                weights[k] = float(v)
    min_score = c.get(t, where, "min_score", float, 0.5)
    if not 0 <= min_score <= 1:
        c.err(f"{where}.min_score", "must be between 0 and 1")
    verticals = tuple(c.strings(t, where, "verticals")) if "verticals" in t else None
    return ThemeConfig(name=name, keywords=tuple(keywords), exclude=tuple(c.strings(
        t, where, "exclude")), required=tuple(c.strings(t, where, "required")),
        synonyms=tuple(synonyms), weights=weights, min_score=min_score, verticals=verticals,
        expand=c.get(t, where, "expand", bool, True))


def load_themes_file(path: Path | str) -> tuple[ThemeConfig, ...]:
    """The ``[[themes]]`` of a standalone TOML file (``hotspot match``/``eval``)."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the themes file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    c = _Checker(path)
    c.keys(raw, "", {"themes"})
    themes = [parse_theme(c, t, f"themes[{i}]")
              for i, t in enumerate(c.array(raw.get("themes", []), "themes"))]
    if not themes and not c.problems:
        c.err("themes", "no [[themes]] tables in this file")
    names = [t.name for t in themes]
    for n in {n for n in names if names.count(n) > 1}:
        c.err("themes", f"duplicate theme name {n!r}")
    if c.problems:
        raise ConfigError(c.problems)
    return tuple(themes)


def _smtp(c: "_Checker", t: Any) -> SmtpConfig:
    if not isinstance(t, dict):
        c.err("smtp", "expected a table [smtp]")
        return SmtpConfig()
    c.keys(t, "smtp", {"host", "port", "security", "username", "password_env", "from",
                       "timeout"})
    security = c.get(t, "smtp", "security", str, "starttls")
    if security not in ("starttls", "ssl", "none"):
        c.err("smtp.security", f"must be \"starttls\", \"ssl\" or \"none\", not {security!r}")
    default_port = {"ssl": 465, "none": 25}.get(security, 587)
    return SmtpConfig(host=c.get(t, "smtp", "host", str, "localhost"),
                      port=c.get(t, "smtp", "port", int, default_port, minimum=1),
                      security=security, username=c.get(t, "smtp", "username", str, None),
                      password_env=c.get(t, "smtp", "password_env", str, None),
                      sender=c.get(t, "smtp", "from", str, "hotspot@localhost"),
                      timeout=c.duration(t, "smtp", "timeout", 30.0))


def _notifiers(c: "_Checker", items: Any) -> tuple[NotifierConfig, ...]:
    result = []
    seen: set[str] = set()
    for i, t in enumerate(c.array(items, "notifiers")):
        where = f"notifiers[{i}]"
        c.keys(t, where, {"name", "type", "url", "to", "secret_env", "accounts", "themes",
                          "min_score", "only_rising", "quiet_hours", "template"})
        type_ = c.get(t, where, "type", str, None, required=True)
        name = c.get(t, where, "name", str, type_ or f"#{i}")
        if type_ and type_ not in NOTIFIER_TYPES:
            c.err(f"{where}.type", f"unknown notifier type {type_!r}; use one of "
                                   f"{', '.join(NOTIFIER_TYPES)}")
        if name in seen:
            c.err(f"{where}.name", f"duplicate notifier name {name!r}")
        seen.add(name)
        url = c.get(t, where, "url", str, None)
        to = tuple(c.strings(t, where, "to"))
        if type_ == "email" and not to:
            c.err(f"{where}.to", "an email notifier needs a list of addresses")
        elif type_ and type_ != "email" and not url:
            c.err(f"{where}.url", f"a {type_} notifier needs the webhook url")
        quiet = None
        if "quiet_hours" in t:
            q = t["quiet_hours"]
            if isinstance(q, str) and "-" in q:
                a, b = q.split("-", 1)
                ta, tb = c.clock(a.strip(), f"{where}.quiet_hours"), c.clock(
                    b.strip(), f"{where}.quiet_hours")
                quiet = (ta, tb) if ta and tb else None
            else:
                c.err(f"{where}.quiet_hours", "expected \"HH:MM-HH:MM\", e.g. \"23:00-07:30\"")
        result.append(NotifierConfig(
            name=name, type=type_ or "", url=url, to=to,
            secret_env=c.get(t, where, "secret_env", str, None),
            accounts=tuple(c.strings(t, where, "accounts")),
            themes=tuple(c.strings(t, where, "themes")),
            min_score=c.get(t, where, "min_score", float, 0.7),
            only_rising=c.get(t, where, "only_rising", bool, False), quiet_hours=quiet,
            template=c.get(t, where, "template", str, None)))
    return tuple(result)


class _Checker:
    """Collects problems by dotted path instead of stopping at the first one."""

    def __init__(self, path: Path):
        self.path = path
        self.problems: list[str] = []

    def err(self, key: str, message: str) -> None:
        self.problems.append(f"{self.path}: {key or '(top level)'}: {message}")

    def keys(self, t: Mapping[str, Any], where: str, allowed: set[str]) -> None:
        if not isinstance(t, Mapping):
            return
        for key in t:
            if key not in allowed:
                hint = (" (put secrets in an environment variable and name it with "
                        "password_env)") if key == "password" else ""
                self.err(_join(where, key), f"unknown key{hint}; allowed here: "
                                            f"{', '.join(sorted(allowed))}")

    def table(self, raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            self.err(key, f"expected a table [{key}]")
            return {}
        return value

    def array(self, value: Any, where: str) -> list[Mapping[str, Any]]:
        if not isinstance(value, list):
            self.err(where, f"expected an array of tables [[{where}]]")
            return []
        good = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                good.append(item)
            else:
                self.err(f"{where}[{i}]", f"expected a table [[{where}]]")
        return good

    def get(self, t: Mapping[str, Any], where: str, key: str, typ: type, default: Any, *,
            required: bool = False, minimum: float | None = None) -> Any:
        if key not in t:
            if required:
                self.err(_join(where, key), "missing; this key is required")
            return default
        value = t[key]
        ok = isinstance(value, typ) and not (isinstance(value, bool) and typ is not bool)
        if typ is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            self.err(_join(where, key), f"expected {_type_name(typ)}, got "
                                        f"{_type_name(type(value))} {value!r}")
            return default
        if typ is str and required and not value.strip():
            self.err(_join(where, key), "must not be empty")
            return default
        if minimum is not None and value < minimum:
            self.err(_join(where, key), f"must be at least {minimum}")
            return default
        return value

    def strings(self, t: Mapping[str, Any], where: str, key: str) -> list[str]:
        value = t.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.err(_join(where, key), "expected a list of strings")
            return []
        return [v.strip() for v in value if v.strip()]

    def duration(self, t: Mapping[str, Any], where: str, key: str, default: float) -> float:
        if key not in t:
            return default
        try:
            return parse_duration(t[key])
        except ValueError as exc:
            self.err(_join(where, key), str(exc))
            return default

    def clock(self, value: Any, where: str) -> dt.time | None:
        if isinstance(value, dt.time):
            return value
        if isinstance(value, str):
            try:
                return dt.time.fromisoformat(value.strip())
            except ValueError:
                pass
        self.err(where, f"expected a time of day \"HH:MM\", got {value!r}")
        return None


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _type_name(t: Any) -> str:
    if isinstance(t, tuple):
        return " or ".join(_type_name(x) for x in t)
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false",
            list: "a list", dict: "a table"}.get(t, getattr(t, "__name__", str(t)))

