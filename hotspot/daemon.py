"""``hotspot run``: the long-running service (systemd style, foreground, logs to stderr).

One main thread runs a ``schedule.Scheduler`` (an instance, not the module-level one):

    every 1 s     start fetching the sources that are due, process those that finished
                  (fetches run on a background loop thread, so a stalled source holds
                  back nothing: see ``Poller.step``)
    every 30 s    send due digests (also once at start-up: a digest missed while down)
    every 10 s    send pending instant pushes (and right after a poll that queued some)
    every 60 s    maintenance that is due, judged from the time of its last run stored in
                  the database (``meta``), so a daemon restarted more often than the period
                  still runs it, and the first check is at start:
                    relearn expansions from the collected history   every 1 h
                    (and start the rising detector's daily training in a child process)
    every 5 s     adopt the rising detector's model once its training child is done (the
                  daemon does not wait for it: polls due meanwhile run on time)
                    retention: compact old observations             every 6 h

Every job is wrapped, so an exception is logged with its traceback and the loop goes on
(``schedule`` itself catches nothing). SIGTERM/SIGINT stop the loop: an in-flight fetch is
cancelled (nothing is written while fetching) and a started transaction finishes, so the
process exits 0 within a few seconds. SIGHUP reloads the config; a broken new config is
reported and the old one kept. A writer lock keeps a second daemon off the same database.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import schedule

from hotspot.config import Config, load_config
from hotspot.delivery import jobs as delivery
from hotspot.engine import Engine, theme_pairs
from hotspot.errors import ConfigError, HotspotError
from hotspot.ingest.registry import load_plugins
from hotspot.poller import Poller
from hotspot.storage.db import WriterLock, storage_error
from hotspot.storage.store import Store

log = logging.getLogger(__name__)

LEARN_EVERY = 3600.0
RETENTION_EVERY = 6 * 3600.0


class Daemon:
    # Opened by run(), under the writer lock; nothing uses them before that.
    store: Store
    engine: Engine
    poller: Poller

    def __init__(self, config_path: Path, config: Config):
        self.config_path = config_path
        self.config = config
        self._stop = threading.Event()
        self._reload = threading.Event()
        self.scheduler = schedule.Scheduler()
        self.warned: set[str] = set()  # configuration problems already logged once

    # -- signals --------------------------------------------------------------------------
    def install_signals(self) -> None:
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        signal.signal(signal.SIGHUP, lambda *_: self._reload.set())

    def _on_stop(self, signum: int, _frame: object) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()

    # -- lifecycle ------------------------------------------------------------------------
    def run(self) -> int:
        lock = WriterLock(self.config.database)
        lock.acquire()
        try:
            self.store = Store(self.config.database)
            started = time.perf_counter()
            _refuse_damaged(self.store)
            self.engine = Engine.from_config(self.config, self.store)
            self._build_poller()
            log.info(
                "hotspot running: %d sources, %d accounts, %d themes; database %s (ready in %.1fs)",
                len(self.poller.instances),
                len(self.config.accounts),
                sum(len(a.themes) for a in self.config.accounts),
                self.config.database,
                time.perf_counter() - started,
            )
            self._schedule()
            self._loop()
        finally:
            if getattr(self, "engine", None) is not None:
                self.engine.stop_training()  # a half-trained model is never adopted
            if getattr(self, "poller", None) is not None:
                self.poller.close()
            if getattr(self, "store", None) is not None:
                self.store.close()
            lock.release()
        log.info("hotspot stopped")
        return 0

    def _build_poller(self) -> None:
        if getattr(self, "poller", None) is not None:
            self.poller.close()  # its in-flight fetches wrote nothing: they stay due
        self.poller = Poller(
            self.config,
            self.store,
            self.engine,
            load_plugins(self.config.plugins),
            stop_requested=self._stop.is_set,
        )

    def _schedule(self) -> None:
        self.scheduler.every(1).seconds.do(self._guard("poll", self.poll_due))
        self.scheduler.every(60).seconds.do(self._guard("maintenance", self.maintenance))
        self.scheduler.every(30).seconds.do(self._guard("digest", self._send_due_digests))
        self.scheduler.every(10).seconds.do(self._guard("push", self._push))
        self.scheduler.every(5).seconds.do(self._guard("training", self.engine.collect_retrain))

    def _startup_bookkeeping(self) -> None:
        """First writes of a start. Guarded like a job: a database another process holds
        busy at start costs a log line, not the start (the push round recovers interrupted
        sends itself, and every poll marks the time it covered)."""
        self.store.mark_covered(int(time.time()))  # no digest for before this first start
        if self.store.recover_sending(int(time.time())):  # killed mid-request last time
            log.warning("pushes interrupted by the last stop are unconfirmed; not resent")

    def _loop(self) -> None:
        self._guard("start-up", self._startup_bookkeeping)()
        self._guard("digest", self._send_due_digests)()  # missed while down
        self.poll_due()  # every source once at start (their next_poll is due or unset)
        self._guard("maintenance", self.maintenance)()  # what came due while down
        while not self._stop.is_set():
            if self._reload.is_set():
                self._reload.clear()
                self.reload()
            self.scheduler.run_pending()
            self._stop.wait(min(1.0, max(0.05, self.scheduler.idle_seconds or 1.0)))

    def _guard(self, name: str, job: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            if self._stop.is_set():
                return
            try:
                job()
            except HotspotError as exc:
                log.error("%s job failed: %s", name, exc)
            except sqlite3.DatabaseError as exc:  # the store's fault: one line, no traceback
                log.error("%s job failed: %s", name, storage_error(self.config.database, exc))
            except Exception:
                log.exception("%s job failed with a bug; the daemon goes on", name)

        return run

    # -- jobs -----------------------------------------------------------------------------
    def _send_due_digests(self) -> None:
        delivery.send_due_digests(self.config, self.store, warned=self.warned, stop=self._stop)

    def _push(self) -> None:
        delivery.deliver_pushes(self.config, self.store, stop=self._stop)

    def poll_due(self) -> list:
        reports = self.poller.step()
        if not reports:
            return []
        queued = 0
        try:  # only inserts rows (even when stopping); the push job does the sending
            queued = delivery.enqueue(self.config, self.store, reports)
        except Exception:
            log.exception("queueing pushes failed; the daemon goes on")
        if queued:  # send what this poll raised now, batched, rather than in up to 10 s
            self._guard("push", self._push)()
        return reports

    def maintenance(self, now: float | None = None) -> None:
        """Run each maintenance job whose period has passed since its stored last run."""
        now = time.time() if now is None else now
        for name, period, job in (
            ("learn", LEARN_EVERY, self.learn),
            ("retention", RETENTION_EVERY, self.retention),
        ):
            if self._stop.is_set():
                return
            last = float(self.store.meta(f"last_{name}") or 0)
            if now - last < period:
                continue
            job()
            with self.store.transaction():
                self.store.set_meta(f"last_{name}", str(int(now)))
            log.info("maintenance: %s done (next in %.0f h)", name, period / 3600)

    def learn(self) -> None:
        """The hourly relearn. The heavy part (reading the whole history, both learners)
        runs in a child process (``hotspot.learner``) that only reads the store, so the
        daemon's own peak never carries the history; the daemon waits for it (seconds),
        then stores its results in one short transaction. A failed child keeps the old
        learned terms (logged) and the job goes on to the rest."""
        from hotspot.analysis.learn import write_relearn
        from hotspot.learner import relearn_in_child, segmenter_words
        from hotspot.planning.sensitivity_learn import write_relearn_sensitive

        if str(self.store.path) == ":memory:":  # no second process can read that one
            self._learn_here()
        else:
            result = relearn_in_child(
                self.store.path, self.config.lexicons, segmenter_words(self.engine.segmenter)
            )
            if result is not None:
                with self.store.transaction():
                    write_relearn(self.store, result.relearned)
                    write_relearn_sensitive(self.store, result.sensitive)
        # the rising detector relearns daily; this hourly job checks whether it is due. It
        # trains in a child process (the daemon's memory budget) that only reads the store;
        # the daemon polls on meanwhile, and the loop adopts the model when the child is done
        self.engine.start_retrain(int(time.time()))
        self.engine.reload(theme_pairs(self.config))
        self.engine.learn_unlinked_themes()  # and which of the themes' keywords are generic
        release_heap()

    def _learn_here(self) -> None:
        from hotspot.analysis.learn import relearn
        from hotspot.planning.sensitivity_learn import relearn_sensitive

        with self.store.transaction():
            relearn(self.store, self.engine.verticals, flag=self.engine.segmenter.word_flag)
            relearn_sensitive(self.store, flag=self.engine.segmenter.word_flag)

    def retention(self) -> None:
        from hotspot.storage.retention import compact

        compact(self.store, older_than_days=self.config.retention_days)

    def reload(self) -> None:
        try:
            plugins = load_plugins(load_config(self.config_path, None).plugins)
            new = load_config(self.config_path, plugins)
        except (ConfigError, HotspotError) as exc:
            log.error(
                "config reload failed; keeping the running config: %s", str(exc).replace("\n", "; ")
            )
            return
        if new.database != self.config.database:
            log.error(
                "config reload: [hotspot] database changed; restart to switch databases"
                " (keeping the running config)"
            )
            return
        self.config = new
        self.engine.reload(theme_pairs(new))
        self._build_poller()
        log.info(
            "config reloaded: %d sources, %d accounts",
            len(self.poller.instances),
            len(new.accounts),
        )


def release_heap() -> bool:
    """Hand the heap a relearn freed back to the system (glibc's ``malloc_trim``, through
    ctypes; False where there is none, e.g. musl or macOS, and nothing happens).

    An hourly relearn reads the whole learning history (12,000 documents after 100 hours of
    one list) and frees it; glibc keeps the freed top of its heaps mapped, and CPython's own
    arenas return only when wholly empty. Measured after three relearns over that history
    (``benchmarks/bench_memory.py``'s daemon, then the learn job): trimming returns 5-6 MB of
    the 30 MB the first relearn raised RSS by; the rest is arenas still partly in use (the
    relearn's peak, not a leak: later relearns add 2-7 MB, then nothing). ``MALLOC_ARENA_MAX``
    (1 or 2) changed the figure by 1-3 MB: the work runs on the main thread, in one arena."""
    gc.collect()
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return False
    trim(0)
    return True


def _refuse_damaged(store: Store) -> None:
    """A damaged database is reported at start in one line instead of failing every cycle."""
    try:
        result = store.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise storage_error(store.path, exc) from None
    if result != "ok":
        raise storage_error(store.path, ValueError(f"corrupt: {result}"))
