"""The learned rising detector: at each sighting outside the top 10, the chance an item reaches
the top 10 (and the top 3) of its platform, and roughly when. Pure (no store, no clock).

``Tracker`` folds snapshots (one platform's list at one moment) into the little per-item state
the features need and returns one ``Sighting`` per ranked entry, with its feature vector:

    rank, log heat, heat / heat of rank 10, heat / heat of rank 1,
    climb (ranks) and log heat growth over the last 2, 10 and 30 minutes,
    minutes on the list, best rank so far, local hour, Weibo-style category tag,
    how many other platforms carry the same event (group) now and its best rank there.

A window reaches back to the latest sighting at or before ``now - window``; an item younger
than the window is compared with its entry ("came from off the list": rank ``OFF_LIST``).
On hourly lists every window therefore falls back to the previous sighting.

``train`` learns, per platform, three LightGBM models from labelled sightings (reaches the
top 10 later / reaches the top 3 later / log minutes until the top 10) and a flag threshold:
the lowest chance at which the flags would have been right ``PRECISION_TARGET`` of the time
on out-of-fold predictions of the training history (folds by item, so no item judges
itself); when no threshold gets there, the one with the best F1. ``Model.estimate`` scores a
snapshot's sightings; ``explain`` words a flag in Chinese.

Why LightGBM: the signal is an interaction (a climb of 14 ranks means little at rank 45 at
4 a.m., a lot at rank 15 at noon), which boosted trees take without hand-made crosses; it
trains on a few hundred thousand sightings in seconds, predicts a 50-row snapshot in well
under a millisecond, and its model is a text string we keep in the store's meta table. The
daemon imports it only once a platform has a model (numpy + lightgbm add about 30 MB).
"""

from __future__ import annotations

import bisect
import math
import zlib
from array import array
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

TOP = 10
TOP3 = 3
OFF_LIST = 51  # the rank an item "had" before it entered the visible list
WINDOWS = (120, 600, 1800)  # seconds: 2, 10 and 30 minutes
KEEP = 1900  # seconds of sightings kept per item (the longest window and a poll)
PRECISION_TARGET = 0.7
MIN_TITLES = 40  # reached titles needed on a platform before a model replaces the rule
TAGS = ("剧集", "电影", "综艺", "演出", "音乐", "盛典", "晚会", "新", "热", "沸", "爆")
FEATURES = (
    "rank",
    "log_heat",
    "heat_vs_10",
    "heat_vs_1",
    "climb_2m",
    "climb_10m",
    "climb_30m",
    "growth_2m",
    "growth_10m",
    "growth_30m",
    "minutes_on",
    "best_rank",
    "hour",
    "tag",
    "other_platforms",
    "best_elsewhere",
    "minutes_to_10",
    "growth_vs_list",
)
GROWTH = FEATURES.index("growth_10m")
CLIMB = FEATURES.index("climb_10m")


@dataclass(frozen=True, slots=True)
class Entry:
    """One ranked entry of a snapshot: ``key`` is stable per item, ``group`` per story."""

    key: str
    rank: int
    heat: float | None = None
    tag: str | None = None
    group: Any = None


@dataclass(slots=True)
class Sighting:
    key: str
    platform: str
    at: int
    rank: int
    features: list[float]
    group: Any = None
    reached: bool = False  # already in the top 10 before (no longer a candidate)
    elsewhere: str | None = None  # the other platform where the story ranks best


@dataclass(slots=True)
class _Item:
    first: int
    best: int
    reached: bool
    seen: deque = field(default_factory=deque)  # (at, rank, heat)


