"""Benchmark 5 — memory.

Daemon: a subprocess builds Store + Engine + Poller exactly as ``hotspot run`` does and polls
one ``jsonlist`` source 3,000 times (a 50-item list that moves a few titles per poll, served
by a local server in this process), sampling VmRSS from /proc/self/status every 250 polls.
The poller's clock is simulated, 2 minutes a poll (3,000 polls = 100 hours: the 48-hour grouping window fills
and turns over, so the bounded caches reach their plateau; about 25 s), so that what the
daemon forgets after hours is forgotten here too. (Until stop 20 the loop ran on the wall
clock with the 1 s host floor, so most polls fetched nothing and the figure meant little.)
Figures: peak RSS, last RSS, and the growth slope over the second half (MB per 100 polls,
least squares) — a leak shows as a steady positive slope once caches are warm.

CLI: peak RSS (``RUSAGE_CHILDREN.ru_maxrss``) of the two read commands of benchmark 4 on the
big database.

Targets: daemon <= 150 MB and not growing (slope <= 0.5 MB / 100 polls); CLI <= 60 MB.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

POLLS = 3000
EVERY = 250
DAEMON_TARGET = 150.0
SLOPE_TARGET = 0.5
CLI_TARGET = 60.0

_DAEMON = r"""
import dataclasses, json, logging, sys, time
from hotspot.config import load_config
from hotspot.engine import Engine
from hotspot.poller import Poller
from hotspot.ingest.registry import load_plugins
from hotspot.storage.store import Store

def rss_mb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

cfg, polls, every = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
logging.basicConfig(level=logging.WARNING)
plugins = load_plugins(())
# as `hotspot poll` does: the config floors min_host_interval at 1 s, which would turn most
# of a tight loop's polls into no-ops (all sources of the benchmark are on one host)
config = dataclasses.replace(load_config(cfg, plugins), min_host_interval=0.0)
store = Store(config.database)
engine = Engine.from_config(config, store)
# simulated time, 2 minutes a poll, as the daemon lives it: what it forgets after hours (event
# tracks, the grouping window, the detector's per-item state) is forgotten here too; a tight
# loop on the wall clock would keep 1,000 polls inside one minute and never forget anything
sim = [time.time()]
poller = Poller(config, store, engine, plugins, clock=lambda: sim[0])
samples = [(0, rss_mb())]
t0 = time.perf_counter()
errors = 0
for i in range(1, polls + 1):
    sim[0] += 120
    reports = poller.poll()
    errors += sum(1 for r in reports if r.error)
    if i % every == 0:
        samples.append((i, rss_mb()))

# the hourly learn job, as the daemon runs it (Daemon.learn: the relearn in a child process,
# then the rising detector's start, reload, learn_unlinked_themes), its peak RSS in this
# process measured from a reset high-water mark (clear_refs 5), or by sampling where that
# is refused; then the same job relearning in this process (the old way) as the reference
import threading
from pathlib import Path
import hotspot.learner as learner
from hotspot.daemon import Daemon

def hwm_mb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024

def peak_during(job):
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        exact = True
    except OSError:
        exact = False
    top, done = [rss_mb()], threading.Event()
    def sample():
        while not done.wait(0.005):
            top[0] = max(top[0], rss_mb())
    t = threading.Thread(target=sample, daemon=True)
    t.start()
    started = time.process_time()
    job()
    cpu = time.process_time() - started
    done.set()
    t.join()
    return (hwm_mb() if exact else max(top[0], rss_mb())), rss_mb(), cpu, exact

daemon = Daemon(Path(cfg), config)
daemon.store, daemon.engine, daemon.poller = store, engine, poller
child_peak = []
real = learner.relearn_in_child
def recording(*a, **k):
    out = real(*a, **k)
    child_peak.append(out.peak_rss_mb if out is not None else None)
    return out
learner.relearn_in_child = recording
before_learn = rss_mb()
learn = peak_during(daemon.learn)
engine.stop_training()  # the rising detector's child: not this figure
here = peak_during(lambda: (daemon._learn_here(), engine.reload(engine.themes),
                            engine.learn_unlinked_themes()))
print(json.dumps({"samples": samples, "seconds": time.perf_counter() - t0, "errors": errors,
                  "items": store.count("items"), "alerts": store.count("alerts"),
                  "before_learn": before_learn, "learn": learn, "child_peak": child_peak[0],
                  "learn_here": here}))
"""


def slope(points: list[tuple[int, float]]) -> float:
    """Least-squares MB per 100 polls."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return 100 * sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0


