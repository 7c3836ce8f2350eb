"""Walk-forward backtest of the rising flag on archived hot lists (``hotspot backtest``). Pure.

History is replayed snapshot by snapshot, thinned to one snapshot per ``poll`` seconds per
platform (the daemon's cadence), through the same ``rising.Tracker`` the daemon feeds. Each
judged local day gets a model trained only on the sightings before that day began, labelled
with what was known then (an item that reached the top 10 after midnight is a negative in
training); the previous rule (``trends`` percentile baseline) is learned from the same part.

Judged titles, per platform: first seen on the judged day, outside the top 10, and not in
the platform's first snapshot (their past is unknown). A title is *flagged* at its first
sighting the rule calls rising while it is outside the top 10 and has not been in it; a flag
is a *hit* when the title later reaches the top 10, and its lead is the time from the flag
to that first top-10 sighting. Recall = hits / titles that reached the top 10; precision =
hits / flagged titles. Outcomes are read from the whole file (the future of the judged day
is known to the judge, never to the model). Cross-platform presence links titles with the
same ``match_key`` (the daemon links by event).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hotspot.analysis import rising, trends
from hotspot.ingest.normalize import match_key


@dataclass(frozen=True, slots=True)
class Snap:
    platform: str
    at: int
    entries: tuple[rising.Entry, ...]


@dataclass(slots=True)
class RuleFigures:
    flagged: int = 0
    hits: int = 0
    leads: list[float] = field(default_factory=list)  # minutes

    def as_dict(self, reached: int) -> dict[str, Any]:
        q = _quartiles(self.leads)
        return {
            "flagged": self.flagged,
            "hits": self.hits,
            "recall": round(self.hits / reached, 3) if reached else None,
            "precision": round(self.hits / self.flagged, 3) if self.flagged else None,
            "lead_p25_min": q[0],
            "lead_median_min": q[1],
            "lead_p75_min": q[2],
        }


@dataclass(slots=True)
class PlatformFigures:
    titles: int = 0
    reached: int = 0
    new: RuleFigures = field(default_factory=RuleFigures)
    old: RuleFigures = field(default_factory=RuleFigures)
    model_days: int = 0
    days: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "titles": self.titles,
            "reached": self.reached,
            "days": self.days,
            "model_days": self.model_days,
            "new": self.new.as_dict(self.reached),
            "old": self.old.as_dict(self.reached),
        }


def _quartiles(values: list[float]) -> tuple[float | None, float | None, float | None]:
    if not values:
        return None, None, None
    if len(values) == 1:
        return values[0], values[0], values[0]
    q = statistics.quantiles(values, n=4)
    return round(q[0], 1), round(statistics.median(values), 1), round(q[2], 1)


def thin(snaps: Iterable[Snap], poll: int) -> list[Snap]:
    """Keep at most one snapshot per ``poll`` seconds per platform (a little slack for
    clock jitter, as a daemon polling every ``poll`` seconds would see)."""
    last: dict[str, int] = {}
    out = []
    for s in snaps:
        prev = last.get(s.platform)
        if prev is None or s.at - prev >= poll * 0.9:
            out.append(s)
            last[s.platform] = s.at
    return out


@dataclass(slots=True)
class _Replay:
    sightings: list[rising.Sighting]
    old_flags: list[bool]  # the previous rule's verdict, per sighting (needs its baseline)
    steps: list[tuple[float, float, bool]]  # (ranks/h, heat growth/h, first sighting)


def replay(snaps: Sequence[Snap], utc_offset_hours: float = 8.0) -> _Replay:
    tracker = rising.Tracker(utc_offset_hours)
    sightings: list[rising.Sighting] = []
    steps: list[tuple[float, float, bool]] = []
    last: dict[tuple[str, str], tuple[int, int, float | None]] = {}
    for snap in snaps:
        for s in tracker.snapshot(snap.platform, snap.at, snap.entries):
            sightings.append(s)
            heat = math.expm1(s.features[1])
            prev = last.get((s.platform, s.key))
            v = g = 0.0
            if prev is not None:
                hours = (s.at - prev[0]) / 3600
                if 0 < hours <= 6:
                    v = (prev[1] - s.rank) / hours
                    if prev[2] and heat:
                        g = (heat / prev[2] - 1) / hours
            steps.append((v, g, prev is None or s.at - prev[0] > 6 * 3600))
            last[(s.platform, s.key)] = (s.at, s.rank, heat)
    return _Replay(sightings, [], steps)


def old_rule(s: rising.Sighting, step: tuple[float, float, bool], base: trends.Baseline) -> bool:
    """The previous percentile rule, as ``trends.analyze`` applies it to one platform."""
    v, g, first = step
    if s.rank <= trends.TOP:
        return False
    if v >= base.rank_threshold(s.platform) or g >= base.heat_threshold(s.platform):
        return True
    return first and s.rank <= base.entry_threshold(s.platform)


def _series_before(
    sightings: Sequence[rising.Sighting], cut: int
) -> list[tuple[str, list[tuple[int, int | None, int | None]]]]:
    by_item: dict[tuple[str, str], list[tuple[int, int | None, int | None]]] = {}

    for s in sightings:
        if s.at >= cut:
            break
        heat = int(math.expm1(s.features[1])) or None
        by_item.setdefault((s.platform, s.key), []).append((s.at, s.rank, heat))
    return [(p, obs) for (p, _), obs in by_item.items()]


def run(
    snaps: Sequence[Snap],
    *,
    poll: int = 120,
    train_until: datetime | None = None,
    tz: ZoneInfo | None = None,
) -> dict[str, PlatformFigures]:
    tz = tz or ZoneInfo("Asia/Shanghai")
    snaps = thin(sorted(snaps, key=lambda s: (s.at, s.platform)), poll)
    if not snaps:
        return {}
    offset = (datetime.fromtimestamp(snaps[0].at, tz).utcoffset() or timedelta()).total_seconds()
    rp = replay(snaps, offset / 3600)
    seq = rp.sightings
    first_snapshot: dict[str, int] = {}
    for s in seq:
        first_snapshot.setdefault(s.platform, s.at)
    # outcome and first sighting per title, from the whole file
    first_seen: dict[tuple[str, str], rising.Sighting] = {}
    first10: dict[tuple[str, str], int] = {}
    for s in seq:
        k = (s.platform, s.key)
        first_seen.setdefault(k, s)
        if s.rank <= rising.TOP:
            first10.setdefault(k, s.at)

    def day_start(at: int) -> int:
        d = datetime.fromtimestamp(at, tz)
        return int(d.replace(hour=0, minute=0, second=0, microsecond=0).timestamp())

    days = sorted({day_start(s.at) for s in seq})
    start = int(train_until.timestamp()) if train_until else (days[1] if len(days) > 1 else None)
    judged = [d for d in days if start is not None and d >= start]
    figures: dict[str, PlatformFigures] = {}
    models: dict[str, rising.PlatformModel] = {}
    index = 0
    for day in judged:
        end = int((datetime.fromtimestamp(day, tz) + timedelta(days=1, hours=1)).timestamp())
        end = day_start(end)
        while index < len(seq) and seq[index].at < day:
            index += 1
        # as the daemon trains: the candidate chosen by CV is kept for a week
        previous = {p: m.chosen for p, m in models.items()}
        models = rising.train(rising.label(seq[:index]), trained_until=day, previous=previous)
        base = trends.learn_baseline(_series_before(seq, day))
        titles = {
            k
            for k, s in first_seen.items()
            if day <= s.at < end and s.rank > rising.TOP and s.at > first_snapshot[s.platform]
        }
        for p in {k[0] for k in titles}:
            f = figures.setdefault(p, PlatformFigures())
            f.days += 1
            f.model_days += p in models
        cands: dict[str, list[int]] = {}
        for i in range(index, len(seq)):
            s = seq[i]
            k = (s.platform, s.key)
            if k not in titles or s.rank <= rising.TOP or s.reached:
                continue
            cands.setdefault(s.platform, []).append(i)
        for platform, idx in cands.items():
            model = models.get(platform)
            new_flags: list[bool]
            olds = [old_rule(seq[i], rp.steps[i], base) for i in idx]
            if model is not None:
                new_flags = [
                    e is not None and e.flagged
                    for e in rising.estimate(model, [seq[i] for i in idx])
                ]
            else:
                new_flags = olds
            _score(figures[platform].new, [seq[i] for i in idx], new_flags, first10)
            _score(figures[platform].old, [seq[i] for i in idx], olds, first10)
        for k in titles:
            f = figures[k[0]]
            f.titles += 1
            f.reached += k in first10
    return figures


def _score(
    fig: RuleFigures,
    sightings: Sequence[rising.Sighting],
    flags: Sequence[bool],
    first10: dict[tuple[str, str], int],
) -> None:
    flagged_at: dict[tuple[str, str], int] = {}
    for s, flag in zip(sightings, flags):
        k = (s.platform, s.key)
        if flag and k not in flagged_at:
            flagged_at[k] = s.at
    for k, at in flagged_at.items():
        fig.flagged += 1
        t10 = first10.get(k)
        if t10 is not None and t10 > at:
            fig.hits += 1
            fig.leads.append((t10 - at) / 60)


def snaps_from_history(snapshots: Iterable[Any]) -> list[Snap]:
    """``hotspot.ingest.history.Snapshot`` objects to backtest snapshots (pinned and unranked
    entries are not on the list proper and are left out)."""
    out = []
    for snap in snapshots:
        entries = tuple(
            rising.Entry(
                key=match_key(it.title),
                rank=it.rank,
                heat=it.heat,
                tag=it.category,
                group=match_key(it.title),
            )
            for it in snap.items
            if it.rank is not None and not it.pinned
        )
        out.append(Snap(snap.platform, int(snap.at.timestamp()), entries))
    return out
