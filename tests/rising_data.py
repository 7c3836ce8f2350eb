"""A synthetic hot list for the rising-detector tests: items enter at the bottom; "climbers"
gain heat steadily and reach the top, the rest fade and drop off. Deterministic (seeded)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2024, 3, 1, 0, 0, tzinfo=UTC)


def snapshots(days: float = 2, poll_min: int = 10, size: int = 20, seed: int = 3):
    """[(time, [(rank, title, heat), ...]), ...]: a ``size``-long list every ``poll_min``."""
    rng = random.Random(seed)
    live: dict[str, list[float]] = {}  # title -> [heat, growth per poll, peak]
    out = []
    n = 0
    for step in range(int(days * 24 * 60 / poll_min)):
        for _ in range(3):  # newcomers every poll
            n += 1
            climber = rng.random() < 0.3
            growth = rng.uniform(1.5, 1.9) if climber else rng.uniform(1.0, 1.12)
            peak = rng.uniform(3e5, 1e6) if climber else rng.uniform(3e4, 6e4)
            live[f"话题{n}号{'升' if climber else '平'}"] = [rng.uniform(1e4, 2e4), growth, peak]
        for v in live.values():
            v[0] *= v[1] * rng.uniform(0.97, 1.03)
            if v[0] > v[2]:
                v[1] = 0.75  # peaked: on the way down
        live = {t: v for t, v in live.items() if v[0] > 5e3}
        ranked = sorted(live.items(), key=lambda kv: -kv[1][0])[:size]
        at = START + timedelta(minutes=poll_min * step)
        out.append((at, [(i + 1, t, int(v[0])) for i, (t, v) in enumerate(ranked)]))
    return out


def write_jsonl(path: Path, platform: str = "weibo", **kw) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for at, rows in snapshots(**kw):
            for rank, title, heat in rows:
                fh.write(
                    json.dumps(
                        {
                            "platform": platform,
                            "snapshot_time": at.isoformat(),
                            "rank": rank,
                            "title": title,
                            "heat": heat,
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
    return path