class Tracker:
    """Per-item state over the last half hour, fed one snapshot at a time."""

    def __init__(self, utc_offset_hours: float = 8.0):
        self.items: dict[tuple[str, str], _Item] = {}
        self.groups: dict[Any, dict[str, tuple[int, int]]] = {}  # group -> platform -> (at, rank)
        self.offset = int(utc_offset_hours * 3600)
        self._list_growth: dict[str, float] = {}  # median 10-minute growth of the last snapshot

    def snapshot(self, platform: str, at: int, entries: Sequence[Entry]) -> list[Sighting]:
        ranked = sorted((e for e in entries if e.rank is not None), key=lambda e: e.rank)
        heats = {e.rank: e.heat for e in ranked if e.heat}
        h10 = heats.get(TOP) or next((heats[r] for r in sorted(heats) if r >= TOP), None)
        h1 = heats.get(1) or (max(heats.values()) if heats else None)
        hour = ((at + self.offset) % 86400) / 3600
        out = []
        for e in ranked:
            state = self.items.get((platform, e.key))
            if state is None or at - state.seen[-1][0] > 6 * 3600:
                reached = bool(state and state.reached)
                state = _Item(first=at, best=e.rank, reached=reached)
                self.items[(platform, e.key)] = state
            heat = float(e.heat or 0)
            f = [
                float(e.rank),
                math.log1p(heat),
                heat / h10 if h10 and heat else 0.0,
                heat / h1 if h1 and heat else 0.0,
            ]
            climbs, growths = [], []
            for w in WINDOWS:
                past = _at_or_before(state.seen, at - w)
                if past is None:
                    past_rank = OFF_LIST
                    past_heat = state.seen[0][2] if state.seen else None
                else:
                    past_rank, past_heat = past[1], past[2]
                climbs.append(float(past_rank - e.rank))
                growths.append(math.log(heat / past_heat) if heat and past_heat else 0.0)
            f += climbs + growths
            others = [
                (r, p)
                for p, (t, r) in self.groups.get(e.group, {}).items()
                if p != platform and at - t <= 3 * 3600
            ]
            f += [
                (at - state.first) / 60,
                float(min(state.best, e.rank)),
                hour,
                float(TAGS.index(e.tag)) if e.tag in TAGS else -1.0,
                float(len(others)),
                float(min(others, default=(99, ""))[0]),
            ]
            # minutes until its heat would pass rank 10's at the 10-minute growth rate
            g10 = growths[1]
            if h10 and heat >= h10:
                to10 = 0.0
            elif h10 and heat and g10 > 0:
                to10 = min(999.0, math.log(h10 / heat) / (g10 / 10))
            else:
                to10 = 999.0
            f += [to10, g10 - self._list_growth.get(platform, 0.0)]
            where = min(others)[1] if others else None
            out.append(Sighting(e.key, platform, at, e.rank, f, e.group, state.reached, where))
            state.best = min(state.best, e.rank)
            state.seen.append((at, e.rank, heat or None))
            while len(state.seen) > 2 and state.seen[1][0] <= at - KEEP:
                state.seen.popleft()
            if e.rank <= TOP:
                state.reached = True
            if e.group is not None:
                self.groups.setdefault(e.group, {})[platform] = (at, e.rank)
        gs = sorted(s.features[GROWTH] for s in out)
        if gs:
            self._list_growth[platform] = gs[len(gs) // 2]
        return out

    def forget(self, before: int) -> None:
        """Drop items not seen since ``before`` (keeps memory flat in a long-running daemon)."""
        for k in [k for k, s in self.items.items() if s.seen[-1][0] < before]:
            del self.items[k]
        for g in [g for g, ps in self.groups.items() if max(t for t, _ in ps.values()) < before]:
            del self.groups[g]


def _at_or_before(seen: deque, t: int) -> tuple | None:
    for s in reversed(seen):
        if s[0] <= t:
            return s
    return None


# -- labelled history -------------------------------------------------------------------


@dataclass(slots=True)
class Labelled:
    """Candidate sightings of one platform with what happened next (as known at the cut);
    features packed row after row in one ``array('d')`` (a week of a busy list stays a few
    megabytes, not hundreds)."""

    rows: array = field(default_factory=lambda: array("d"))
    top10: list[int] = field(default_factory=list)
    top3: list[int] = field(default_factory=list)
    minutes: list[float] = field(default_factory=list)  # until the top 10 (nan if never)
    keys: list[str] = field(default_factory=list)

    def append(self, features: Sequence[float], t10: int, t3: int, minutes: float, key: str):
        self.rows.extend(features)
        self.top10.append(t10)
        self.top3.append(t3)
        self.minutes.append(minutes)
        self.keys.append(key)

    def __len__(self) -> int:
        return len(self.keys)


class Labeller:
    """Labels in two streaming passes over history in time order: ``outcome`` sees every
    ranked sighting (when each item first reached the top 10 / top 3, how many candidate
    sightings it has), then ``add`` takes the tracker's sightings and keeps at most
    ``most`` candidates per item, spread evenly over its time outside the top 10."""

    def __init__(self, most: int = 0):
        self.most = most or PER_TITLE
        self.first10: dict[tuple[str, str], int] = {}
        self.first3: dict[tuple[str, str], int] = {}
        self.count: dict[tuple[str, str], int] = {}
        self.taken: dict[tuple[str, str], int] = {}
        self.out: dict[str, Labelled] = {}

    def outcome(self, platform: str, key: str, at: int, rank: int | None) -> None:
        if rank is None:
            return
        k = (platform, key)
        if rank <= TOP3:
            self.first3.setdefault(k, at)
        if rank <= TOP:
            self.first10.setdefault(k, at)
        elif k not in self.first10:
            self.count[k] = self.count.get(k, 0) + 1

    def add(self, s: Sighting) -> None:
        if s.rank <= TOP or s.reached:
            return
        k = (s.platform, s.key)
        t10, t3 = self.first10.get(k), self.first3.get(k)
        if t10 is not None and t10 < s.at:
            return
        j = self.taken.get(k, 0)
        self.taken[k] = j + 1
        n = self.count.get(k, 1)
        if n > self.most and j and int(j * self.most / n) == int((j - 1) * self.most / n):
            return  # not one of the evenly spread sightings kept for this item
        self.out.setdefault(s.platform, Labelled()).append(
            s.features,
            int(t10 is not None),
            int(t3 is not None and t3 > s.at),
            (t10 - s.at) / 60 if t10 is not None else math.nan,
            s.key,
        )


def label(sightings: Iterable[Sighting], most: int = 0) -> dict[str, Labelled]:
    """Label candidate sightings (outside the top 10, never in it before) with their item's
    later outcome on the same platform; ``sightings`` must be in time order."""
    seq = list(sightings)
    lab = Labeller(most)
    for s in seq:
        lab.outcome(s.platform, s.key, s.at, s.rank)
    for s in seq:
        lab.add(s)
    return lab.out


# -- models ----------------------------------------------------------------------------

PARAMS = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "verbose": -1,
    "num_threads": 1,
    "seed": 7,
}
ROUNDS = 150


