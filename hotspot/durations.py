"""Durations as operators write them in hotspot.toml ("90s", "2m", "1h30m", "1d") and as the CLI
accepts them (``--since 24h``). Pure; ``parse_duration`` raises ``ValueError`` with the reason."""

from __future__ import annotations

import re
import unicodedata

from hotspot.i18n import _

# Units as operators type them: Latin letters, full-width forms (NFKC folds "２ｍ" to "2m") and
# Chinese words ("2分钟", "24小时", "2天", "1周"); longer spellings first so "ms" is not "m".
_UNITS = {
    "ms": 0.001,
    "毫秒": 0.001,
    "s": 1,
    "秒钟": 1,
    "秒": 1,
    "m": 60,
    "分钟": 60,
    "分": 60,
    "h": 3600,
    "小时": 3600,
    "时": 3600,
    "d": 86400,
    "天": 86400,
    "日": 86400,
    "w": 7 * 86400,
    "星期": 7 * 86400,
    "周": 7 * 86400,
}
_PART = re.compile(
    r"(\d+(?:\.\d+)?)\s*个?(" + "|".join(map(re.escape, _UNITS)) + ")", re.IGNORECASE
)
_SECONDS = _UNITS


def fold(text: str) -> str:
    """Full-width digits, letters and punctuation to ASCII ("２４ｈ" -> "24h", "08：30" ->
    "08:30")."""
    return unicodedata.normalize("NFKC", text)


def parse_duration(value: object) -> float:
    """Seconds in ``value`` (a number of seconds, or text like "2m", "1h30m")."""
    if isinstance(value, bool):
        raise ValueError(_('expected a duration such as "90s", "2m" or "1h"'))
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(_("a duration cannot be negative"))
        return float(value)
    if not isinstance(value, str):
        raise ValueError(_('expected a duration such as "90s", "2m" or "1h"'))
    text = fold(value).strip().replace(" ", "")
    if not text:
        raise ValueError(_('empty duration; write e.g. "2m"'))
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    pos = 0
    total = 0.0
    for m in _PART.finditer(text):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _SECONDS[m.group(2).lower()]
        pos = m.end()
    if pos != len(text) or pos == 0:
        raise ValueError(
            _(
                'bad duration {value!r}; write e.g. "90s", "2m", "1h30m", "1d" or "2分钟", "24小时"'
            ).format(value=value)
        )
    return total


def format_duration(seconds: float) -> str:
    """Short human form: 45s, 2m, 1h30m, 2d3h."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    if seconds and len(parts) < 2:
        parts.append(f"{seconds}s")
    return "".join(parts[:2])
