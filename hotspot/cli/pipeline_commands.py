"""Commands that run the pipeline and write the database: poll, run, import, learn.
They load jieba and the plugins."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from hotspot.cli import Context, cli
from hotspot.cli.output import table, to_json


def build_engine(obj: Context, store):
    from hotspot.engine import Engine

    return Engine.from_config(obj.config(), store)


@cli.command()
@click.option("--source", "names", multiple=True, help="Only this source (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def poll(obj: Context, names: tuple[str, ...], fmt: str) -> None:
    """Poll sources now, once, and print a summary."""
    from hotspot.poller import Poller
    from hotspot.storage.db import WriterLock
    from hotspot.storage.store import Store

    config = obj.config(check_plugins=True)
    unknown = [n for n in names if n not in {s.name for s in config.sources}]
    if unknown:
        raise click.BadParameter(
            f"no source named {', '.join(unknown)} in {config.path}", param_hint="--source"
        )
    with WriterLock(config.database):
        store = Store(config.database)
        poller = Poller(config, store, build_engine(obj, store), obj.plugins())
        poller.config = _no_host_gap(config)
        reports = poller.poll(list(names) or None)
    rows = [
        {
            "source": r.source,
            "items": r.items,
            "new": r.new_items,
            "alerts": r.alerts,
            "ms": r.duration_ms,
            "error": r.error,
        }
        for r in reports
    ]
    if fmt == "json":
        click.echo(to_json(rows))
    else:
        click.echo(
            table(
                rows,
                [
                    ("source", "SOURCE", 16),
                    ("items", "ITEMS", 5),
                    ("new", "NEW", 5),
                    ("alerts", "ALERTS", 6),
                    ("ms", "MS", 6),
                    ("error", "ERROR", 70),
                ],
            )
        )
    if reports and all(r.error for r in reports):
        sys.exit(1)


def _no_host_gap(config):
    """A manual poll asks for every named source now: the per-host gap is for the daemon."""
    from dataclasses import replace

    return replace(config, min_host_interval=0.0)


@cli.command()
@click.pass_obj
def run(obj: Context) -> None:
    """Run the daemon in the foreground (systemd style) until SIGTERM/SIGINT."""
    from hotspot.daemon import Daemon

    config = obj.config(check_plugins=True)
    daemon = Daemon(obj.config_path, config)
    daemon.install_signals()
    sys.exit(daemon.run())


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--no-learn", is_flag=True, help="Skip relearning expansions afterwards.")
@click.option(
    "--live",
    is_flag=True,
    help="Replay as the daemon lives it: trends after every snapshot, hourly relearning and "
    "daily rising-detector training in simulated time.",
)
@click.pass_obj
def import_(obj: Context, files: tuple[Path, ...], no_learn: bool, live: bool) -> None:
    """Load archived hot-list history (JSON Lines) through the normal pipeline.

    Without --live the import is a bulk load (no per-snapshot trends; one relearn at the
    end). With --live every snapshot goes through Engine.ingest with trends on, the daemon's
    hourly relearn and daily detector training run on the snapshots' clock, so the database
    carries the states, rising_at, estimates and follow-ups a daemon polling live would have
    left; pushes are counted ("would have pushed"), never queued."""
    from hotspot.analysis.learn import relearn
    from hotspot.ingest.history import read_snapshots
    from hotspot.storage.db import WriterLock
    from hotspot.storage.store import Store

    config = obj.config()
    errors: list[str] = []
    snapshots = read_snapshots(files, errors)
    for e in errors[:20]:
        click.echo(f"warning: {e}", err=True)
    if len(errors) > 20:
        click.echo(f"warning: ... and {len(errors) - 20} more skipped lines", err=True)
    started = time.perf_counter()
    with WriterLock(config.database):
        store = Store(config.database)
        engine = build_engine(obj, store)
        sample = engine.follow_baseline() if live else None
        new = alerts = rows = rising_n = follow_n = pushes = 0
        touched_until = 0
        learned_at = 0
        with click.progressbar(
            length=len(snapshots), label="importing", file=sys.stderr, show_pos=True
        ) as bar:
            for batch in _batches(snapshots, IMPORT_BATCH):
                with store.transaction():  # many snapshots per commit; each stays atomic
                    for snap in batch:
                        at = int(snap.at.timestamp())
                        if live and at - learned_at >= LEARN_EVERY:
                            if learned_at and not no_learn:
                                relearn(store, engine.verticals, sample and sample.baseline())
                                engine.reload(engine.themes)
                            engine.maybe_retrain(at)
                            learned_at = at
                        result = engine.ingest(
                            snap.platform, snap.platform, snap.items, snap.at, with_trends=live
                        )
                        rising_n += len(result.rising_events)
                        follow_n += len(result.follow_ups)
                        if live:
                            pushes += _would_push(obj.config(), store, result)
                        new += result.new_items
                        alerts += len(result.alert_ids)
                        rows += len(snap.items)
                        touched_until = max(touched_until, int(snap.at.timestamp()))
                bar.update(len(batch))
        with store.transaction():
            if not no_learn:
                relearn(store, engine.verticals)
                engine.reload(engine.themes)
            store.recount_events()
            if not live:
                # trends are only meaningful near "now": the last day of history
                recent = [e["id"] for e in store.events(since=touched_until - 86400, limit=100_000)]
                engine.refresh_trends(recent, touched_until)
    click.echo(
        f"imported {rows:,} rows in {len(snapshots):,} snapshots: {new:,} new items, "
        f"{alerts:,} alerts, {len(errors):,} lines skipped "
        f"({time.perf_counter() - started:.1f}s)"
    )
    if live:
        click.echo(
            f"live replay: {rising_n:,} rising refreshes, {follow_n:,} follow-ups, "
            f"{pushes:,} pushes would have been queued; detector: "
            + (
                ", ".join(f"{p} (threshold {m.threshold:.2f})" for p, m in engine.models.items())
                or "percentile rule (not enough history)"
            )
        )


IMPORT_BATCH = 100  # snapshots per transaction
LEARN_EVERY = 3600  # the daemon's relearn interval, in simulated time


def _would_push(config, store, result) -> int:
    """Pushes the daemon would have queued for this ingest (alerts and rising events)."""
    from hotspot.delivery.notifiers import rule_matches

    if not config.notifiers or not (result.alert_ids or result.rising_events):
        return 0
    rising = set(result.rising_events)
    ids = set(result.alert_ids) | set(store.alert_ids_of_events(sorted(rising)))
    alerts = store.push_alerts(sorted(ids))
    return sum(
        1
        for n in config.notifiers
        for a in alerts
        if rule_matches(n, {**a, "rising": a["rising"] or a["event_id"] in rising})
    )


def _batches(seq: list, n: int):
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


@cli.command("learn")
@click.pass_obj
def learn_cmd(obj: Context) -> None:
    """Relearn expansions from the stored history now (the daemon does it hourly)."""
    from hotspot.analysis.learn import relearn
    from hotspot.analysis.lexicon import load_verticals
    from hotspot.storage.store import Store

    config = obj.config()
    store = Store(config.database)
    with store.transaction():
        learned = relearn(store, load_verticals(config.lexicons))
    click.echo(
        f"learned {sum(len(t) for t in learned.terms.values())} terms, "
        f"{sum(len(t) for t in learned.demoted.values())} demotions"
    )