@dataclass(slots=True)
class PlatformModel:
    threshold: float
    top10: Any  # lightgbm.Booster
    top3: Any | None
    eta: Any | None
    growth_q: list[float]  # quantiles (0..100) of 10-minute heat growth among candidates
    climb_q: list[float]
    titles: int
    reached: int
    trained_until: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "top10": self.top10.model_to_string(),
            "top3": self.top3.model_to_string() if self.top3 is not None else None,
            "eta": self.eta.model_to_string() if self.eta is not None else None,
            "growth_q": self.growth_q,
            "climb_q": self.climb_q,
            "titles": self.titles,
            "reached": self.reached,
            "trained_until": self.trained_until,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PlatformModel:
        import lightgbm as lgb

        def booster(s: str | None) -> Any:
            return lgb.Booster(model_str=s) if s else None

        return cls(
            threshold=float(d["threshold"]),
            top10=booster(d["top10"]),
            top3=booster(d.get("top3")),
            eta=booster(d.get("eta")),
            growth_q=list(d.get("growth_q", [])),
            climb_q=list(d.get("climb_q", [])),
            titles=int(d.get("titles", 0)),
            reached=int(d.get("reached", 0)),
            trained_until=int(d.get("trained_until", 0)),
        )


@dataclass(slots=True)
class Estimate:
    chance: float
    chance_top3: float | None
    eta_minutes: float | None
    flagged: bool
    sighting: Sighting | None = None
    model: PlatformModel | None = None
    _why: str | None = None

    @property
    def why(self) -> str:
        """The Chinese explanation, worded only when someone reads it (most estimates of a
        poll are never stored)."""
        if self._why is None:
            if self.sighting is None or self.model is None:
                return ""
            self._why = explain(self.sighting, self.model, self.chance, self.eta_minutes)
        return self._why

    def as_dict(self) -> dict[str, Any]:
        return {
            "chance": round(self.chance, 3),
            "chance_top3": None if self.chance_top3 is None else round(self.chance_top3, 3),
            "eta_minutes": None if self.eta_minutes is None else round(self.eta_minutes),
            "flagged": self.flagged,
            "why": self.why,
        }