def daemon_figures() -> dict:
    titles = (
        c.distinct_titles()
        if c.shared_available()
        else [f"本地测试热点标题第{i}条 美食 奶茶 手机" for i in range(20000)]
    )
    with (
        c.HotListServer(c.rotating_lister(titles, 50, step=4)) as srv,
        tempfile.TemporaryDirectory(prefix="hotspot-bench-mem-") as tmp,
    ):
        cfg = Path(tmp) / "hotspot.toml"
        cfg.write_text(
            c.config_text(
                Path(tmp) / "hotspot.db",
                sources=[
                    {
                        "name": "list",
                        "type": "jsonlist",
                        "url": srv.url("/list/0"),
                        "interval": "1m",
                    }
                ],
                extra_hotspot='min_host_interval = "0s"',
            ),
            encoding="utf-8",
        )
        _, p = c.timed_run(
            [c.PY, "-c", _DAEMON, str(cfg), str(POLLS), str(EVERY)], env=c.child_env()
        )
        return json.loads(p.stdout.strip().splitlines()[-1])


def run() -> list[dict]:
    d = daemon_figures()
    samples = [(i, mb) for i, mb in d["samples"]]
    peak = max(mb for _, mb in samples)
    last = samples[-1][1]
    half = [s for s in samples if s[0] >= POLLS // 2]
    sl = slope(half)
    print(
        f"memory: daemon RSS every {EVERY} polls: "
        + ", ".join(f"{mb:.0f}" for _, mb in samples)
        + f" MB ({d['seconds']:.0f}s for {POLLS} polls, {d['items']:,} items, "
        f"{d['alerts']:,} alerts, {d['errors']} errors)"
    )
    out = [
        c.result(
            f"daemon peak RSS over {POLLS} polls",
            peak,
            "MB",
            f"after start {samples[0][1]:.0f} MB",
            peak / samples[0][1],
            f"<= {DAEMON_TARGET:.0f} MB",
            peak <= DAEMON_TARGET,
        ),
        c.result(
            "daemon RSS after the last poll",
            last,
            "MB",
            "",
            None,
            f"<= {DAEMON_TARGET:.0f} MB",
            last <= DAEMON_TARGET,
        ),
        c.result(
            f"daemon RSS growth, polls {POLLS // 2}-{POLLS}",
            sl,
            "MB/100 polls",
            "",
            None,
            f"<= {SLOPE_TARGET} MB/100 polls",
            sl <= SLOPE_TARGET,
        ),
    ]
    peak_l, after_l, cpu_l, exact = d["learn"]
    peak_h, after_h, cpu_h, _ = d["learn_here"]
    how = "high-water mark" if exact else "sampled every 5 ms"
    print(
        f"memory: learn job after the polls ({d['items']:,} items, {how}): daemon "
        f"{d['before_learn']:.0f} MB before, peak {peak_l:.0f}, {after_l:.0f} after, "
        f"{cpu_l:.1f} s CPU here; relearn child peak {d['child_peak']} MB; "
        f"relearning in-process instead: peak {peak_h:.0f}, {after_h:.0f} after, {cpu_h:.1f} s CPU"
    )
    out += [
        c.result(
            "daemon peak RSS during the hourly learn job",
            peak_l,
            "MB",
            f"relearning in-process {peak_h:.0f} MB",
            peak_l / peak_h,
            f"<= {DAEMON_TARGET:.0f} MB",
            peak_l <= DAEMON_TARGET,
        ),
        c.result(
            "relearn child's own peak RSS (info)",
            d["child_peak"],
            "MB",
            "",
            None,
            "",
            None,
        ),
    ]
    import bench_cli_latency as cli

    db = cli.ensure_db()
    with tempfile.TemporaryDirectory(prefix="hotspot-bench-memcli-") as tmp:
        cfg = cli.config_for(db, Path(tmp))
        base = c.child_peak_rss_mb([c.PY, "-c", "pass"])
        for label, args in cli.COMMANDS.items():
            mb = c.child_peak_rss_mb(
                [c.PY, "-m", "hotspot", "--config", str(cfg), *args], env=c.child_env()
            )
            print(f"memory: {label}: peak {mb:.0f} MB")
            out.append(
                c.result(
                    f"CLI peak RSS: {label}",
                    mb,
                    "MB",
                    f"python -c pass {base:.0f} MB",
                    mb / base,
                    f"<= {CLI_TARGET:.0f} MB",
                    mb <= CLI_TARGET,
                )
            )
    return out


if __name__ == "__main__":
    c.main(run)
