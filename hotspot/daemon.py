"""``hotspot run``: the long-running service (systemd style, foreground, logs to stderr).

One main thread runs a ``schedule.Scheduler`` (an instance, not the module-level one):

    every 1 s     poll the sources that are due (fetched concurrently, processed in turn)
    every 30 s    send due digests (also once at start-up: a digest missed while down)
    every 10 s    send pending instant pushes (polling only enqueues them)
    every 1 h     relearn expansions from the collected history
    every 6 h     retention: compact old observations

Every job is wrapped, so an exception is logged with its traceback and the loop goes on
(``schedule`` itself catches nothing). SIGTERM/SIGINT stop the loop: an in-flight fetch is
abandoned (nothing is written while fetching) and a started transaction finishes, so the
process exits 0 within a few seconds. SIGHUP reloads the config; a broken new config is
reported and the old one kept. A writer lock keeps a second daemon off the same database.
"""

from __future__ import annotations

import logging
import signal
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
from hotspot.storage.db import WriterLock
from hotspot.storage.store import Store

log = logging.getLogger(__name__)


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
            if getattr(self, "store", None) is not None:
                self.store.close()
            lock.release()
        log.info("hotspot stopped")
        return 0

    def _build_poller(self) -> None:
        self.poller = Poller(
            self.config,
            self.store,
            self.engine,
            load_plugins(self.config.plugins),
            stop_requested=self._stop.is_set,
        )

    def _schedule(self) -> None:
        self.scheduler.every(1).seconds.do(self._guard("poll", self.poll_due))
        self.scheduler.every(1).hours.do(self._guard("learn", self.learn))
        self.scheduler.every(6).hours.do(self._guard("retention", self.retention))
        self.scheduler.every(30).seconds.do(self._guard("digest", self._send_due_digests))
        self.scheduler.every(10).seconds.do(
            self._guard("push", lambda: delivery.deliver_pushes(self.config, self.store))
        )

    def _loop(self) -> None:
        self._guard("digest", self._send_due_digests)()  # missed while down
        self.poll_due()  # every source once at start (their next_poll is due or unset)
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
            except Exception:
                log.exception("%s job failed with a bug; the daemon goes on", name)

        return run

    # -- jobs -----------------------------------------------------------------------------
    def _send_due_digests(self) -> None:
        delivery.send_due_digests(self.config, self.store, warned=self.warned)

    def poll_due(self) -> list:
        due = self.poller.due()
        if not due:
            return []
        reports = self.poller.poll(due)
        try:  # only inserts rows (even when stopping); the push job does the sending
            delivery.enqueue(self.config, self.store, reports)
        except Exception:
            log.exception("queueing pushes failed; the daemon goes on")
        return reports

    def learn(self) -> None:
        from hotspot.analysis.learn import relearn

        with self.store.transaction():
            relearn(self.store, self.engine.verticals)
            # the rising detector relearns daily; this hourly job checks whether it is due
            self.engine.maybe_retrain(int(time.time()))
        self.engine.reload(theme_pairs(self.config))

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