def _fit(rows: Any, y: Any, objective: str = "binary", weight: Any = None) -> Any:
    import lightgbm as lgb

    params = dict(PARAMS, objective=objective)
    data = lgb.Dataset(rows, label=y, weight=weight, categorical_feature=[13])
    return lgb.train(params, data, ROUNDS)


def _fold(key: str, k: int = 3) -> int:
    return zlib.crc32(key.encode("utf-8")) % k


def choose_threshold(
    keys: Sequence[str], probs: Sequence[float], reached: Mapping[str, bool]
) -> float:
    """The lowest chance whose title-level flags reach PRECISION_TARGET (else best F1).

    A title is flagged at its first sighting at or above the threshold; every candidate
    sighting precedes the top 10 by construction, so every flag of a reaching title is early."""
    best_p: dict[str, float] = {}
    for k, p in zip(keys, probs):
        if p > best_p.get(k, -1.0):
            best_p[k] = p
    total = sum(1 for k in best_p if reached.get(k))
    if not total:
        return 1.0
    ranked = sorted(best_p.items(), key=lambda kv: -kv[1])
    hits = 0
    best_f1, f1_thr, prec_thr = -1.0, 1.0, None
    for flags, (k, p) in enumerate(ranked, 1):
        hits += bool(reached.get(k))
        precision, recall = hits / flags, hits / total
        f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
        if f1 > best_f1:
            best_f1, f1_thr = f1, p
        if precision >= PRECISION_TARGET and flags >= 10:
            prec_thr = p
    return float(prec_thr if prec_thr is not None else f1_thr)


def train(labelled: Mapping[str, Labelled], trained_until: int = 0) -> dict[str, PlatformModel]:
    """One model per platform that has seen at least MIN_TITLES items reach the top 10."""
    import numpy as np

    models: dict[str, PlatformModel] = {}
    for platform, lab in labelled.items():
        reached: dict[str, bool] = {}
        for k, y in zip(lab.keys, lab.top10):
            reached[k] = reached.get(k, False) or bool(y)
        n_reached = sum(reached.values())
        if n_reached < MIN_TITLES or len(reached) - n_reached < MIN_TITLES:
            continue
        x = np.frombuffer(lab.rows, dtype=np.float64).reshape(len(lab), len(FEATURES))
        y10 = np.asarray(lab.top10)
        folds = np.asarray([_fold(k) for k in lab.keys])
        counts: dict[str, int] = {}
        for k in lab.keys:
            counts[k] = counts.get(k, 0) + 1
        # every title weighs the same: a title that idles at rank 45 all day would otherwise
        # outvote the early minutes of the climbers, which are what a flag must catch
        w = np.asarray([1.0 / counts[k] for k in lab.keys])
        oof = np.zeros(len(y10))
        for f in range(3):
            test = folds == f
            if test.all() or not test.any() or len(set(y10[~test])) < 2:
                oof[test] = y10[~test].mean() if (~test).any() else 0.0
                continue
            oof[test] = _fit(x[~test], y10[~test], weight=w[~test]).predict(x[test], num_threads=1)
        threshold = choose_threshold(lab.keys, oof.tolist(), reached)
        y3 = np.asarray(lab.top3)
        top3 = _fit(x, y3) if 0 < y3.sum() < len(y3) else None
        minutes = np.asarray(lab.minutes)
        pos = ~np.isnan(minutes)
        eta = (
            _fit(x[pos], np.log1p(minutes[pos]), "regression") if pos.sum() >= MIN_TITLES else None
        )
        models[platform] = PlatformModel(
            threshold=threshold,
            top10=_fit(x, y10, weight=w),
            top3=top3,
            eta=eta,
            growth_q=_quantiles(x[:, GROWTH]),
            climb_q=_quantiles(x[:, CLIMB]),
            titles=len(reached),
            reached=n_reached,
            trained_until=trained_until,
        )
    return models


