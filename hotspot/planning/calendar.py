"""The marketing calendar (热点日历): predictable nodes computed for any year. Pure.

Nodes are rules, not dates (``data/calendar.toml`` ships them; ``[[calendar]]`` adds an
account's own): fixed days ("05-20"), lunar days ("lunar:08-15", "lunar:eve" for 除夕,
via ``lunar-python``), the 24 solar terms ("term:冬至", also ``lunar-python``) and rule days
("nth:05:2:sun", the second Sunday of May). Every solar term not defined in the file is a
low-heat node of its own.

Official holidays and make-up workdays come from ``chinese-calendar``, which only knows the
years the State Council has announced. For a year past its data, a holiday node keeps the
festival's own date (from its rule) and says so in ``note``; no make-up workdays are listed.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import chinese_calendar
from lunar_python import Lunar, Solar

from hotspot.config import CalendarNodeConfig
from hotspot.errors import ConfigError
from hotspot.i18n import _

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SOLAR_TERMS = (
    "小寒", "大寒", "立春", "雨水", "惊蛰", "春分", "清明", "谷雨", "立夏", "小满", "芒种", "夏至",
    "小暑", "大暑", "立秋", "处暑", "白露", "秋分", "寒露", "霜降", "立冬", "小雪", "大雪", "冬至",
)  # fmt: skip
UNANNOUNCED = "放假安排尚未公布：按节日当天列出，调休以国务院通知为准"


@dataclass(frozen=True, slots=True)
class Node:
    """A calendar rule with what it matters for."""

    name: str
    date: str
    days: int = 1
    offset: int = 0
    heat: int = 3
    kind: str = "festival"
    verticals: tuple[str, ...] = ()
    angles: tuple[str, ...] = ()
    holiday: str | None = None
    lead: float | None = None  # seconds; None: the account's calendar_lead
    origin: str = "built-in"


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One node on concrete dates."""

    node: Node
    start: dt.date
    end: dt.date
    source: str  # how the date was found: rule, lunar-python, chinese-calendar
    note: str = ""
    off_days: tuple[dt.date, ...] = field(default=())  # official days off around it
    workdays: tuple[dt.date, ...] = field(default=())  # make-up workdays (调休上班)

    @property
    def name(self) -> str:
        return self.node.name


def load_nodes(extra: Iterable[CalendarNodeConfig] = (), account: str | None = None) -> list[Node]:
    """The shipped nodes, the 24 solar terms, and ``extra`` nodes for ``account``."""
    try:
        text = resources.files("hotspot.data").joinpath("calendar.toml").read_text("utf-8")
        raw = tomllib.loads(text).get("nodes", [])
    except (OSError, tomllib.TOMLDecodeError) as exc:  # a broken install, not operator input
        raise ConfigError(
            _("hotspot.data/calendar.toml: cannot read the calendar: {exc}").format(exc=exc)
        ) from exc
    nodes = [
        Node(
            name=n["name"],
            date=n["date"],
            days=n.get("days", 1),
            offset=n.get("offset", 0),
            heat=n.get("heat", 3),
            kind=n.get("kind", "holiday" if n.get("holiday") else "festival"),
            verticals=tuple(n.get("verticals", ())),
            angles=tuple(n.get("angles", ())),
            holiday=n.get("holiday"),
        )
        for n in raw
    ]
    defined = {n.date for n in nodes}
    for term in SOLAR_TERMS:
        if f"term:{term}" not in defined:
            nodes.append(
                Node(
                    name=term,
                    date=f"term:{term}",
                    heat=1,
                    kind="solar_term",
                    verticals=("wellness", "food", "culture_history"),
                    angles=("节气养生", "节气习俗", "时令美食"),
                )
            )
    for c in extra:
        if c.account is not None and c.account != account:
            continue
        nodes.append(
            Node(
                name=c.name,
                date=c.date,
                days=c.days,
                heat=c.heat,
                kind="custom",
                verticals=c.verticals,
                angles=c.angles,
                lead=c.lead,
                origin=f"account:{c.account}" if c.account else "config",
            )
        )
    return nodes


