"""Per-source health and politeness decisions. Pure: state in, state out, clock injected.

After each poll ``after_success``/``after_failure`` return the source's new state:

* success: failures reset, next poll = interval +-10% jitter (so twenty sources do not fire
  in the same second), a pending "down" source alert is answered by "recovered".
* failure: exponential backoff with jitter, interval x 2^(failures-1), capped at
  ``MAX_BACKOFF``; blocks (403/418/432, visitor pages) start from ``BLOCK_BASE`` instead;
  a ``Retry-After`` from the server is honoured when it asks for longer.
* a block or a rate limit (403/418/432, 429, 503) also makes the source's *host* wait
  (``host_wait``): the poller holds back every source on that host until the backoff ends,
  so one platform that says "slow down" is not asked again through another instance.
* a source failing for longer than ``alert_after`` raises one "down" alert, once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from hotspot.errors import BlockedError, HTTPStatusError, SourceError

MAX_BACKOFF = 6 * 3600
BLOCK_BASE = 600
JITTER = 0.1


@dataclass(frozen=True, slots=True)
class Transition:
    state: dict[str, Any]
    source_alert: tuple[str, str] | None = None  # (kind, message)


def after_success(
    state: dict[str, Any],
    *,
    now: float,
    interval: float,
    rng: random.Random | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    preferred_url: str | None = None,
) -> Transition:
    rng = rng or random.Random()
    new = dict(state)
    alert = None
    if state.get("down_alerted"):
        since = state.get("failing_since") or now
        alert = (
            "recovered",
            f"source {state['source']!r} recovered after {_human(now - since)} of failures",
        )
    new.update(
        last_attempt=int(now),
        last_success=int(now),
        failures=0,
        failing_since=None,
        backoff_until=None,
        down_alerted=0,
        host_wait=0,
        next_poll=int(now + interval * rng.uniform(1 - JITTER, 1 + JITTER)),
    )
    if etag is not None or last_modified is not None:
        new.update(etag=etag, last_modified=last_modified)
    if preferred_url:
        new["preferred_url"] = preferred_url
    return Transition(new, alert)


def after_failure(
    state: dict[str, Any],
    error: SourceError,
    *,
    now: float,
    interval: float,
    alert_after: float,
    rng: random.Random | None = None,
) -> Transition:
    rng = rng or random.Random()
    failures = int(state.get("failures") or 0) + 1
    base = BLOCK_BASE if isinstance(error, BlockedError) else interval
    delay = min(MAX_BACKOFF, base * 2 ** (failures - 1)) * rng.uniform(1 - JITTER, 1 + JITTER)
    retry_after = (
        getattr(error, "retry_after", None) if isinstance(error, HTTPStatusError) else None
    )
    if retry_after:
        delay = max(delay, min(retry_after, MAX_BACKOFF))
    failing_since = state.get("failing_since") or int(now)
    new = dict(state)
    host_wait = isinstance(error, BlockedError) or (
        isinstance(error, HTTPStatusError) and error.status in (429, 503)
    )
    new.update(
        last_attempt=int(now),
        last_error=error.reason[:500],
        last_error_at=int(now),
        failures=failures,
        failing_since=failing_since,
        host_wait=int(host_wait),
        backoff_until=int(now + delay),
        next_poll=int(now + delay),
    )
    alert = None
    if not state.get("down_alerted") and now - failing_since >= alert_after:
        new["down_alerted"] = 1
        alert = (
            "down",
            f"source {state['source']!r} failing for {_human(now - failing_since)}"
            f" ({failures} attempts): {error.reason[:200]}",
        )
    return Transition(new, alert)


def _human(seconds: float) -> str:
    from hotspot.durations import format_duration

    return format_duration(seconds)
