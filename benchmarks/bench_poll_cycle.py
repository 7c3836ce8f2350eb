"""Benchmark 2 — poll cycle: 20 ``jsonlist`` sources on a local ThreadingHTTPServer that
answers each request after 200 ms; one ``Poller.poll()`` cycle, in process, after the
Engine is built.

Figure:     wall time of one full cycle (fetch all 20 concurrently + process every list).
            Cycle 1 is on a fresh database (every item new); cycles 2-4 see moving lists.
Reference:  the 200 ms floor (one request's latency: the best a fully concurrent cycle can do).
Target:     one full poll cycle <= 0.6 s, with the config's defaults (max_concurrent as
            shipped) and min_host_interval = "0s". A second line shows max_concurrent = 20.
"""

from __future__ import annotations

import dataclasses
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

SOURCES = 20
DELAY = 0.2
ITEMS = 20
TARGET = 0.6


def _titles() -> list[str]:
    if c.shared_available():
        return c.distinct_titles()
    return [f"本地测试热点标题第{i}条 美食 奶茶 手机" for i in range(5000)]


def cycle_times(titles: list[str], max_concurrent: int | None, cycles: int = 4) -> list[float]:
    from hotspot.config import load_config
    from hotspot.engine import Engine
    from hotspot.ingest.registry import load_plugins
    from hotspot.poller import Poller
    from hotspot.storage.store import Store

    logging.getLogger("hotspot").setLevel(logging.WARNING)
    with (
        c.HotListServer(c.rotating_lister(titles, ITEMS, step=3), delay=DELAY) as srv,
        tempfile.TemporaryDirectory(prefix="hotspot-bench-poll-") as tmp,
    ):
        sources = [
            {
                "name": f"list{i:02d}",
                "type": "jsonlist",
                "url": srv.url(f"/list/{i}"),
                "interval": "1m",
            }
            for i in range(SOURCES)
        ]
        extra = 'min_host_interval = "0s"'
        if max_concurrent is not None:
            extra += f"\nmax_concurrent = {max_concurrent}"
        cfg = Path(tmp) / "hotspot.toml"
        cfg.write_text(
            c.config_text(Path(tmp) / "hotspot.db", sources=sources, extra_hotspot=extra),
            encoding="utf-8",
        )
        plugins = load_plugins(())
        # as `hotspot poll` does: the config floors min_host_interval at 1 s, and all 20
        # sources here share one host (127.0.0.1)
        config = dataclasses.replace(load_config(cfg, plugins), min_host_interval=0.0)
        store = Store(config.database)
        engine = Engine.from_config(config, store)
        poller = Poller(config, store, engine, plugins)
        times, phases = [], []
        for _ in range(cycles):
            t0 = time.perf_counter()
            reports = poller.poll()
            times.append(time.perf_counter() - t0)
            proc = sum(r.duration_ms - r.fetch_ms for r in reports) / 1000
            phases.append((times[-1] - proc, proc))
            print(
                f"  cycle {len(times)}: {times[-1] * 1000:.0f}ms = fetch phase "
                f"{(times[-1] - proc) * 1000:.0f}ms + processing {proc * 1000:.0f}ms "
                f"({sum(r.items for r in reports)} items, "
                f"{sum(r.new_items for r in reports)} new)"
            )
            errors = [r.error for r in reports if r.error]
            if errors or len(reports) != SOURCES:
                raise RuntimeError(f"poll cycle: {len(reports)} reports, errors: {errors[:3]}")
        store.close()
        return times, phases


def run() -> list[dict]:
    from hotspot.config import Config

    default_mc = Config.__dataclass_fields__["max_concurrent"].default
    titles = _titles()
    out = []
    for mc, label in (
        (None, f"default max_concurrent={default_mc}"),
        (SOURCES, "max_concurrent=20"),
    ):
        times, phases = cycle_times(titles, mc)
        first, later = times[0], statistics.median(times[1:])
        print(f"poll cycle ({label}): " + ", ".join(f"{t * 1000:.0f}ms" for t in times))
        primary = mc is None
        out.append(
            c.result(
                f"poll cycle, 20 sources x 200ms, fresh db ({label})",
                first,
                "s",
                "200 ms floor",
                first / DELAY,
                f"<= {TARGET}s" if primary else "",
                first <= TARGET if primary else None,
            )
        )
        out.append(
            c.result(
                f"poll cycle, later cycles median ({label})",
                later,
                "s",
                "200 ms floor",
                later / DELAY,
                f"<= {TARGET}s" if primary else "",
                later <= TARGET if primary else None,
            )
        )
        fetch = statistics.median(p[0] for p in phases)
        proc = statistics.median(p[1] for p in phases)
        out.append(
            c.result(
                f"  of which fetch phase / processing, median ({label})",
                fetch,
                "s",
                f"processing {proc:.3f}s",
                fetch / DELAY,
                "",
                None,
            )
        )
    return out


if __name__ == "__main__":
    c.main(run)