def nth_weekday(year: int, month: int, n: int, weekday: int) -> dt.date:
    """The ``n``-th ``weekday`` (0 = Monday) of the month; ``n = -1`` is the last one."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    last = nxt - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7 + 7 * (-n - 1))


def _solar(s: Solar) -> dt.date:
    return dt.date(s.getYear(), s.getMonth(), s.getDay())


@lru_cache(maxsize=64)
def _solar_terms(year: int) -> dict[str, dt.date]:
    """The 24 solar terms falling in Gregorian ``year`` (lunar-python's table is slow)."""
    out = {}
    for y in (year - 1, year, year + 1):
        for name, s in Lunar.fromYmd(y, 6, 1).getJieQiTable().items():
            d = _solar(s)
            if d.year == year and name in SOLAR_TERMS:
                out[name] = d
    return out


@lru_cache(maxsize=4096)
def rule_date(rule: str, year: int) -> tuple[dt.date, str] | None:
    """The date of ``rule`` in (Gregorian) ``year`` and what computed it; None if none."""
    if rule.startswith("lunar:"):
        spec = rule[6:]
        if spec == "eve":  # the last day of lunar year ``year - 1`` falls in ``year``
            return _solar(Lunar.fromYmd(year, 1, 1).getSolar()) - dt.timedelta(
                days=1
            ), "lunar-python"
        m, d = (int(x) for x in spec.split("-"))
        for lunar_year in (year, year - 1):  # lunar 11th/12th months can fall in January
            date = _solar(Lunar.fromYmd(lunar_year, m, d).getSolar())
            if date.year == year:
                return date, "lunar-python"
        return None
    if rule.startswith("term:"):
        day = _solar_terms(year).get(rule[5:])
        return (day, "lunar-python") if day else None
    if rule.startswith("nth:"):
        _, month, n, wd = rule.split(":")
        return nth_weekday(year, int(month), int(n), WEEKDAYS.index(wd)), "rule"
    parts = rule.split("-")
    if len(parts) == 3:
        date = dt.date.fromisoformat(rule)
        return (date, "fixed") if date.year == year else None
    try:
        return dt.date(year, int(parts[0]), int(parts[1])), "fixed"
    except ValueError:
        return None


def known_years() -> tuple[int, int]:
    """The years chinese-calendar has the State Council's holiday notice for."""
    years = sorted({d.year for d in chinese_calendar.holidays})
    return years[0], years[-1]


def official(
    holiday: str, year: int, near: dt.date
) -> tuple[tuple[dt.date, ...], tuple[dt.date, ...]]:
    """(days off, make-up workdays) of the official ``holiday`` around ``near``."""
    off = sorted(
        d
        for d, name in chinese_calendar.holidays.items()
        if name == holiday and abs((d - near).days) <= 10
    )
    if not off:
        return (), ()
    lo, hi = off[0] - dt.timedelta(days=14), off[-1] + dt.timedelta(days=14)
    work = sorted(
        d for d, name in chinese_calendar.workdays.items() if name == holiday and lo <= d <= hi
    )
    return tuple(off), tuple(work)


def occurrences(nodes: Sequence[Node], start: dt.date, end: dt.date) -> list[Occurrence]:
    """Every occurrence of ``nodes`` overlapping [start, end], by start date."""
    first, last = known_years()
    out = []
    for node in nodes:
        for year in range(start.year - 1, end.year + 2):
            found = rule_date(node.date, year)
            if found is None:
                continue
            day, source = found
            s = day + dt.timedelta(days=node.offset)
            e = s + dt.timedelta(days=node.days - 1)
            if e < start or s > end:
                continue
            note = ""
            off: tuple[dt.date, ...] = ()
            work: tuple[dt.date, ...] = ()
            if node.holiday:
                if first <= year <= last:
                    off, work = official(node.holiday, year, day)
                    source += "+chinese-calendar"
                else:
                    note = UNANNOUNCED
            out.append(Occurrence(node, s, e, source, note, off, work))
    return sorted(out, key=lambda o: (o.start, -o.node.heat, o.name))


def upcoming(nodes: Sequence[Node], today: dt.date, days: int) -> list[Occurrence]:
    """Occurrences from ``today`` to ``today + days`` (ongoing windows included)."""
    return occurrences(nodes, today, today + dt.timedelta(days=days))


def within_lead(occ: Occurrence, today: dt.date, default_lead: float) -> bool:
    """Whether ``occ`` is inside its lead time (the node's, else the account's) as of today."""
    lead = occ.node.lead if occ.node.lead is not None else default_lead
    return occ.end >= today and (occ.start - today).days <= lead / 86400


def as_row(occ: Occurrence, today: dt.date, default_lead: float) -> dict:
    """One occurrence as a flat row (CLI table/json/csv, digest)."""
    lead = occ.node.lead if occ.node.lead is not None else default_lead
    in_days = (occ.start - today).days
    return {
        "date": occ.start.isoformat(),
        "end": occ.end.isoformat(),
        "name": occ.name,
        "in_days": in_days,
        "kind": occ.node.kind,
        "heat": occ.node.heat,
        "lead_days": round(lead / 86400, 1),
        "in_lead": within_lead(occ, today, default_lead),
        "verticals": list(occ.node.verticals),
        "angles": list(occ.node.angles),
        "off_days": [d.isoformat() for d in occ.off_days],
        "workdays": [d.isoformat() for d in occ.workdays],
        "source": occ.source,
        "note": occ.note,
        "origin": occ.node.origin,
    }
