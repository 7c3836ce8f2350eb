"""The marketing calendar against dates from the almanac (hard-coded here from public
knowledge, not computed by the libraries the calendar uses)."""

from __future__ import annotations

import datetime as dt

import pytest

from hotspot.config import CalendarNodeConfig
from hotspot.planning.calendar import (
    UNANNOUNCED,
    known_years,
    load_nodes,
    nth_weekday,
    occurrences,
    upcoming,
    within_lead,
)

D = dt.date
# 春节, 清明, 端午, 中秋, 冬至 per the published almanac; 2027-2029 are past chinese-calendar 1.11
ALMANAC = {
    2023: (D(2023, 1, 22), D(2023, 4, 5), D(2023, 6, 22), D(2023, 9, 29), D(2023, 12, 22)),
    2024: (D(2024, 2, 10), D(2024, 4, 4), D(2024, 6, 10), D(2024, 9, 17), D(2024, 12, 21)),
    2025: (D(2025, 1, 29), D(2025, 4, 4), D(2025, 5, 31), D(2025, 10, 6), D(2025, 12, 21)),
    2026: (D(2026, 2, 17), D(2026, 4, 5), D(2026, 6, 19), D(2026, 9, 25), D(2026, 12, 22)),
    2027: (D(2027, 2, 6), D(2027, 4, 5), D(2027, 6, 9), D(2027, 9, 15), D(2027, 12, 22)),
    2028: (D(2028, 1, 26), D(2028, 4, 4), D(2028, 5, 28), D(2028, 10, 3), D(2028, 12, 21)),
    2029: (D(2029, 2, 13), D(2029, 4, 4), D(2029, 6, 16), D(2029, 9, 22), D(2029, 12, 21)),
}
NAMES = ("春节", "清明节", "端午节", "中秋节", "冬至")


def _year(year: int, nodes=None) -> dict:
    occ = occurrences(nodes or load_nodes(), D(year, 1, 1), D(year, 12, 31))
    return {o.name: o for o in occ if o.start.year == year}


@pytest.mark.parametrize("year", sorted(ALMANAC))
def test_traditional_festivals_match_the_almanac(year):
    got = _year(year)
    assert tuple(got[n].start for n in NAMES) == ALMANAC[year]
    assert got["除夕"].start == ALMANAC[year][0] - dt.timedelta(days=1)


def test_rule_days():
    got = _year(2026)
    assert got["母亲节"].start == D(2026, 5, 10)  # second Sunday of May
    assert got["父亲节"].start == D(2026, 6, 21)  # third Sunday of June
    assert got["感恩节"].start == D(2026, 11, 26)  # fourth Thursday of November
    assert got["七夕"].start == D(2026, 8, 19)
    assert got["重阳节"].start == D(2026, 10, 18)
    assert got["618"].end == D(2026, 6, 18)
    assert nth_weekday(2025, 5, -1, 0) == D(2025, 5, 26)  # last Monday of May


def test_official_holidays_and_make_up_days_where_announced():
    first, last = known_years()
    assert first <= 2025 <= last
    spring = _year(2025)["春节"]
    assert spring.off_days[0] == D(2025, 1, 28) and spring.off_days[-1] == D(2025, 2, 4)
    assert spring.workdays == (D(2025, 1, 26), D(2025, 2, 8))  # 调休上班, both weekends
    assert "chinese-calendar" in spring.source and not spring.note


def test_unannounced_year_falls_back_and_says_so():
    year = known_years()[1] + 1
    got = _year(year)
    assert got["国庆节"].start == D(year, 10, 1)
    assert got["国庆节"].note == UNANNOUNCED and not got["国庆节"].workdays
    assert got["情人节"].note == ""  # not an official holiday: nothing to announce


def test_account_nodes_and_lead_override():
    extra = (
        CalendarNodeConfig(name="品牌周年庆", date="03-18", lead=30 * 86400.0, account="A"),
        CalendarNodeConfig(name="B的新品", date="2026-03-20", account="B"),
    )
    nodes = load_nodes(extra, account="A")
    names = {n.name for n in nodes}
    assert "品牌周年庆" in names and "B的新品" not in names
    occ = [o for o in upcoming(nodes, D(2026, 2, 20), 60) if o.name == "品牌周年庆"]
    assert occ and occ[0].start == D(2026, 3, 18)
    assert within_lead(occ[0], D(2026, 2, 20), 7 * 86400.0)  # 26 days: inside its own 30d lead
    women = next(o for o in upcoming(nodes, D(2026, 2, 20), 60) if o.name == "妇女节/女神节")
    assert not within_lead(women, D(2026, 2, 20), 7 * 86400.0)
    assert within_lead(women, D(2026, 3, 2), 7 * 86400.0)
