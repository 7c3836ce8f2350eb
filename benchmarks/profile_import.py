"""Where an import's time goes, by phase: ``hotspot import`` (bulk, of ../shared/corpus, as
``bench_replay`` runs it) or ``import --live`` (corpus_fine at 2-minute polls, as
``bench_live_replay`` runs it), in this process, with a CPU-time (``time.process_time``)
accumulator around each function named in ``PHASES``. A phase's time includes the phases
it calls (``ingest`` holds ``event grouping``); a function re-entered inside itself is
counted once. The wrappers cost about a microsecond per call, so the whole is about a second
over the benchmark's own figure. No target: it prints a table for the README's
"Performance" section and for whoever speeds up the next phase.

    python benchmarks/profile_import.py [--live] [--more module:Qualified.name ...]
"""

from __future__ import annotations

import argparse
import functools
import importlib
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

START = time.process_time()

sys.path.insert(0, str(Path(__file__).resolve().parent))

#: (label, "module:Qualified.name"); labels say what the phase is in the README's words
PHASES = [
    ("reading the files", "hotspot.ingest.history:read_snapshots"),
    ("engine start (lexicons, segmenter, matcher)", "hotspot.cli.pipeline_commands:build_engine"),
    ("ingest (all snapshots)", "hotspot.engine:Engine.ingest"),
    ("  normalising entries", "hotspot.engine:normalize"),
    ("  segmenting new titles", "hotspot.analysis.keywords:Segmenter.analyse"),
    ("  event grouping", "hotspot.engine:Engine._assign_event"),
    ("    candidates from the window", "hotspot.storage.store_events:EventStore.recent_candidates"),
    ("    title similarity", "hotspot.engine:ev.choose_event"),
    ("    new events written", "hotspot.storage.store_events:EventStore.create_event"),
    ("  matching (Matcher.match_groups)", "hotspot.analysis.matcher:Matcher.match_groups"),
    ("  items written", "hotspot.storage.store:Store.insert_item"),
    ("  sightings written", "hotspot.storage.store:Store.observe_many"),
    ("  events touched", "hotspot.storage.store_events:EventStore.touch_events"),
    ("  alerts written", "hotspot.storage.store:Store.insert_alerts"),
    ("  trends per snapshot", "hotspot.engine:Engine._trend_poll"),
    ("    detector scoring", "hotspot.analysis.rising:estimate"),
    ("    event trend rows", "hotspot.engine:Engine.refresh_trends"),
    ("relearn (expansions, entities)", "hotspot.analysis.learn:relearn"),
    ("  vertical learning", "hotspot.analysis.learn:learn_verticals"),
    ("  entity learning", "hotspot.analysis.learn:learn_entities"),
    ("reload after relearn", "hotspot.engine:Engine.reload"),
    ("  matcher builds", "hotspot.analysis.matcher:Matcher.__init__"),
    ("detector training (daily)", "hotspot.engine:Engine.maybe_retrain"),
    ("  from the store: replay through a fresh Tracker + fit", "hotspot.engine:train_from_store"),
    ("    fitting (rising.train)", "hotspot.engine:rising.train"),
    (
        "detector features (Tracker.snapshot: live polls and training replays)",
        "hotspot.analysis.rising:Tracker.snapshot",
    ),
    ("sensitivity relearn", "hotspot.planning.sensitivity_learn:relearn_sensitive"),
    ("  lexicon scores of every title", "hotspot.planning.sensitivity:Sensitivity._scores"),
    ("  word model", "hotspot.planning.sensitivity_model:train"),
]

spent: dict[str, float] = defaultdict(float)
calls: Counter[str] = Counter()


def _wrap(label: str, f: Callable[..., Any]) -> Callable[..., Any]:
    active = [0]

    @functools.wraps(f)
    def timed(*args: Any, **kwargs: Any) -> Any:
        if active[0]:
            return f(*args, **kwargs)
        active[0] += 1
        t0 = time.process_time()
        try:
            return f(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - t0
            calls[label] += 1
            active[0] -= 1

    return timed


def install(phases: list[tuple[str, str]]) -> None:
    """Replace each named function where it is looked up (``module:a.b.c``: attribute
    ``c`` of ``module.a.b``), e.g. ``hotspot.engine:normalize`` is the name the engine
    calls."""
    for label, spec in phases:
        module, path = spec.split(":")
        owner: Any = importlib.import_module(module)
        *parents, name = path.split(".")
        for p in parents:
            owner = getattr(owner, p)
        setattr(owner, name, _wrap(label, getattr(owner, name)))


def main() -> None:
    import _common as c

    ap = argparse.ArgumentParser()
    ap.add_argument("--live", action="store_true")
    ap.add_argument("--more", nargs="*", default=[], help="module:Qualified.name")
    args = ap.parse_args()
    if not c.shared_available():
        print("profile_import: skipped: ../shared absent")
        return
    install(PHASES + [(spec, spec) for spec in args.more])
    from hotspot.cli import main as hotspot

    with tempfile.TemporaryDirectory(prefix="hotspot-profile-") as tmp:
        t = Path(tmp)
        cfg = t / "hotspot.toml"
        cfg.write_text(c.config_text(t / "h.db"), encoding="utf-8")
        if args.live:
            import bench_live_replay as live

            rows = live.thinned(live.FINE, t / "fine2m.jsonl")
            files = ["--live", str(t / "fine2m.jsonl")]
        else:
            rows = sum(1 for _ in c.corpus_rows())
            files = c.corpus_files()
        sys.argv = ["hotspot", "--quiet", "--config", str(cfg), "import", *files]
        try:
            hotspot()
        except SystemExit as exc:
            if exc.code:
                raise
    total = time.process_time() - START
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\n{'import --live' if args.live else 'import'}: {rows:,} entries, {total:.2f} s CPU "
        f"in all ({rows / total:,.0f} entries per CPU second with the wrappers), "
        f"peak RSS {peak:.0f} MB\n"
    )
    print("| phase | CPU s | calls |\n|---|---:|---:|")
    for label, _ in PHASES + [(s, s) for s in args.more]:
        if calls[label]:
            print(f"| {label} | {spent[label]:.2f} | {calls[label]:,} |")


if __name__ == "__main__":
    main()
