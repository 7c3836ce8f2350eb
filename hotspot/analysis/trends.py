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
``Track`` holds the same state incrementally (the daemon's per-poll refresh); ``analyze``
folds a list of sightings into one. ``sparkline`` draws a trajectory in eight block characters.
"""

from __future__ import annotations

from collections import deque
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
RANKS_KEPT = 24  # the trajectory a trend shows (sparkline)


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
    sample = BaselineSample()
    for n, (platform, obs) in enumerate(series):
        for at, rank, heat in obs:
            sample.add(platform, n, at, rank, heat)
    return sample.baseline()


class BaselineSample:
    """What ``learn_baseline`` counts, gathered sighting by sighting (a live replay relearns
    hourly without re-reading the whole history): per platform the climbs, heat growths and
    entry ranks of every item, from consecutive sightings in time order."""

    def __init__(self) -> None:
        self.gains: dict[str, list[float]] = {}
        self.growths: dict[str, list[float]] = {}
        self.entries: dict[str, list[float]] = {}
        self._last: dict[object, tuple[int, int | None, int | None]] = {}

    def add(self, platform: str, item: object, at: int, rank: int | None, heat: int | None) -> None:
        prev = self._last.get(item)
        self._last[item] = (at, rank, heat)
        if prev is None:
            if rank is not None:
                self.entries.setdefault(platform, []).append(rank)
            return
        t0, r0, h0 = prev
        hours = (at - t0) / 3600
        if hours <= 0 or hours > 6:
            return
        if r0 is not None and rank is not None and rank < r0:
            self.gains.setdefault(platform, []).append((r0 - rank) / hours)
        if h0 and heat and heat > h0:
            self.growths.setdefault(platform, []).append((heat / h0 - 1) / hours)

    def baseline(self) -> Baseline:
        return Baseline(
            rank_gain={p: _quantile(v, PERCENTILE) for p, v in self.gains.items() if len(v) >= 30},
            heat_growth={
                p: _quantile(v, PERCENTILE) for p, v in self.growths.items() if len(v) >= 30
            },
            entry_rank={
                p: _quantile(v, 1 - PERCENTILE) for p, v in self.entries.items() if len(v) >= 30
            },
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


class _Platform:
    """What the trend needs of one platform's sightings, folded in one at a time."""

    __slots__ = ("best", "first", "last", "n", "ranked", "ranks", "warm")

    def __init__(self) -> None:
        self.first = self.last = 0
        self.n = 0
        self.best: int | None = None
        self.ranked: list[tuple[int, int]] = []  # the two latest (at, rank)
        self.warm: list[tuple[int, int]] = []  # the two latest (at, heat) with heat
        self.ranks: deque[int | None] = deque(maxlen=RANKS_KEPT)

    def add(self, at: int, rank: int | None, heat: int | None) -> None:
        if not self.n:
            self.first = at
        self.n += 1
        self.last = max(self.last, at)
        self.ranks.append(rank)
        if rank is not None:
            self.best = rank if self.best is None else min(self.best, rank)
            self.ranked = [*self.ranked[-1:], (at, rank)]
        if heat:
            self.warm = [*self.warm[-1:], (at, heat)]

    def velocity(self) -> float:
        """Ranks gained per hour between the two latest sightings (the earliest climb)."""
        if len(self.ranked) < 2:
            return 0.0
        (t0, r0), (t1, r1) = self.ranked
        hours = (t1 - t0) / 3600
        return (r0 - r1) / hours if 0 < hours <= 6 else 0.0

    def growth(self) -> float:
        """Relative heat growth per hour between the two latest sightings with heat."""
        if len(self.warm) < 2:
            return 0.0
        (t0, h0), (t1, h1) = self.warm
        hours = (t1 - t0) / 3600
        return (h1 / h0 - 1) / hours if 0 < hours <= 6 and h0 else 0.0


class Track:
    """An event's trend state, updated per sighting: the daemon keeps one per live event so a
    poll's trend refresh costs O(1) per event instead of re-reading 24 h of sightings.
    The best rank is the best since the track began (a track is rebuilt from the last
    ``HISTORY`` of sightings when an event comes back after the daemon forgot it)."""

    __slots__ = ("first", "last", "platforms")

    def __init__(self) -> None:
        self.platforms: dict[str, _Platform] = {}
        self.first: int | None = None
        self.last = 0

    def add(self, platform: str, at: int, rank: int | None, heat: int | None) -> None:
        self.platforms.setdefault(platform, _Platform()).add(at, rank, heat)
        self.first = at if self.first is None else min(self.first, at)
        self.last = max(self.last, at)

    def trend(
        self, now: int, baseline: Baseline | None = None, rising: bool | None = None
    ) -> Trend:
        """The trend as of ``now``; ``rising`` overrides the percentile rule's verdict (the
        learned detector's flag, where a platform has a model)."""
        baseline = baseline or Baseline()
        if not self.platforms or self.first is None:
            return Trend(state="gone")
        velocity, growth, rule = 0.0, 0.0, False
        summary: dict[str, dict[str, Any]] = {}
        for platform, p in self.platforms.items():
            v, g = p.velocity(), p.growth()
            velocity, growth = max(velocity, v), max(growth, g)
            last_rank = p.ranked[-1][1] if p.ranked else None
            fresh = now - p.last <= GONE_AFTER
            if (
                fresh
                and last_rank is not None
                and last_rank > TOP
                and v >= baseline.rank_threshold(platform)
            ):
                rule = True
            if fresh and g >= baseline.heat_threshold(platform) and (last_rank or 99) > TOP:
                rule = True
            if (
                p.n == 1
                and p.ranked
                and p.ranked[-1][0] == now
                and TOP < p.ranked[-1][1] <= baseline.entry_threshold(platform)
            ):
                rule = True  # a new entry that comes in unusually high for this platform
            summary[platform] = {
                "best_rank": p.best,
                "last_rank": last_rank,
                "velocity": round(v, 2),
                "sightings": p.n,
            }
        is_rising = rule if rising is None else rising
        best = min((s["best_rank"] for s in summary.values() if s["best_rank"]), default=None)
        main = max(self.platforms.values(), key=lambda p: p.n)
        if now - self.last > GONE_AFTER:
            state = "gone"
        elif is_rising:
            state = "rising"
        elif now - self.first < NEW_FOR:
            state = "new"
        elif velocity <= 0 and self._falling():
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
            ranks=tuple(main.ranks),
        )

    def _falling(self) -> bool:
        """Every platform's latest sighting ranks worse than its best."""
        for p in self.platforms.values():
            if not p.ranked or p.best is None or p.ranked[-1][1] <= p.best:
                return False
        return True


def analyze(
    observations: Sequence[Mapping[str, Any]], now: int, baseline: Baseline | None = None
) -> Trend:
    """The trend of these sightings (platform, observed_at, rank, heat) as of ``now``."""
    return track_of(observations).trend(now, baseline)


def track_of(observations: Iterable[Mapping[str, Any]]) -> Track:
    t = Track()
    for o in sorted(observations, key=lambda o: o["observed_at"]):
        t.add(o["platform"], o["observed_at"], o["rank"], o["heat"])
    return t


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
