"""Commands that run the pipeline and write the database: poll, run, import, learn.
They load jieba and the plugins."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from hotspot.cli import Context, cli, say
from hotspot.cli.output import table, to_json
from hotspot.i18n import _, _l


def build_engine(obj: Context, store):
    from hotspot.engine import Engine

    return Engine.from_config(obj.config(), store)


@cli.command()
@click.option("--source", "names", multiple=True, help=_l("Only this source (repeatable)."))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def poll(obj: Context, names: tuple[str, ...], fmt: str) -> None:
    """Poll sources now, once, and print a summary."""
    from hotspot.planning.benchmarks import benchmark_sources
    from hotspot.poller import Poller
    from hotspot.storage.db import WriterLock
    from hotspot.storage.store import Store

    config = obj.config(check_plugins=True)
    known = {s.name for s in config.sources} | {s.name for s, _, _ in benchmark_sources(config)}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise click.BadParameter(
            _("no source named {names} in {path}; known sources: {known}").format(
                names=", ".join(unknown),
                path=config.path,
                known=", ".join(s.name for s in config.sources) or "-",
            ),
            param_hint="'--source'",
        )
    with WriterLock(config.database):
        store = Store(config.database)
        store.mark_covered(int(time.time()))
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
        say(
            table(
                rows,
                [
                    ("source", _l("SOURCE"), 30),
                    ("items", _l("ITEMS"), 5),
                    ("new", _l("NEW"), 5),
                    ("alerts", _l("ALERTS"), 6),
                    ("ms", _l("MS"), 6),
                    ("error", _l("ERROR"), 70),
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
    web = None
    if config.web.listen:  # [web] listen: the daemon serves the workspace too
        from hotspot.web.server import serve_in_thread

        _, web = serve_in_thread(config)
    daemon.install_signals()
    code = daemon.run()
    if web is not None:
        web.should_exit = True  # type: ignore[attr-defined]
    sys.exit(code)


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--no-learn", is_flag=True, help=_l("Skip relearning expansions afterwards."))
@click.option(
    "--live",
    is_flag=True,
    help=_l(
        "Replay as the daemon lives it: trends after every snapshot, hourly relearning and "
        "daily rising-detector training in simulated time."
    ),
)
@click.pass_obj
def import_(obj: Context, files: tuple[Path, ...], no_learn: bool, live: bool) -> None:
    """Load archived hot-list history (JSON Lines) through the normal pipeline.

    Without --live the import is a bulk load (no per-snapshot trends; one relearn at the
    end). With --live every snapshot goes through Engine.ingest with trends on, the daemon's
    hourly relearn and daily detector training run on the snapshots' clock, so the database
    carries the states, rising_at, estimates and follow-ups a daemon polling live would have
    left; pushes are counted ("would have pushed"), never queued."""
    from contextlib import ExitStack

    from hotspot.analysis.learn import relearn, reuse_lexicon
    from hotspot.ingest.history import read_snapshots
    from hotspot.planning.sensitivity_learn import relearn_sensitive
    from hotspot.storage.db import WriterLock
    from hotspot.storage.store import Store

    config = obj.config()
    errors: list[str] = []
    snapshots = read_snapshots(files, errors)
    for e in errors[:20]:
        click.echo(_("warning: {message}").format(message=e), err=True)
    if len(errors) > 20:
        click.echo(
            _("warning: ... and {n} more skipped lines").format(n=len(errors) - 20), err=True
        )
    started = time.perf_counter()
    with WriterLock(config.database), ExitStack() as stack:
        store = Store(config.database)
        store.mark_covered(int(time.time()))  # digests are due for what is collected from now
        engine = build_engine(obj, store)
        # the relearns of one import share the lexicon matcher and what each title adds to
        # them; with HOTSPOT_NO_CACHE=1 every relearn starts afresh, as the daemon's do (the
        # equivalence tests compare both)
        stack.enter_context(reuse_lexicon(keep=store.caching))
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
                                relearn(
                                    store,
                                    engine.verticals,
                                    flag=engine.segmenter.word_flag,
                                    baseline=sample and sample.baseline(),
                                )
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
                # a live replay has followed the trend baseline poll by poll: the same
                # figures as re-reading every sighting (143,650 of them: half a second)
                relearn(
                    store,
                    engine.verticals,
                    flag=engine.segmenter.word_flag,
                    baseline=sample and sample.baseline(),
                )
                relearn_sensitive(store, flag=engine.segmenter.word_flag)
                engine.reload(engine.themes)
            store.recount_events()
            if not live:
                # trends are only meaningful near "now": the last day of history
                recent = [e["id"] for e in store.events(since=touched_until - 86400, limit=100_000)]
                engine.refresh_trends(recent, touched_until)
    say(
        _(
            "imported {rows} rows in {snapshots} snapshots: {new} new items, {alerts} alerts, "
            "{skipped} lines skipped ({seconds}s)"
        ).format(
            rows=f"{rows:,}",
            snapshots=f"{len(snapshots):,}",
            new=f"{new:,}",
            alerts=f"{alerts:,}",
            skipped=f"{len(errors):,}",
            seconds=f"{time.perf_counter() - started:.1f}",
        )
    )
    if live:
        detector = ", ".join(
            _("{platform} (threshold {threshold})").format(
                platform=p, threshold=f"{m.threshold:.2f}"
            )
            for p, m in engine.models.items()
        ) or _("percentile rule (not enough history)")
        say(
            _(
                "live replay: {rising} rising refreshes, {follow_ups} follow-ups, {pushes} pushes "
                "would have been queued; detector: {detector}"
            ).format(
                rising=f"{rising_n:,}",
                follow_ups=f"{follow_n:,}",
                pushes=f"{pushes:,}",
                detector=detector,
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
    """Relearn expansions from the stored history now (the daemon does it hourly).
    Takes the writer lock: refused while a daemon runs on this database."""
    from hotspot.analysis.keywords import Segmenter
    from hotspot.analysis.learn import relearn
    from hotspot.analysis.lexicon import load_verticals
    from hotspot.planning.sensitivity_learn import relearn_sensitive
    from hotspot.storage.db import WriterLock
    from hotspot.storage.store import Store

    config = obj.config()
    with WriterLock(config.database):
        store = Store(config.database)
        with store.transaction():
            segmenter = Segmenter()
            learned = relearn(store, load_verticals(config.lexicons), flag=segmenter.word_flag)
            sensitive = relearn_sensitive(store, flag=segmenter.word_flag)
        store.close()
    say(
        _("learned {terms} terms, {demotions} demotions, {sensitive} sensitivity terms").format(
            terms=sum(len(t) for t in learned.terms.values()),
            demotions=sum(len(t) for t in learned.demoted.values()),
            sensitive=sum(len(t) for t in sensitive.values()),
        )
    )
