"""Poll sources: fetch all due sources concurrently, processing each one's items as soon as
its fetch completes.

For every due source (bounded concurrency, one shared ``HttpClient``):

    fetch (endpoint fallback, conditional GET) -> parse (pure) -> Engine.ingest
    -> health transition -> one log line

A failure of one source (network, HTTP status, block, parse) is recorded on that source's
state and logged in one line; the others go on. A bug (any other exception) in processing is
logged with its traceback and recorded as that source's error, never stopping the cycle.
A database failure (full disk, damaged page, a writer holding the database too long) is the
store's, not the source's: it ends the cycle with one ``StoreError`` line, no source is
backed off, and the sources stay due, so the next cycle retries them.
Hosts are protected from misconfiguration: two sources on one host are not fetched within
``min_host_interval`` of each other.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import random
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from hotspot.config import Config, SourceConfig
from hotspot.engine import Engine, IngestResult
from hotspot.errors import HotspotError, ParseError, SourceError, StoreError
from hotspot.ingest import health
from hotspot.ingest.fetch_loop import FetchLoop
from hotspot.ingest.http import HttpClient
from hotspot.ingest.source import Source
from hotspot.models import Fetched, RawItem
from hotspot.planning.benchmarks import benchmark_sources
from hotspot.storage.db import storage_error
from hotspot.storage.store import Store

log = logging.getLogger(__name__)


@dataclass(slots=True)
class PollReport:
    source: str
    items: int = 0
    new_items: int = 0
    alerts: int = 0
    alert_ids: tuple[int, ...] = ()
    rising_events: tuple[int, ...] = ()
    follow_ups: tuple[int, ...] = ()
    estimated_events: tuple[int, ...] = ()
    duration_ms: int = 0
    fetch_ms: int = 0
    error: str | None = None
    not_modified: bool = False
    source_alert: tuple[str, str] | None = None


@dataclass(slots=True)
class _Fetch:
    items: list[RawItem] | None = None
    url: str | None = None
    fetched: Fetched | None = None
    error: SourceError | None = None
    fetch_ms: int = 0


class Poller:
    """Owns the plugin instances of a config and polls them against one store/engine."""

    def __init__(
        self,
        config: Config,
        store: Store,
        engine: Engine,
        plugins: Mapping[str, type[Source]],
        *,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        stop_requested: Callable[[], bool] = lambda: False,
    ):
        self.stop_requested = stop_requested
        self.config = config
        self.store = store
        self.engine = engine
        self.clock = clock
        self.rng = rng or random.Random()
        self.instances: dict[str, tuple[SourceConfig, Source]] = {}
        for sc in config.sources:
            if sc.enabled:
                cls = plugins[sc.type]
                self.instances[sc.name] = (sc, cls(sc.name, sc.url, sc.options))
        # benchmark accounts' feeds are polled like sources (same health, backoff and
        # conditional GET), but their posts are linked to events, not matched as hotspots
        self.benchmarks: dict[str, tuple[str, str]] = {}
        rss = plugins.get("rss")
        if rss is not None:
            for sc, account, bench in benchmark_sources(config):
                self.instances[sc.name] = (sc, rss(sc.name, sc.url, {}))
                self.benchmarks[sc.name] = (account, bench)
        self._host_last: dict[str, float] = {}
        self._inflight: dict[str, concurrent.futures.Future[_Fetch]] = {}
        self._background: FetchLoop | None = None

    # -- the daemon's non-blocking cycle ----------------------------------------------------
    def step(self) -> list[PollReport]:
        """One tick of the daemon: process the fetches that finished since the last tick,
        then start fetching the due sources not already in flight. Never waits on the
        network, so a stalled source holds back neither the others nor the daemon's other
        jobs (its own fetch ends at ``http.deadline``)."""
        if self._background is None:
            self._background = FetchLoop(self.config.http, self.config.max_concurrent)
        reports = []
        finished = [n for n, fut in self._inflight.items() if fut.done()]
        states = self.store.source_states() if finished else {}
        for name in finished:
            fut = self._inflight.pop(name)
            try:
                f = fut.result()
            except concurrent.futures.CancelledError:
                continue
            except Exception as exc:  # a bug in the fetch path: this source's error
                log.error("source %s: fetch failed: %s: %s", name, type(exc).__name__, exc)
                f = _Fetch(error=SourceError(name, f"fetch failed: {type(exc).__name__}"))
            reports.append(self._process(name, f, states.get(name)))
        due = [n for n in self.due() if n not in self._inflight]
        if due:
            states = self.store.source_states()
            for name in self._polite(due, states):
                state = dict(states.get(name) or {})
                self._inflight[name] = self._background.submit(
                    functools.partial(self._fetch_one_with, name=name, state=state)
                )
        return reports

    def in_flight(self) -> list[str]:
        return sorted(self._inflight)

    def close(self) -> None:
        """Abandon fetches in flight (nothing was written for them: they stay due)."""
        if self._background is not None:
            self._background.close()
            self._background = None
        self._inflight.clear()

    async def _fetch_one_with(self, client: HttpClient, *, name: str, state: dict) -> _Fetch:
        return await self._fetch_one(client, name, state)

    def due(self) -> list[str]:
        """Names of sources whose next poll time has come."""
        now = self.clock()
        states = self.store.source_states()
        return [
            name for name in self.instances if (states.get(name, {}).get("next_poll") or 0) <= now
        ]

    def poll(self, names: Sequence[str] | None = None) -> list[PollReport]:
        """Poll ``names`` (default: every enabled source) once, now."""
        names = [
            n for n in (names if names is not None else list(self.instances)) if n in self.instances
        ]
        if not names:
            return []
        states = self.store.source_states()
        names = self._polite(names, states)
        reports = asyncio.run(self._poll_async(names, states))
        order = {n: i for i, n in enumerate(names)}
        return sorted(reports, key=lambda r: order[r.source])

    async def _poll_async(self, names: list[str], states: Mapping[str, dict]) -> list[PollReport]:
        """Fetch concurrently; process each source as soon as its fetch completes, so the
        slowest platform sets the pace of a cycle, not the sum of processing and fetching."""
        reports: list[PollReport] = []

        def process(name: str, f: _Fetch) -> None:
            reports.append(self._process(name, f, states.get(name)))

        await self._fetch_all(names, states, on_fetched=process)
        return reports

    def probe(
        self, names: Sequence[str] | None = None
    ) -> dict[str, tuple[int | None, str | None, int]]:
        """Fetch and parse without storing anything: name -> (items, error, ms). For doctor."""
        names = [n for n in (names or list(self.instances)) if n in self.instances]
        fetches: dict[str, _Fetch] = {}
        asyncio.run(self._fetch_all(names, {}, on_fetched=fetches.__setitem__))
        return {
            n: (
                len(f.items) if f.items is not None else None,
                f.error.reason if f.error else None,
                f.fetch_ms,
            )
            for n, f in fetches.items()
        }

    def _polite(self, names: list[str], states: Mapping[str, dict]) -> list[str]:
        """At most one source per host per cycle, none within min_host_interval of the host's
        last fetch, and none on a host that blocked or rate-limited one of our sources until
        that backoff ends; deferred sources stay due and go in a later cycle. (A manual
        ``hotspot poll`` sets min_host_interval to 0: the operator asked for it now.)"""
        gap = self.config.min_host_interval
        if gap <= 0:
            return names
        now = self.clock()
        waiting = {
            self._host(n)
            for n, st in states.items()
            if n in self.instances and st.get("host_wait") and (st.get("backoff_until") or 0) > now
        }
        chosen, hosts = [], set()
        # the source that has waited longest goes first, so sources sharing a host take turns
        for name in sorted(names, key=lambda n: (states.get(n) or {}).get("next_poll") or 0):
            host = self._host(name)
            last = self._host_last.get(host)
            if host in hosts or host in waiting or (last is not None and now - last < gap):
                continue
            hosts.add(host)
            chosen.append(name)
            self._host_last[host] = now
        return chosen

    def _host(self, name: str) -> str:
        urls = self.instances[name][1].urls()
        return urlsplit(urls[0]).netloc if urls else name

    async def _fetch_all(
        self,
        names: list[str],
        states: Mapping[str, dict],
        on_fetched: Callable[[str, _Fetch], None],
    ) -> None:
        """Fetch ``names`` with bounded concurrency, handing each result to ``on_fetched`` as
        it arrives. On a stop request the fetches still in flight are abandoned: nothing is
        written while fetching, so that is safe; a source already being processed finishes."""
        limit = asyncio.Semaphore(self.config.max_concurrent)
        async with HttpClient(self.config.http) as client:

            async def one(name: str) -> tuple[str, _Fetch]:
                async with limit:
                    return name, await self._fetch_one(client, name, states.get(name) or {})

            pending = {asyncio.create_task(one(n)) for n in names}
            while pending:
                done, pending = await asyncio.wait(
                    pending, timeout=0.1, return_when=asyncio.FIRST_COMPLETED
                )
                if self.stop_requested():
                    for t in pending:
                        t.cancel()
                    await asyncio.gather(*pending, return_exceptions=True)
                    return
                for t in done:
                    on_fetched(*t.result())

    async def _fetch_one(self, client: HttpClient, name: str, state: dict) -> _Fetch:
        _, src = self.instances[name]
        urls = src.urls()
        preferred = state.get("preferred_url")
        if preferred in urls:
            urls.remove(preferred)
            urls.insert(0, preferred)
        started = time.perf_counter()
        last_error: SourceError | None = None
        for url in urls:
            conditional = len(urls) == 1 or url == preferred
            try:
                fetched = await src.fetch(
                    client,
                    url,
                    etag=state.get("etag") if conditional else None,
                    last_modified=state.get("last_modified") if conditional else None,
                )
                if fetched.not_modified:
                    return _Fetch(items=None, url=url, fetched=fetched, fetch_ms=_ms(started))
                items = src.parse(fetched)
                return _Fetch(items=items, url=url, fetched=fetched, fetch_ms=_ms(started))
            except SourceError as exc:
                last_error = exc
            except Exception as exc:  # a plugin bug: report it as this source's parse error
                log.exception("source %s: plugin failed on %s", name, url)
                last_error = ParseError(
                    name, f"plugin {src.type!r} crashed on {url}: {type(exc).__name__}: {exc}"
                )
        return _Fetch(
            error=last_error or ParseError(name, "no url to fetch"), fetch_ms=_ms(started)
        )

    def _process(self, name: str, f: _Fetch, state: dict | None) -> PollReport:
        sc, src = self.instances[name]
        state = dict(state or {"source": name, "failures": 0, "down_alerted": 0})
        state["source"] = name
        started = time.perf_counter()
        now = self.clock()
        report = PollReport(source=name, fetch_ms=f.fetch_ms)
        result = IngestResult()
        error = f.error
        dated = bool(getattr(src, "dated", False))
        first_poll = self.store.meta(f"first_poll:{name}") if dated else None
        if error is None and f.items is not None:
            try:
                if name in self.benchmarks:
                    result = self._ingest_posts(name, f.items, int(now))
                else:
                    result = self.engine.ingest(
                        name,
                        src.platform,
                        f.items,
                        # the poller's one clock (injected in tests and replays) stamps what
                        # it observed, so trends and forgetting follow the same time
                        observed_at=datetime.fromtimestamp(now, UTC),
                        keyed=getattr(src, "keyed", False),
                        max_age=sc.max_age,
                        # first poll: every undated entry is backlog; later, those seen by then
                        undated_before=(
                            (int(first_poll) if first_poll else 2**62) if dated else None
                        ),
                    )
            except sqlite3.DatabaseError as exc:  # the store's fault, not the source's
                raise storage_error(self.store.path, exc) from None
            except StoreError:
                raise
            except HotspotError as exc:
                error = SourceError(name, str(exc))
            except Exception as exc:  # core bug: keep the traceback, keep the daemon
                log.exception("source %s: processing failed", name)
                error = SourceError(name, f"processing failed: {type(exc).__name__}: {exc}")
        if error is None:
            headers = f.fetched.headers if f.fetched else {}
            t = health.after_success(
                state,
                now=now,
                interval=sc.interval,
                rng=self.rng,
                etag=headers.get("etag"),
                last_modified=headers.get("last-modified"),
                preferred_url=f.url,
            )
            report.not_modified = bool(f.fetched and f.fetched.not_modified)
        else:
            t = health.after_failure(
                state,
                error,
                now=now,
                interval=sc.interval,
                alert_after=self.config.source_alert_after,
                rng=self.rng,
            )
            report.error = error.reason
        report.items, report.new_items = result.items, result.new_items
        report.alert_ids = tuple(result.alert_ids)
        report.alerts = len(result.alert_ids)
        report.rising_events = tuple(result.rising_events)
        report.follow_ups = tuple(result.follow_ups)
        report.estimated_events = tuple(result.estimated_events)
        report.duration_ms = f.fetch_ms + _ms(started)
        report.source_alert = t.source_alert
        try:
            self._save(
                name, now, report, t, first_poll=dated and first_poll is None and error is None
            )
        except sqlite3.DatabaseError as exc:
            raise storage_error(self.store.path, exc) from None
        _log_report(report)
        return report

    def _save(
        self,
        name: str,
        now: float,
        report: PollReport,
        t: health.Transition,
        *,
        first_poll: bool = False,
    ) -> None:
        """Source state and poll record in one transaction; ``first_poll`` marks when a dated
        source (a feed) was first read, so later undated items are new, not backlog."""
        with self.store.transaction():
            if first_poll:
                # the end of the first poll: every item it stored was first seen by then
                self.store.set_meta(f"first_poll:{name}", str(int(max(now, time.time()))))
            self.store.save_source_state(t.state)
            self.store.record_poll(
                name,
                now,
                report.duration_ms,
                report.items,
                report.new_items,
                report.alerts,
                report.error,
            )
            if t.source_alert:
                self.store.add_source_alert(name, t.source_alert[0], t.source_alert[1], int(now))

    def _ingest_posts(self, name: str, items: Sequence[RawItem], now: int) -> IngestResult:
        """Store a benchmark feed's new posts, each linked to the events it covers."""
        from hotspot.planning.benchmarks import post_id

        account, bench = self.benchmarks[name]
        ids = [post_id(account, bench, it.key or it.url or it.title) for it in items]
        known = self.store.known_posts(ids)
        result = IngestResult()
        result.items = len(items)
        with self.store.transaction():
            for pid, it in zip(ids, items):
                if pid in known:
                    continue
                known.add(pid)
                at = int(it.published.timestamp()) if it.published else now
                links = self.engine.link_post(it.title, it.summary, at)
                # the store refuses a post older than the retention cutoff (a feed still
                # listing a post retention deleted): that one is not new
                if self.store.add_post(
                    pid, account, bench, it.title, it.url, it.summary, at, now, links
                ):
                    result.new_items += 1
        return result


def _log_report(r: PollReport) -> None:
    if r.error:
        log.warning("poll source=%s failed in %dms: %s", r.source, r.duration_ms, r.error)
    elif r.not_modified:
        log.info("poll source=%s unchanged (304) in %dms", r.source, r.duration_ms)
    else:
        log.info(
            "poll source=%s items=%d new=%d alerts=%d took=%dms",
            r.source,
            r.items,
            r.new_items,
            r.alerts,
            r.duration_ms,
        )
    if r.source_alert:
        log.warning("source alert: %s", r.source_alert[1])


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
