"""Trajectories, velocity and lifecycle state of an event. Pure.

``analyze(observations, now)`` takes an event's sightings (platform, observed_at, rank, heat)
and returns a ``Trend``: per-platform best/last rank, rank gained per hour over the last
few hours, heat growth rate, a lifecycle state (new, rising, peaking, fading, gone) and a
``rising`` flag. ``sparkline`` draws a trajectory in eight block characters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

BARS = "▁▂▃▄▅▆▇█"
HISTORY = 24 * 3600  # the window of sightings a trend is computed from
GONE_AFTER = 6 * 3600
NEW_FOR = 2 * 3600
RISING_RANK_PER_HOUR = 8.0
RISING_HEAT_GROWTH = 0.5


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
        return {"state": self.state, "rising": self.rising,
                "velocity": round(self.velocity, 2), "heat_growth": round(self.heat_growth, 3),
                "best_rank": self.best_rank, "platforms": dict(self.platforms),
                "ranks": list(self.ranks[-24:])}


def analyze(observations: Sequence[Mapping[str, Any]], now: int) -> Trend:
    if not observations:
        return Trend(state="gone")
    by_platform: dict[str, list[Mapping[str, Any]]] = {}
    for o in observations:
        by_platform.setdefault(o["platform"], []).append(o)
    first = min(o["observed_at"] for o in observations)
    last = max(o["observed_at"] for o in observations)
    velocity, growth = 0.0, 0.0
    summary: dict[str, dict[str, Any]] = {}
    for platform, obs in by_platform.items():
        obs = sorted(obs, key=lambda o: o["observed_at"])
        ranked = [o for o in obs if o["rank"] is not None]
        v = _rank_velocity(ranked)
        g = _heat_growth([o for o in obs if o["heat"]])
        velocity, growth = max(velocity, v), max(growth, g)
        summary[platform] = {"best_rank": min((o["rank"] for o in ranked), default=None),
                             "last_rank": ranked[-1]["rank"] if ranked else None,
                             "velocity": round(v, 2), "sightings": len(obs)}
    best = min((s["best_rank"] for s in summary.values() if s["best_rank"]), default=None)
    main = max(by_platform.values(), key=len)
    ranks = tuple(o["rank"] for o in sorted(main, key=lambda o: o["observed_at"]))
    rising = velocity >= RISING_RANK_PER_HOUR or growth >= RISING_HEAT_GROWTH
    if now - last > GONE_AFTER:
        state = "gone"
    elif rising:
        state = "rising"
    elif now - first < NEW_FOR:
        state = "new"
    elif velocity < -RISING_RANK_PER_HOUR / 2:
        state = "fading"
    else:
        state = "peaking"
    return Trend(state=state, rising=rising and state == "rising", velocity=velocity,
                 heat_growth=growth, best_rank=best, platforms=summary, ranks=ranks)


def _rank_velocity(obs: Sequence[Mapping[str, Any]], window: int = 3 * 3600) -> float:
    if len(obs) < 2:
        return 0.0
    end = obs[-1]
    start = next((o for o in obs if end["observed_at"] - o["observed_at"] <= window), obs[0])
    hours = (end["observed_at"] - start["observed_at"]) / 3600
    if hours <= 0:
        return 0.0
    return (start["rank"] - end["rank"]) / hours


def _heat_growth(obs: Sequence[Mapping[str, Any]], window: int = 3 * 3600) -> float:
    if len(obs) < 2:
        return 0.0
    end = obs[-1]
    start = next((o for o in obs if end["observed_at"] - o["observed_at"] <= window), obs[0])
    hours = (end["observed_at"] - start["observed_at"]) / 3600
    if hours <= 0 or not start["heat"]:
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
