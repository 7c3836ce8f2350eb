"""How numbers and times are shown to operators, one place for the CLI, the digest and pushes.

Heat is written the Chinese way in both languages (``1144.0万``, ``1.2亿``): operators read
hot lists in 万/亿 and the platforms print them so. Times are local to the configured
timezone, one format everywhere (``2026-12-04 08:30``). Terminal tables show recent times
relative instead (:func:`table_time`: "3小时前" / "3 hours ago", "2小时后" / "in 2 hours"),
which is what an operator asks of a hot topic; JSON and CSV keep the absolute local time.

Relative times are Babel's ``format_timedelta`` with the CLDR wording of each language (the
plural rules, "前/后", "ago/in" are CLDR's, not ours). Its threshold (how many of a unit
before the next larger unit is used) is 1 within a day (77 s is "1分钟前", 59 min "59分钟前")
and 1.5 beyond, so 26 hours stay "26小时前" instead of rounding to "1天前".
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hotspot import i18n
from hotspot.i18n import _

TIME_FORMAT = "%Y-%m-%d %H:%M"


def heat(value: int | float | None) -> str:
    """``11440000`` -> ``1144.0万``; ``123456789`` -> ``1.2亿``; small values as they are."""
    if not value:
        return ""
    if value >= 100_000_000:
        return f"{value / 100_000_000:.1f}亿"
    if value >= 10_000:
        return f"{value / 10_000:.1f}万"
    return str(int(value))


def local_time(ts: int | float | None, tz: ZoneInfo) -> str:
    """A Unix time as local time in ``tz`` in the one table format, ``-`` when unknown."""
    if not ts:
        return "-"
    return dt.datetime.fromtimestamp(ts, tz).strftime(TIME_FORMAT)


#: Babel locale per hotspot language.
BABEL_LOCALES = {"zh-CN": "zh_Hans_CN", "en": "en"}

#: How far from now a table still shows a relative time; older (or further ahead) shows the
#: local date and time, since "3周前" says less than "2026-11-12 08:30".
RELATIVE_SPAN = 7 * 86400


def relative(ts: int | float | None, now: float, language: str | None = None) -> str:
    """``3小时前`` / ``3 hours ago``, ``2小时后`` / ``in 2 hours`` in ``language`` (default: the
    active one); under a minute ago ``刚刚`` / ``just now``; ``-`` when unknown. The CLI's
    tables and the web workspace both say times this way."""
    if not ts:
        return "-"
    delta = ts - now
    if -60 < delta <= 0:
        return (
            _("just now") if language is None else i18n.translations(language).gettext("just now")
        )
    from babel.dates import format_timedelta

    return format_timedelta(
        dt.timedelta(seconds=round(delta)),
        threshold=1.0 if abs(delta) < 86400 else 1.5,
        add_direction=True,
        locale=BABEL_LOCALES.get(language or i18n.current(), "en"),
    )


def ago(ts: int | float | None, now: float) -> str:
    """How long before ``now`` ``ts`` was (see :func:`relative`)."""
    return relative(ts, now)


def table_time(ts: int | float | None, tz: ZoneInfo, now: float) -> str:
    """A time in a terminal table: relative within a week of ``now``, else local time."""
    if not ts:
        return "-"
    if abs(ts - now) < RELATIVE_SPAN:
        return relative(ts, now)
    return local_time(ts, tz)
