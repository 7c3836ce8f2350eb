"""RawItem -> Hotspot: clean text, canonical URL, stable id. Pure and idempotent.

* Text: control and zero-width characters removed (titles are untrusted), whitespace
  collapsed, length capped. The display title keeps its original characters.
* ``match_key``: NFKC + casefold + no spaces/punctuation, so "哪吒2 票房" and "哪吒２票房"
  share one key; it identifies a title within a platform.
* Canonical URL: scheme/host lower-cased, fragment and tracking parameters dropped.
* Stable id: ``platform:sha1(key or match_key)[:16]``, the same on every poll, so re-polling
  a list updates the item instead of creating a new one.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from hotspot.models import Hotspot, RawItem
from hotspot.safetext import UNSAFE

MAX_TITLE = 300
MAX_SUMMARY = 1000
_CONTROL = re.compile(r"(?!\s)" + UNSAFE.pattern)  # whitespace becomes one space below
_SPACE = re.compile(r"\s+")
_KEY_DROP = re.compile(r"[\s\W_]+", re.UNICODE)
_TRACKING_KEYS = (
    r"utm_\w+|spm|from|share_\w+|sa|rsv_\w+|isappinstalled|scene|src|refer|wfr|"
    r"vd_source"
)
_TRACKING = re.compile(rf"^({_TRACKING_KEYS})$", re.IGNORECASE)
_TRACKING_ANYWHERE = re.compile(rf"(?:^|&)(?:{_TRACKING_KEYS})=", re.IGNORECASE)


def clean_text(value: object, limit: int = MAX_TITLE) -> str:
    """Untrusted text made safe to store and show: no control chars, single spaces."""
    if not isinstance(value, str):
        return ""
    return _clean(value, limit)


@lru_cache(maxsize=1_024)  # a hot list repeats its titles poll after poll
def _clean(value: str, limit: int) -> str:
    text = _CONTROL.sub("", value)
    text = _SPACE.sub(" ", text).strip()
    return text[:limit]


@lru_cache(maxsize=1_024)
def match_key(title: str) -> str:
    """The comparison form of a title: NFKC, casefolded, punctuation and spaces removed."""
    text = unicodedata.normalize("NFKC", title).casefold()
    return _KEY_DROP.sub("", text)


def canonical_url(url: object) -> str | None:
    """Lower-cased scheme/host, no fragment, no tracking parameters; None if not http(s)."""
    if not isinstance(url, str) or not url.strip():
        return None
    return _canonical_url(url)


@lru_cache(maxsize=1_024)  # hot lists repeat the same URLs poll after poll
def _canonical_url(url: str) -> str | None:
    url = clean_text(url, 2000)
    if url.startswith("//"):
        url = "https:" + url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    query = parts.query
    if query and _TRACKING_ANYWHERE.search(query):  # re-encode only when something goes
        query = urlencode(
            [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not _TRACKING.match(k)],
            doseq=True,
        )
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", query, ""))


@lru_cache(maxsize=1_024)  # the same titles come back poll after poll
def stable_id(platform: str, title: str, key: str | None = None) -> str:
    basis = f"{platform}\x00{key if key else match_key(title)}"
    return f"{platform[:12]}:{hashlib.sha1(basis.encode('utf-8')).hexdigest()[:16]}"


def normalize(
    raw: RawItem, *, source: str, platform: str, observed_at: datetime, keyed: bool = False
) -> Hotspot | None:
    """The Hotspot for ``raw``, or None when nothing usable is left of its title.

    ``keyed``: identify the item by the platform's own ``key`` (feeds, where two articles
    may share a title) rather than by its title (hot lists, whose keys change per poll).
    """
    title = clean_text(raw.title)
    if not title or not match_key(title):
        return None
    summary = clean_text(raw.summary, MAX_SUMMARY) or None
    if summary and match_key(summary) == match_key(title):
        summary = None
    category = clean_text(raw.category, 40) or None
    key = clean_text(raw.key, 500) if (keyed and raw.key) else None
    return Hotspot(
        id=stable_id(platform, title, key),
        source=source,
        platform=platform,
        title=title,
        url=canonical_url(raw.url),
        summary=summary,
        category=category,
        rank=_small_int(raw.rank),
        heat=_small_int(raw.heat) or None,  # 0 is a placeholder (see hotspot.numbers)
        label=clean_text(raw.label, 40) or None,
        pinned=bool(raw.pinned),
        is_ad=bool(raw.is_ad),
        published=raw.published,
        observed_at=observed_at,
        extras=dict(raw.extras or {}),
    )


def _small_int(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value < 2**62 else None
