"""The configuration as the rest of hotspot sees it: frozen, typed dataclasses and defaults.

Nothing here reads files or checks input; ``hotspot.config.loader`` builds these objects.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hotspot import __version__

DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    f"Chrome/124.0 Safari/537.36 hotspot/{__version__}"
)


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """Client limits; all configurable under ``[http]`` in hotspot.toml."""

    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    deadline: float = 60.0  # total time for one fetch, redirects and body included
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
    max_age: float = 2 * 86400.0  # an item published longer ago never alerts


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
    exclude_verticals: tuple[str, ...] = ()  # never link these (ids), whatever else says so


@dataclass(frozen=True, slots=True)
class BenchmarkConfig:
    """A benchmark account (对标账号) of one account: a feed polled like a source."""

    name: str
    url: str
    interval: float = 1800.0


@dataclass(frozen=True, slots=True)
class CalendarNodeConfig:
    """One ``[[calendar]]`` node: a date ("2026-05-20", "05-20" every year) or a rule the
    planning calendar understands ("lunar:08-15", "term:冬至", "nth:05:2:sun")."""

    name: str
    date: str
    days: int = 1
    verticals: tuple[str, ...] = ()
    heat: int = 3
    angles: tuple[str, ...] = ()
    lead: float | None = None
    account: str | None = None  # None: every account


SENSITIVITY_MODES = ("strict", "normal", "off")


@dataclass(frozen=True, slots=True)
class AccountConfig:
    name: str
    themes: tuple[ThemeConfig, ...] = ()
    digest_to: tuple[str, ...] = ()
    digest_at: dt.time | None = None
    digest_empty: bool = True
    sensitivity: str = "normal"
    calendar_lead: float = 7 * 86400.0
    audience: tuple[str, ...] = ()
    pillars: tuple[str, ...] = ()
    benchmarks: tuple[BenchmarkConfig, ...] = ()


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
    min_chance: float | None = None  # with only_rising: fire when the chance reaches this
    quiet_hours: tuple[dt.time, dt.time] | None = None
    template: str | None = None
    include_sensitive: bool = False
    timeout: float = 10.0  # one message, the whole request (connect, send, answer)
    max_per_hour: int = 20  # messages started per hour; the rest waits (and is in the digest)


@dataclass(frozen=True, slots=True)
class WebConfig:
    """``[web]``: the operator's workspace (``hotspot web``, or served by ``hotspot run``).

    ``listen`` is ``HOST:PORT``; the daemon serves the workspace only when ``[web]`` sets it.
    Any address other than loopback needs ``password_env`` (the name of an environment
    variable holding the team's shared password)."""

    listen: str | None = None
    password_env: str | None = None
    refresh: float = 60.0

    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


@dataclass(frozen=True, slots=True)
class Config:
    path: Path
    database: Path
    timezone: str = "Asia/Shanghai"
    language: str = "zh-CN"
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
    warnings: tuple[str, ...] = ()  # the config loads, but the operator should know these
    calendar: tuple[CalendarNodeConfig, ...] = ()
    web: WebConfig = field(default_factory=WebConfig)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def account(self, name: str) -> AccountConfig | None:
        return next((a for a in self.accounts if a.name == name), None)
