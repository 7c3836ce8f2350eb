"""Trajectories, velocity and lifecycle state of an event. Pure.

``analyze(observations, now, baseline)`` takes an event's sightings (platform, observed_at,
rank, heat) and returns a ``Trend``: per-platform best/last rank, ranks gained per hour
between its latest sightings, heat growth rate, a lifecycle state (new, rising, peaking,
fading, gone) and a ``rising`` flag.

*Rising* is relative to how topics usually move on each platform, not a fixed number:
``learn_baseline`` reads the stored history and finds, per platform, the 90th percentile of
the rank gain per hour (and of the relative heat growth per hour) between consecutive
sightings of climbing items. An event whose latest climb on any platform exceeds its
platform's percentile, while it is still below the top 3, is rising; so is one whose heat
grows faster than the platform's percentile, and so is a new entry that comes in higher than
90% of the platform's new entries do (the earliest sign hourly snapshots can show). Until
history exists the defaults below apply (no entry rule).
``sparkline`` draws a trajectory in eight block characters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

BARS = "▁▂▃▄▅▆▇█"
HISTORY = 24 * 3600  # the window of sightings a trend is computed from
GONE_AFTER = 6 * 3600
NEW_FOR = 2 * 3600
RISING_RANK_PER_HOUR = 8.0  # defaults until a baseline is learned
RISING_HEAT_GROWTH = 0.5
PERCENTILE = 0.9
TOP = 3  # an event already in the top 3 has nowhere left to climb


@dataclass(frozen=True, slots=True)
class Baseline:
    """Per platform: the climb (ranks/hour) and heat growth (x/hour) that count as fast."""

    rank_gain: Mapping[str, float] = field(default_factory=dict)
    heat_growth: Mapping[str, float] = field(default_factory=dict)
    entry_rank: Mapping[str, float] = field(default_factory=dict)

    def entry_threshold(self, platform: str) -> float:
        return self.entry_rank.get(platform, 0)

    def rank_threshold(self, platform: str) -> float:
        return self.rank_gain.get(platform, RISING_RANK_PER_HOUR)

    def heat_threshold(self, platform: str) -> float:
        return self.heat_growth.get(platform, RISING_HEAT_GROWTH)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rank_gain": dict(self.rank_gain),
            "heat_growth": dict(self.heat_growth),
            "entry_rank": dict(self.entry_rank),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> Baseline:
        d = d or {}
        return cls(
            rank_gain=dict(d.get("rank_gain", {})),
            heat_growth=dict(d.get("heat_growth", {})),
            entry_rank=dict(d.get("entry_rank", {})),
        )


def learn_baseline(
    series: Iterable[tuple[str, Sequence[tuple[int, int | None, int | None]]]],
) -> Baseline:
    """``series``: (platform, [(observed_at, rank, heat), ...] in time order) per item."""
    gains: dict[str, list[float]] = {}
    growths: dict[str, list[float]] = {}
    entries: dict[str, list[float]] = {}
    for platform, obs in series:
        if obs and obs[0][1] is not None:
            entries.setdefault(platform, []).append(obs[0][1])
        for (t0, r0, h0), (t1, r1, h1) in zip(obs, obs[1:]):
            hours = (t1 - t0) / 3600
            if hours <= 0 or hours > 6:
                continue
            if r0 is not None and r1 is not None and r1 < r0:
                gains.setdefault(platform, []).append((r0 - r1) / hours)
            if h0 and h1 and h1 > h0:
                growths.setdefault(platform, []).append((h1 / h0 - 1) / hours)
    return Baseline(
        rank_gain={p: _quantile(v, PERCENTILE) for p, v in gains.items() if len(v) >= 30},
        heat_growth={p: _quantile(v, PERCENTILE) for p, v in growths.items() if len(v) >= 30},
        entry_rank={p: _quantile(v, 1 - PERCENTILE) for p, v in entries.items() if len(v) >= 30},
    )


def _quantile(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 3)


@dataclass(frozen=True, slots=True)
class Trend:
    state: str
    rising: bool = False
    velocity: float = 0.0  # ranks gained per hour (positive = climbing)
    heat_growth: float = 0.0  # relative heat growth per hour
    best_rank: int | None = None
    platforms: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    ranks: tuple[int | None, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "rising": self.rising,
            "velocity": round(self.velocity, 2),
            "heat_growth": round(self.heat_growth, 3),
            "best_rank": self.best_rank,
            "platforms": dict(self.platforms),
            "ranks": list(self.ranks[-24:]),
        }


def analyze(
    observations: Sequence[Mapping[str, Any]], now: int, baseline: Baseline | None = None
) -> Trend:
    baseline = baseline or Baseline()
    if not observations:
        return Trend(state="gone")
    by_platform: dict[str, list[Mapping[str, Any]]] = {}
    for o in observations:
        by_platform.setdefault(o["platform"], []).append(o)
    first = min(o["observed_at"] for o in observations)
    last = max(o["observed_at"] for o in observations)
    velocity, growth, rising = 0.0, 0.0, False
    summary: dict[str, dict[str, Any]] = {}
    for platform, obs in by_platform.items():
        obs = sorted(obs, key=lambda o: o["observed_at"])
        ranked = [o for o in obs if o["rank"] is not None]
        v = _rank_velocity(ranked)
        g = _heat_growth([o for o in obs if o["heat"]])
        velocity, growth = max(velocity, v), max(growth, g)
        last_rank = ranked[-1]["rank"] if ranked else None
        fresh = bool(obs) and now - obs[-1]["observed_at"] <= GONE_AFTER
        if (
            fresh
            and last_rank is not None
            and last_rank > TOP
            and v >= baseline.rank_threshold(platform)
        ):
            rising = True
        if fresh and g >= baseline.heat_threshold(platform) and (last_rank or 99) > TOP:
            rising = True
        if (
            len(ranked) == 1
            and ranked[0]["observed_at"] == now
            and TOP < ranked[0]["rank"] <= baseline.entry_threshold(platform)
        ):
            rising = True  # a new entry that comes in unusually high for this platform
        summary[platform] = {
            "best_rank": min((o["rank"] for o in ranked), default=None),
            "last_rank": last_rank,
            "velocity": round(v, 2),
            "sightings": len(obs),
        }
    best = min((s["best_rank"] for s in summary.values() if s["best_rank"]), default=None)
    main = max(by_platform.values(), key=len)
    ranks = tuple(o["rank"] for o in sorted(main, key=lambda o: o["observed_at"]))
    if now - last > GONE_AFTER:
        state = "gone"
    elif rising:
        state = "rising"
    elif now - first < NEW_FOR:
        state = "new"
    elif velocity <= 0 and _falling(by_platform):
        state = "fading"
    else:
        state = "peaking"
    return Trend(
        state=state,
        rising=state == "rising",
        velocity=velocity,
        heat_growth=growth,
        best_rank=best,
        platforms=summary,
        ranks=ranks,
    )


def _falling(by_platform: Mapping[str, list[Mapping[str, Any]]]) -> bool:
    """Every platform's latest sighting ranks worse than its best."""
    for obs in by_platform.values():
        ranked = [
            o["rank"] for o in sorted(obs, key=lambda o: o["observed_at"]) if o["rank"] is not None
        ]
        if not ranked or ranked[-1] <= min(ranked):
            return False
    return True


