"""A background thread running one asyncio loop and one ``HttpClient`` for a long-lived
process (the daemon), so fetches run beside the main loop instead of inside it.

The daemon's main thread starts fetches here and picks up finished ones every tick; a slow
or stalled source is simply "still in flight" and holds back nothing else: other sources
keep their polls, pushes and digests keep their schedule, and signals are handled at once.
Fetches write nothing, so ``close()`` may cancel whatever is in flight.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from hotspot.config import HttpSettings
from hotspot.ingest.http import HttpClient

log = logging.getLogger(__name__)
T = TypeVar("T")


class FetchLoop:
    """``submit(fn)`` runs ``fn(client)`` (a coroutine function) on the loop thread, at most
    ``max_concurrent`` at once, and returns a ``concurrent.futures.Future``."""

    def __init__(self, settings: HttpSettings, max_concurrent: int):
        self._settings = settings
        self._max = max_concurrent
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hotspot-fetch", daemon=True)
        self._thread.start()
        self._ready.wait()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def setup() -> None:
            self.client = HttpClient(self._settings)
            self._limit = asyncio.Semaphore(self._max)

        self._loop.run_until_complete(setup())
        self._ready.set()
        self._loop.run_forever()

    def submit(self, fn: Callable[[HttpClient], Awaitable[T]]) -> concurrent.futures.Future[T]:
        async def limited() -> T:
            async with self._limit:
                return await fn(self.client)

        return asyncio.run_coroutine_threadsafe(limited(), self._loop)

    def close(self, timeout: float = 5.0) -> None:
        """Cancel what is in flight, close the client, stop the thread."""
        if self._loop.is_closed():
            return

        async def shutdown() -> None:
            me = asyncio.current_task()
            tasks = [t for t in asyncio.all_tasks() if t is not me]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.client.aclose()

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout)
        except Exception:
            log.debug("fetch loop shutdown was not clean", exc_info=True)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        if not self._thread.is_alive():
            self._loop.close()
