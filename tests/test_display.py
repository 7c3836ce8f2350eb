"""Relative times in tables and workspace pages (Babel's CLDR wording) in both languages; absolute local time
beyond a week; heat in 万/亿."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from hotspot import display, i18n

NOW = 1_764_800_000.0
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def lang():
    before = i18n.current()
    yield i18n.activate
    i18n.activate(before)


@pytest.mark.parametrize(
    "delta,zh,en",
    [
        (-10, "刚刚", "just now"),
        (-77, "1分钟前", "1 minute ago"),
        (-59 * 60, "59分钟前", "59 minutes ago"),
        (-3 * 3600 - 100, "3小时前", "3 hours ago"),
        (-26 * 3600, "26小时前", "26 hours ago"),
        (-3 * 86400, "3天前", "3 days ago"),
        (45, "45秒钟后", "in 45 seconds"),
        (2 * 3600, "2小时后", "in 2 hours"),
    ],
)
def test_relative_times_in_both_languages(lang, delta, zh, en):
    lang("zh-CN")
    assert display.relative(NOW + delta, NOW) == zh
    assert display.table_time(NOW + delta, TZ, NOW) == zh
    lang("en")
    assert display.relative(NOW + delta, NOW) == en


@pytest.mark.parametrize("active", ["zh-CN", "en"])
def test_the_workspace_says_times_as_the_cli_in_its_own_language(lang, active):
    """A page speaks the app's language whatever the process's is, with the CLI's words."""
    from hotspot.web.views import ago

    lang(active)
    for delta in (-10, -77, -3 * 3600 - 100, -26 * 3600, -3 * 86400):
        zh = ago(int(NOW + delta), NOW, i18n.translations("zh-CN"))
        en = ago(int(NOW + delta), NOW, i18n.translations("en"))
        assert zh == display.relative(NOW + delta, NOW, "zh-CN") and zh.endswith(("前", "刚刚"))
        assert en == display.relative(NOW + delta, NOW, "en") and en.endswith(("ago", "now"))
    assert i18n.current() == active


def test_tables_show_the_local_time_beyond_a_week(lang):
    lang("zh-CN")
    ts = NOW - 8 * 86400
    assert display.table_time(ts, TZ, NOW) == display.local_time(ts, TZ)
    assert display.local_time(ts, TZ).count(":") == 1  # 2026-11-26 06:13
    assert display.table_time(None, TZ, NOW) == "-" and display.relative(0, NOW) == "-"


def test_heat_in_wan_and_yi():
    assert display.heat(11_440_000) == "1144.0万"
    assert display.heat(123_456_789) == "1.2亿"
    assert display.heat(9_999) == "9999" and display.heat(None) == ""