def _rank_velocity(obs: Sequence[Mapping[str, Any]]) -> float:
    """Ranks gained per hour between the two latest sightings (the earliest detectable climb)."""
    if len(obs) < 2:
        return 0.0
    start, end = obs[-2], obs[-1]
    hours = (end["observed_at"] - start["observed_at"]) / 3600
    if hours <= 0 or hours > 6:
        return 0.0
    return (start["rank"] - end["rank"]) / hours


def _heat_growth(obs: Sequence[Mapping[str, Any]]) -> float:
    """Relative heat growth per hour between the two latest sightings with heat."""
    if len(obs) < 2:
        return 0.0
    start, end = obs[-2], obs[-1]
    hours = (end["observed_at"] - start["observed_at"]) / 3600
    if hours <= 0 or hours > 6 or not start["heat"]:
        return 0.0
    return (end["heat"] / start["heat"] - 1) / hours


def sparkline(values: Sequence[float | None], invert: bool = False) -> str:
    """Eight-level bars; with ``invert`` (ranks) a smaller number draws a taller bar."""
    nums = [v for v in values if v is not None]
    if not nums:
        return ""
    lo, hi = min(nums), max(nums)
    out = []
    for v in values:
        if v is None:
            out.append(" ")
            continue
        frac = 0.5 if hi == lo else (v - lo) / (hi - lo)
        if invert:
            frac = 1 - frac
        out.append(BARS[min(7, int(frac * 7.999))])
    return "".join(out)
