"""What ``min_host_interval`` does to each source's schedule, said before the daemon runs.

The poller fetches at most one source per host per cycle and none within
``min_host_interval`` of that host's previous fetch, so ``n`` enabled sources sharing a host
are each fetched at most every ``n * min_host_interval`` seconds: a source's effective
interval is ``max(interval, n * min_host_interval)``. ``sources list`` shows it and
``config check`` warns when it is longer than the configured interval.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from hotspot.config import Config


@dataclass(frozen=True)
class Schedule:
    source: str
    host: str
    interval: float  # configured
    effective: float  # what min_host_interval leaves of it
    sharing: tuple[str, ...]  # the enabled sources on the same host (itself included)


def host_of(source, plugins: Mapping[str, type]) -> str:
    cls = plugins.get(source.type)
    urls = [source.url] if source.url else list(getattr(cls, "endpoints", ()) or ())
    return urlsplit(urls[0]).netloc if urls else source.name


def schedules(config: Config, plugins: Mapping[str, type]) -> dict[str, Schedule]:
    enabled = [s for s in config.sources if s.enabled]
    by_host: dict[str, list[str]] = defaultdict(list)
    hosts = {}
    for s in enabled:
        hosts[s.name] = host_of(s, plugins)
        by_host[hosts[s.name]].append(s.name)
    out = {}
    for s in enabled:
        sharing = tuple(by_host[hosts[s.name]])
        effective = max(s.interval, len(sharing) * config.min_host_interval)
        out[s.name] = Schedule(s.name, hosts[s.name], s.interval, effective, sharing)
    return out