PER_TITLE = 30  # sightings a title contributes to training at most, spread over its life


def _quantiles(values: Any) -> list[float]:
    import numpy as np

    return [round(float(v), 4) for v in np.quantile(values, np.linspace(0, 1, 101))]


def percentile(q: Sequence[float], value: float) -> int:
    """Share (0..100) of the training candidates at or below ``value``."""
    if not q:
        return 0
    return max(0, min(100, bisect.bisect_right(q, value) - 1))


def estimate(model: PlatformModel, sightings: Sequence[Sighting]) -> list[Estimate | None]:
    """Scores for a snapshot's sightings (None for those in the top 10 or already been)."""
    import numpy as np

    idx = [i for i, s in enumerate(sightings) if s.rank > TOP and not s.reached]
    out: list[Estimate | None] = [None] * len(sightings)
    if not idx:
        return out
    x = np.asarray([sightings[i].features for i in idx], dtype=np.float64)
    p10 = model.top10.predict(x, num_threads=1)  # OpenMP spinning costs more than it saves
    p3 = model.top3.predict(x, num_threads=1) if model.top3 is not None else [None] * len(idx)
    eta = (
        np.expm1(model.eta.predict(x, num_threads=1))
        if model.eta is not None
        else [None] * len(idx)
    )
    for j, i in enumerate(idx):
        s = sightings[i]
        flagged = bool(p10[j] >= model.threshold)
        eta_j: Any = eta[j]
        e_min = None if eta_j is None else max(2.0, float(eta_j))
        out[i] = Estimate(
            chance=float(p10[j]),
            chance_top3=None if p3[j] is None else float(min(p3[j], p10[j])),
            eta_minutes=e_min,
            flagged=flagged,
            sighting=s,
            model=model,
        )
    return out


PLATFORM_NAMES = {
    "weibo": "微博",
    "baidu": "百度",
    "zhihu": "知乎",
    "toutiao": "头条",
    "bilibili": "B站",
    "douyin": "抖音",
}


def explain(
    s: Sighting,
    model: PlatformModel,
    chance: float,
    eta_minutes: float | None,
) -> str:
    """ "上升：10 分钟上升 14 位，热度增速高于 95% 的同类，百度已在第 3；预计 20 分钟内进前十，概率 78%"."""
    f = s.features
    bits = []
    climb = int(f[CLIMB])
    if climb > 0:
        bits.append(f"10 分钟上升 {climb} 位")
    elif f[FEATURES.index("climb_30m")] > 0:
        bits.append(f"30 分钟上升 {int(f[FEATURES.index('climb_30m')])} 位")
    pct = percentile(model.growth_q, f[GROWTH])
    if f[GROWTH] > 0 and pct >= 50:
        bits.append(f"热度增速高于 {pct}% 的同类")
    if f[FEATURES.index("heat_vs_10")] >= 0.8:
        bits.append(f"热度已达第 10 名的 {f[FEATURES.index('heat_vs_10')]:.0%}")
    if f[FEATURES.index("other_platforms")] > 0:
        where = PLATFORM_NAMES.get(s.elsewhere or "", s.elsewhere or "其他平台")
        bits.append(f"{where}已在第 {int(f[FEATURES.index('best_elsewhere')])}")
    if not bits:
        bits.append(f"第 {s.rank} 名")
    head = "上升：" if chance >= model.threshold else "观察："
    tail = f"进前十概率 {chance:.0%}"
    if eta_minutes is not None:
        tail = f"预计 {_round_minutes(eta_minutes)} 分钟内进前十，概率 {chance:.0%}"
    return head + "，".join(bits) + "；" + tail


def _round_minutes(m: float) -> int:
    """Minutes an operator reads: 5-minute steps under an hour, then 10s."""
    step = 5 if m < 60 else 10
    return int(max(step, math.ceil(m / step) * step))


def models_from_dict(d: Mapping[str, Any] | None) -> dict[str, PlatformModel]:
    if not d:
        return {}
    return {p: PlatformModel.from_dict(m) for p, m in d.get("platforms", {}).items()}


def models_as_dict(models: Mapping[str, PlatformModel]) -> dict[str, Any]:
    return {"platforms": {p: m.as_dict() for p, m in models.items()}}
