"""Read the heat figures hot lists print: "1.2万", "356万", "1854 万热度", "剧集 598919", "1.2亿".

Pure functions. ``parse_heat`` returns an int or None (for "热度累计中", "", "-"), never raises;
``split_category`` separates Weibo's category word from its number.

**A heat of 0 is unknown, not zero.** Platforms print 0 where they have no figure: Douyin's
``trending_list`` rows carry ``hot_value: 0``, Weibo's promotion rows ``num: 0``. No row of the
79,134 in the recorded corpus (Weibo, Baidu, Zhihu, Toutiao) has a real heat of 0 (an entry with
no heat would not be on a hot list), and storing 0 would read as a collapse in heat trends. So
``parse_heat`` returns None for every form of zero ("0", 0, "0万"), for every platform at once;
the raw text stays in ``heat_raw``.
"""

from __future__ import annotations

import re

_UNITS = {
    "万": 10_000,
    "w": 10_000,
    "W": 10_000,
    "亿": 100_000_000,
    "千": 1_000,
    "k": 1_000,
    "K": 1_000,
    "百万": 1_000_000,
    "千万": 10_000_000,
    "万亿": 10**12,
    "m": 1_000_000,
    "M": 1_000_000,
}
_NUMBER = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)\s*(万亿|千万|百万|亿|万|千|[wWkKmM])?")
_CATEGORY = re.compile(
    r"^\s*([^\d\s.,+\-][^\d]*?)\s*([\d.,]+\s*(?:万亿|千万|百万|亿|万|千|[wWkKmM])?)\s*$"
)

MAX_HEAT = 10**15  # anything larger is garbage, not heat


def parse_heat(value: object) -> int | None:
    """Return the number a heat value stands for, or None when it holds no number.

    >>> parse_heat("1.2万"), parse_heat("1854 万热度"), parse_heat(598919), parse_heat("热度累计中")
    (12000, 18540000, 598919, None)
    >>> parse_heat(0), parse_heat("0")  # the platforms' placeholder: unknown
    (None, None)
    """
    number = _parse_heat(value)
    return number if number else None


def _parse_heat(value: object) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_HEAT else None
    if isinstance(value, float):
        if value != value or not 0 <= value <= MAX_HEAT:  # NaN or out of range
            return None
        return int(value)
    if not isinstance(value, str):
        return None
    m = _NUMBER.search(value[:200])
    if not m:
        return None
    try:
        number = float(m.group(1).replace(",", ""))
    except ValueError:
        return None
    number *= _UNITS.get(m.group(2) or "", 1)
    if not 0 <= number <= MAX_HEAT:
        return None
    return int(round(number))


def split_category(value: object) -> tuple[str | None, int | None]:
    """Split Weibo's ``desc_extr`` such as "剧集 598919" into ("剧集", 598919).

    A plain number gives (None, number); text without a number gives (None, None).
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return None, parse_heat(value)
    if not isinstance(value, str):
        return None, None
    m = _CATEGORY.match(value[:200])
    if m:
        category = m.group(1).strip() or None
        return category, parse_heat(m.group(2))
    return None, parse_heat(value)
