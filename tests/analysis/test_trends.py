"""Trends: rising is relative to the platform's learned baseline; lifecycle states."""

from __future__ import annotations

from hotspot.analysis.trends import Baseline, analyze, learn_baseline, sparkline

H = 3600


def obs(platform, *points):
    return [{"platform": platform, "observed_at": t, "rank": r, "heat": h} for t, r, h in points]


def test_a_climb_counts_as_rising_only_relative_to_its_platform():
    o = obs("weibo", (0, 40, 1000), (H, 25, 1200))  # 15 ranks in an hour
    calm = Baseline(rank_gain={"weibo": 10.0})
    busy = Baseline(rank_gain={"weibo": 20.0})
    assert analyze(o, H, calm).rising
    assert not analyze(o, H, busy).rising


def test_the_top_has_nowhere_to_climb_and_falling_is_fading():
    top = obs("weibo", (0, 30, None), (H, 2, None))
    assert not analyze(top, H, Baseline(rank_gain={"weibo": 5.0})).rising
    falling = obs("baidu", (0, 3, None), (3 * H, 9, None), (4 * H, 15, None))
    assert analyze(falling, 4 * H).state == "fading"
    assert analyze(falling, 12 * H).state == "gone"
    assert analyze(obs("baidu", (0, 20, None)), 600).state == "new"


def test_an_unusually_high_new_entry_is_rising():
    base = Baseline(entry_rank={"weibo": 8})
    assert analyze(obs("weibo", (H, 6, None)), H, base).rising
    assert not analyze(obs("weibo", (H, 30, None)), H, base).rising
    assert not analyze(obs("weibo", (H, 6, None)), H).rising  # no history, no entry rule


def test_baseline_is_the_platforms_90th_percentile_of_climbs():
    series = [("weibo", [(0, 50, None), (H, 50 - k, None)]) for k in range(1, 101)]
    series += [("zhihu", [(0, 10, None), (H, 9, None)])] * 40
    b = learn_baseline(series)
    assert b.rank_gain["weibo"] == 91  # 90th percentile of gains 1..100
    assert b.rank_gain["zhihu"] == 1
    assert Baseline.from_dict(b.as_dict()) == b


def test_sparkline_draws_rank_inverted():
    assert sparkline([50, 25, 1], invert=True) == "▁▅█"  # rank 1 is the tallest bar
    assert sparkline([]) == ""
