"""Douyin 抖音热榜 (the web hot-search list API).

Written from the documented field names; no recorded response is available, so the golden
fixture is hand-made.

Fetching: the API answers 403 or an empty body to a client without Douyin's first-visit
cookie (``ttwid``). ``fetch`` therefore first GETs a cookie-granting page on the *same host*
as the configured API URL (default ``/``; option ``cookie_url`` may name another path or a
full URL) through the same ``HttpClient`` — its cookie jar is shared across requests — and
then GETs the API. The first request is skipped while the jar still holds a ``ttwid`` for
that host. A failing cookie request is logged, not raised: the API's own answer (403, empty)
is the error the operator needs to see.

Parsing:

* ``data.word_list[]`` are the ranked rows: ``rank`` = ``position`` when it is a positive
  integer, else list position + 1; ``key`` = ``sentence_id``; ``published`` = ``event_time``.
* ``data.trending_list[]`` (实时上升, optional) rows are kept with ``rank=None`` and
  ``extras["list"] = "trending"``, unless the same word is already in ``word_list``.
* ``label`` codes are mapped to the badge text Douyin shows only where a reader of the same
  endpoint documents them: 1 新, 2 商, 3 热, 4 爆, 5 首发, 7 同城, 8 独家, 9 挑战, 10 当事人,
  11 剧集, 12 电影, 13 综艺, 15 晚会, 16 辟谣, 17 热议, 20 解读 (the label map of the Raycast
  "trending" extension's Douyin reader; DailyHotApi and newsnow read no labels at all). 0 is "no
  badge". Any other code (6, 14, 18, 19, new ones) gets no label; the raw code always stays in
  ``extras["label_code"]`` so nothing is lost. 2 (商) also marks an ad; 11/12/13/15 are also
  the item's ``category``.
* ``hot_value`` goes through ``parse_heat``: ``trending_list`` rows carry ``hot_value: 0`` as a
  placeholder, which is stored as unknown heat (None), never as a heat of 0.
* ``status_code != 0`` is a ParseError; an empty 200 body is a BlockedError (what Douyin
  serves when it wants the cookie or a signature).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from hotspot.errors import BlockedError, FetchError
from hotspot.ingest.http import HttpClient
from hotspot.ingest.source import Source, dig, int_or_none, key_list, rank_or_position, text_or_none
from hotspot.models import Fetched, RawItem
from hotspot.numbers import parse_heat

log = logging.getLogger(__name__)

API_URL = (
    "https://www.douyin.com/aweme/v1/web/hot/search/list/"
    "?device_platform=webapp&aid=6383&channel=channel_pc_web&detail_list=1"
)
SEARCH_URL = "https://www.douyin.com/search/"
COOKIE_NAME = "ttwid"
DEFAULT_COOKIE_PATH = "/"
LABELS = {
    1: "新",
    2: "商",
    3: "热",
    4: "爆",
    5: "首发",
    7: "同城",
    8: "独家",
    9: "挑战",
    10: "当事人",
    11: "剧集",
    12: "电影",
    13: "综艺",
    15: "晚会",
    16: "辟谣",
    17: "热议",
    20: "解读",
}
AD_LABEL = 2
CATEGORY_LABELS = frozenset({11, 12, 13, 15})


class DouyinSource(Source):
    """Douyin's hot-search list (抖音热榜), after a first-visit cookie."""

    type = "douyin"
    platform_name = "douyin"
    endpoints = (API_URL,)
    headers = {"Referer": "https://www.douyin.com/"}
    default_interval = 600.0
    options = {"cookie_url": str}

    async def fetch(
        self,
        client: HttpClient,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Fetched:
        """GET the cookie-granting page (unless the jar has the cookie), then the API."""
        cookie_url = self.cookie_url(url)
        if not _has_cookie(client, urlsplit(cookie_url).hostname or ""):
            try:
                await client.get(self.name, cookie_url, headers=self.headers)
            except FetchError as exc:
                log.warning(
                    "source %s: cookie request to %s failed (%s); trying the API anyway",
                    self.name,
                    cookie_url,
                    exc.reason,
                )
        return await client.get(
            self.name, url, headers=self.headers, etag=etag, last_modified=last_modified
        )

    def cookie_url(self, api_url: str) -> str:
        """The cookie page on the API's host (or the configured ``cookie_url``)."""
        configured = text_or_none(self.config.get("cookie_url")) or DEFAULT_COOKIE_PATH
        return urljoin(api_url, configured)

    def parse(self, fetched: Fetched) -> list[RawItem]:
        if not fetched.content.strip():
            raise BlockedError(
                self.name,
                f"douyin answered an empty body from {fetched.url}; "
                "it wants its first-visit cookie or a signature",
                status=fetched.status,
            )
        payload = self.json_object(fetched, "douyin hot-list")
        status = payload.get("status_code")
        if status != 0:
            message = text_or_none(payload.get("status_msg")) or "no message"
            raise self.parse_error(f"douyin hot list answered status_code {status!r} ({message})")
        words = dig(payload, "data", "word_list")
        if not isinstance(words, list):
            raise self.parse_error(
                f"douyin hot-list JSON from {fetched.url} has no "
                f"data.word_list[] (top-level keys: {key_list(payload)})"
            )
        items = [
            item
            for i, row in enumerate(words)
            if (item := _item(row, i, trending=False)) is not None
        ]
        items += self._trending(payload, {item.title for item in items})
        if not items:
            raise self.parse_error(f"douyin hot list from {fetched.url} has no entries")
        return items

    @staticmethod
    def _trending(payload: dict[str, Any], seen: set[str]) -> list[RawItem]:
        rows = dig(payload, "data", "trending_list")
        found = []
        for i, row in enumerate(rows if isinstance(rows, list) else []):
            item = _item(row, i, trending=True)
            if item is not None and item.title not in seen:
                seen.add(item.title)
                found.append(item)
        return found


def _has_cookie(client: HttpClient, host: str) -> bool:
    """Whether the jar holds an unexpired ``ttwid`` that would be sent to ``host``."""
    host = host if "." in host else host + ".local"  # how http.cookiejar stores "localhost"
    for cookie in client.cookies.jar:
        domain = cookie.domain.lstrip(".")
        if cookie.name != COOKIE_NAME or cookie.is_expired():
            continue
        if host == domain or host.endswith("." + domain):
            return True
    return False


def _item(row: Any, position: int, *, trending: bool) -> RawItem | None:
    if not isinstance(row, dict):
        return None
    title = text_or_none(row.get("word"))
    if title is None:
        return None
    code = int_or_none(row.get("label"))
    extras = {
        "label_code": code,
        "list": "trending" if trending else None,
        "video_count": int_or_none(row.get("video_count")),
        "cover": text_or_none(dig(row, "word_cover", "url_list", 0)),
    }
    return RawItem(
        title=title,
        url=SEARCH_URL + quote(title, safe="", errors="replace"),
        rank=None if trending else rank_or_position(row.get("position"), position),
        heat=parse_heat(row.get("hot_value")),
        heat_raw=text_or_none(row.get("hot_value")),
        label=LABELS.get(code) if code is not None else None,
        category=LABELS.get(code) if code in CATEGORY_LABELS else None,
        published=_timestamp(row.get("event_time")),
        is_ad=code == AD_LABEL,
        key=text_or_none(row.get("sentence_id")),
        extras={k: v for k, v in extras.items() if v is not None},
    )


def _timestamp(value: Any) -> datetime | None:
    seconds = int_or_none(value)
    if seconds is None or not 0 < seconds < 4_102_444_800:  # before 2100
        return None
    return datetime.fromtimestamp(seconds, tz=UTC)


SOURCES = [DouyinSource]
