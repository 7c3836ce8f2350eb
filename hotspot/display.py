"""How numbers and times are shown to operators, one place for the CLI, the digest and pushes.

Heat is written the Chinese way in both languages (``1144.0万``, ``1.2亿``): operators read
hot lists in 万/亿 and the platforms print them so. Times are local to the configured
timezone, one format everywhere (``2026-12-04 08:30``); tables add a relative time
("3 小时前" / "3 hours ago").
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hotspot.i18n import _, ngettext

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


def ago(ts: int | float | None, now: float) -> str:
    """``3 小时前`` / ``3 hours ago``: how long before ``now`` ``ts`` was."""
    if not ts:
        return "-"
    delta = int(now - ts)
    if delta >= 86400:
        return ngettext("{n} day ago", "{n} days ago", delta // 86400).format(n=delta // 86400)
    if delta >= 3600:
        return ngettext("{n} hour ago", "{n} hours ago", delta // 3600).format(n=delta // 3600)
    if delta >= 60:
        return ngettext("{n} minute ago", "{n} minutes ago", delta // 60).format(n=delta // 60)
    return _("just now")
