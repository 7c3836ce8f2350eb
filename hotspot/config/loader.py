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

import os
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hotspot import i18n
from hotspot.config.checker import Checker
from hotspot.config.model import DEFAULT_CONFIG_NAME, Config, ThemeConfig
from hotspot.config.sections import (
    accounts,
    calendar,
    http,
    notifiers,
    parse_theme,
    smtp,
    sources,
    web,
)
from hotspot.errors import ConfigError
from hotspot.i18n import _

# The daemon never hits one host more often than this, whatever min_host_interval says
# ("0s" used to mean "no gap at all"; a manual `hotspot poll` still skips the gap).
MIN_HOST_INTERVAL_FLOOR = 1.0

DEFAULT_DATABASE = "var/hotspot.db"


def _inside_package_data(path: Path) -> bool:
    from importlib import resources

    try:
        data = Path(str(resources.files("hotspot.data"))).resolve()
    except (ModuleNotFoundError, TypeError):
        return False
    return path.resolve().is_relative_to(data)


def default_config_path() -> Path:
    return Path(os.environ.get("HOTSPOT_CONFIG") or DEFAULT_CONFIG_NAME)


def load_config(path: Path | str, plugins: Mapping[str, type] | None = None) -> Config:
    """Read and check ``path``; raise ``ConfigError`` listing every problem."""
    path = Path(path)
    try:
        # utf-8-sig: a UTF-8 BOM (Windows Notepad) is accepted.
        raw = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(
            _(
                "{path}: no such config file; create one with 'hotspot init' or pass --config PATH"
            ).format(path=path)
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(
            _(
                "{path}: the config file is not UTF-8 (GBK/GB18030?); save it as UTF-8 "
                "(in Notepad: Save as -> Encoding UTF-8)"
            ).format(path=path)
        ) from None
    except OSError as exc:
        raise ConfigError(
            _("{path}: cannot read the config file: {reason}").format(path=path, reason=exc)
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            _("{path}: not valid TOML: {reason}").format(path=path, reason=exc)
        ) from None
    return parse_config(raw, path, plugins)


def parse_config(
    raw: Mapping[str, Any], path: Path, plugins: Mapping[str, type] | None = None
) -> Config:
    c = Checker(path)
    c.keys(
        raw, "", {"hotspot", "sources", "accounts", "smtp", "notifiers", "http", "calendar", "web"}
    )
    base = path.resolve().parent
    top = c.table(raw, "hotspot")
    c.keys(
        top,
        "hotspot",
        {
            "database",
            "timezone",
            "language",
            "plugins",
            "log_format",
            "retention",
            "source_alert_after",
            "min_host_interval",
            "max_concurrent",
            "lexicons",
        },
    )
    # Default: var/hotspot.db beside the config file. Not data/: in a repository checkout
    # that is the package's own data folder (lexicons, starter config), never state.
    database = c.get(top, "hotspot", "database", str, DEFAULT_DATABASE)
    if database != ":memory:" and _inside_package_data(base / database):
        c.err(
            "hotspot.database",
            _(
                "{path} is inside hotspot's own data folder (the package's lexicons); "
                'point it elsewhere, e.g. database = "{default}"'
            ).format(path=base / database, default=DEFAULT_DATABASE),
        )
    timezone = c.get(top, "hotspot", "timezone", str, "Asia/Shanghai")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        c.err(
            "hotspot.timezone",
            _('unknown timezone {value!r}; use an IANA name such as "Asia/Shanghai"').format(
                value=timezone
            ),
        )
        timezone = "Asia/Shanghai"
    language = c.get(top, "hotspot", "language", str, i18n.DEFAULT_LANGUAGE)
    if language not in i18n.LANGUAGES:
        c.err(
            "hotspot.language", _('must be "zh-CN" or "en", not {value!r}').format(value=language)
        )
        language = i18n.DEFAULT_LANGUAGE
    log_format = c.get(top, "hotspot", "log_format", str, "text")
    if log_format not in ("text", "json"):
        c.err(
            "hotspot.log_format",
            _('must be "text" or "json", not {value!r}').format(value=log_format),
        )
    http_settings = http(c, c.table(raw, "http"))
    config = Config(
        path=path,
        database=(base / database) if database != ":memory:" else Path(database),
        timezone=timezone,
        language=language,
        plugins=tuple(c.strings(top, "hotspot", "plugins")),
        log_format=log_format,
        retention_days=c.duration(top, "hotspot", "retention", 30 * 86400.0) / 86400,
        source_alert_after=c.duration(top, "hotspot", "source_alert_after", 1800.0),
        min_host_interval=max(
            c.duration(top, "hotspot", "min_host_interval", 30.0), MIN_HOST_INTERVAL_FLOOR
        ),
        max_concurrent=c.get(top, "hotspot", "max_concurrent", int, 20, minimum=1),
        lexicons=tuple(base / p for p in c.strings(top, "hotspot", "lexicons")),
        http=http_settings,
        sources=sources(c, raw.get("sources", []), plugins),
        accounts=accounts(c, raw.get("accounts", [])),
        smtp=smtp(c, raw["smtp"]) if "smtp" in raw else None,
        notifiers=notifiers(c, raw.get("notifiers", [])),
        web=web(c, c.table(raw, "web")),
    )
    names = {a.name for a in config.accounts}
    config = replace(
        config, calendar=calendar(c, _calendar_entries(c, raw.get("calendar", []), base), names)
    )
    for i, n in enumerate(config.notifiers):
        for a in n.accounts:
            if a not in names:
                c.err(
                    f"notifiers[{i}].accounts",
                    _("no account named {name!r}; known accounts: {known}").format(
                        name=a, known=", ".join(sorted(names)) or "-"
                    ),
                )
    if not config.sources:
        c.warn("sources", _("no [[sources]]: the daemon would fetch nothing"))
    if not config.accounts:
        c.warn("accounts", _("no [[accounts]]: nothing would ever alert"))
    if c.problems:
        raise ConfigError(c.problems)
    return replace(config, warnings=tuple(c.warnings))


def plugin_modules(path: Path | str) -> list[str]:
    """``[hotspot] plugins`` read leniently, so the plugin-aware check can run even when other
    parts of the file are wrong (every mistake is then reported in one run)."""
    try:
        raw = tomllib.loads(Path(path).read_bytes().decode("utf-8-sig"))
        value = raw.get("hotspot", {}).get("plugins", [])
    except (OSError, ValueError, AttributeError):
        return []
    if isinstance(value, str):
        value = [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _calendar_entries(c: Checker, items: Any, base: Path) -> list[Any]:
    """``[[calendar]]`` tables, with ``{file = "nodes.toml"}`` entries replaced by that
    file's own ``[[calendar]]`` tables."""
    if not isinstance(items, list):
        return items
    out: list[Any] = []
    for i, t in enumerate(items):
        if isinstance(t, Mapping) and set(t) == {"file"} and isinstance(t["file"], str):
            p = base / t["file"]
            try:
                sub = tomllib.loads(p.read_text("utf-8")).get("calendar", [])
            except (OSError, tomllib.TOMLDecodeError) as exc:
                c.err(f"calendar[{i}].file", f"cannot read {p}: {exc}")
                continue
            out.extend(sub if isinstance(sub, list) else [])
        else:
            out.append(t)
    return out


def load_themes_file(path: Path | str) -> tuple[ThemeConfig, ...]:
    """The ``[[themes]]`` of a standalone TOML file (``hotspot match``/``eval``)."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            _("{path}: cannot read the themes file: {reason}").format(path=path, reason=exc)
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            _("{path}: not valid TOML: {reason}").format(path=path, reason=exc)
        ) from None
    c = Checker(path)
    c.keys(raw, "", {"themes"})
    themes = [
        parse_theme(c, t, f"themes[{i}]")
        for i, t in enumerate(c.array(raw.get("themes", []), "themes"))
    ]
    if not themes and not c.problems:
        c.err("themes", _("no [[themes]] tables in this file"))
    names = [t.name for t in themes]
    for n in {n for n in names if names.count(n) > 1}:
        c.err("themes", _("duplicate theme name {name!r}").format(name=n))
    if c.problems:
        raise ConfigError(c.problems)
    return tuple(themes)
