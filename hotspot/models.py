"""The data that flows through hotspot, as frozen dataclasses.

    Fetched   what a source's ``fetch`` got from the network (bytes + metadata)
    RawItem   one entry of a hot list or feed, as a plugin's pure ``parse`` reads it
    Hotspot   a RawItem after normalising: clean text, canonical URL, stable id, platform
    Observation  one sighting of a hotspot in one poll (rank, heat, time)

Matching and alert types live beside the code that makes them (``matcher.Match``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hotspot.charsets import Decoded, decode, header_charset


@dataclass(frozen=True, slots=True)
class Fetched:
    """A response body as fetched, before any parsing."""

    source: str
    url: str
    content: bytes
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    fetched_at: datetime | None = None
    encoding: str | None = None
    not_modified: bool = False

    def text(self) -> str:
        """The body decoded by the shared rules of ``hotspot.charsets``: the declared charset
        if the bytes fit it, else a BOM, the document's own declaration, UTF-8, detection
        (GB18030 on a tie: older Chinese sites send GBK without saying so)."""
        return self.decoded().text

    def decoded(self) -> Decoded:
        """The body's text with the encoding chosen and how (see ``hotspot.charsets``)."""
        return decode(self.content, self.encoding or header_charset(self.headers))


@dataclass(frozen=True, slots=True)
class RawItem:
    """One hot-list entry or feed article exactly as the platform described it.

    ``heat`` is already a number when the plugin could read one (``heat_raw`` keeps the
    original text); ``category`` is the platform's own topic tag (Weibo's 剧集/电影/综艺),
    evidence the matcher uses. ``key`` is the platform's own stable id where it has one
    (an RSS guid, Toutiao's ClusterIdStr); otherwise the title identifies the entry.
    """

    title: str
    url: str | None = None
    rank: int | None = None
    heat: int | None = None
    heat_raw: str | None = None
    label: str | None = None
    category: str | None = None
    summary: str | None = None
    published: datetime | None = None
    pinned: bool = False
    is_ad: bool = False
    key: str | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Hotspot:
    """A normalised item: what the store keeps and the matcher reads."""

    id: str
    source: str
    platform: str
    title: str
    url: str | None
    summary: str | None
    category: str | None
    rank: int | None
    heat: int | None
    label: str | None
    pinned: bool
    is_ad: bool
    published: datetime | None
    observed_at: datetime
    extras: Mapping[str, Any] = field(default_factory=dict)
