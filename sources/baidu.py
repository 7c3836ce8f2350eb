"""Baidu 热搜 (top.baidu.com realtime board): the board API JSON and the board HTML page.

Two endpoints carry the same payload: ``/api/board`` answers JSON, and the ``/board`` page
embeds the identical object in an HTML comment ``<!--s-data:{...}-->``. The body is recognised
by its content (JSON object vs. HTML with that comment), never by the URL, so either endpoint
works from any configured ``url``.

Decisions:

* ``data.cards[0].content[]`` are the ranked rows; ``rank = index + 1`` (Baidu's ``index`` is
  0-based), or position + 1 when ``index`` is missing or not an integer.
* ``topContent[]`` rows are the pinned (置顶) entry: ``pinned=True, rank=None``. Baidu gives
  them ``index: 0`` too, which must not be read as rank 1.
* The board *page* (and tabs other than realtime) may instead put the pinned row inside
  ``content`` with ``isTop: true`` (newsnow and other readers of the page drop such rows). It is
  flagged pinned (``rank=None``), never read as rank 1, and the ordinary rows are ranked by their
  position among themselves, since their ``index`` may count the pinned row. A topic that is
  both in ``topContent`` and an ``isTop`` row is one item.
* ``hotTag`` is mapped to the badge text the page shows only where the meaning is known:
  "1" → 新 and "3" → 热 (in the recorded corpus "1" rows are nearly always newly listed and "3"
  rows are long-lived top entries). "4" and "5" appear only at ranks 1-2 and their badge is not
  documented, so they get no label; the raw code is always kept in ``extras["hot_tag"]``.
* The URL is rebuilt from ``query`` as ``https://www.baidu.com/s?wd=<quote_plus(query)>``,
  which equals Baidu's own ``rawUrl`` without its tracking parameters.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import quote_plus

from hotspot.ingest.source import (
    Source,
    body_note,
    dig,
    key_list,
    load_json,
    rank_or_position,
    text_or_none,
    truthy,
)
from hotspot.models import Fetched, RawItem
from hotspot.numbers import parse_heat

API_URL = "https://top.baidu.com/api/board?platform=web&tab=realtime"
PAGE_URL = "https://top.baidu.com/board?tab=realtime"
SEARCH_URL = "https://www.baidu.com/s?wd="
S_DATA_OPEN = "<!--s-data:"
S_DATA_CLOSE = "-->"
HOT_TAG_LABELS = {"1": "新", "3": "热"}


class BaiduSource(Source):
    """Baidu's realtime hot-search board (热搜榜)."""

    type = "baidu"
    platform_name = "baidu"
    endpoints = (API_URL, PAGE_URL)
    headers = {"Referer": "https://top.baidu.com/board?tab=realtime"}
    default_interval = 300.0

    def parse(self, fetched: Fetched) -> list[RawItem]:
        card = self._hot_card(self._payload(fetched))
        content = _rows(card, "content")
        inline_top = [row for row in content if _is_top(row)]
        ordinary = [row for row in content if not _is_top(row)]
        pinned = [_item(row, i, pinned=True) for i, row in enumerate(_rows(card, "topContent"))]
        pinned += [_item(row, i, pinned=True) for i, row in enumerate(inline_top)]
        # With the pinned row inside ``content`` its ``index`` may count it, so the ordinary
        # rows are ranked by their position among themselves (the recordings show
        # index == position whenever the pinned row sits apart in topContent).
        items = _unique(pinned) + [
            _item(row, i, pinned=False, use_index=not inline_top) for i, row in enumerate(ordinary)
        ]
        found = [item for item in items if item is not None]
        if not found:
            raise self.parse_error(f"baidu board from {fetched.url} has no entries")
        return found

    def _payload(self, fetched: Fetched) -> Any:
        """The board object, from the API JSON or from the page's ``<!--s-data:...-->``."""
        text = fetched.text().lstrip("\ufeff \t\r\n")
        if text[:1] == "<":
            embedded = _embedded_s_data(text)
            if embedded is None:
                raise self.parse_error(
                    f"expected baidu board JSON, got HTML without "
                    f"<!--s-data:...--> from {fetched.url}: {body_note(self.name, fetched.url, text)}"
                )
            fetched = dataclasses.replace(
                fetched, content=embedded.encode("utf-8"), encoding="utf-8"
            )
        return load_json(self.name, fetched)

    def _hot_card(self, payload: Any) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise self.parse_error(
                f"expected a baidu board JSON object, got {type(payload).__name__}"
            )
        if payload.get("success") is False:
            raise self.parse_error(
                f"baidu board answered success:false (error: {_short(payload.get('error'))})"
            )
        cards = dig(payload, "data", "cards")
        if not isinstance(cards, list) or not cards:
            raise self.parse_error(
                f"baidu board JSON has no data.cards (top-level keys: {key_list(payload)})"
            )
        hot = [c for c in cards if isinstance(c, dict) and c.get("component") == "hotList"]
        card = hot[0] if hot else cards[0]
        if not isinstance(card, dict):
            raise self.parse_error("baidu board data.cards[0] is not an object")
        return card


def _embedded_s_data(html: str) -> str | None:
    """The JSON inside ``<!--s-data:...-->``; linear scans only (bodies can be large)."""
    start = html.find(S_DATA_OPEN)
    if start < 0:
        return None
    start += len(S_DATA_OPEN)
    end = html.find(S_DATA_CLOSE, start)
    return html[start:end] if end >= 0 else None


def _rows(card: dict[str, Any], key: str) -> list[Any]:
    rows = card.get(key)
    return rows if isinstance(rows, list) else []


def _is_top(row: Any) -> bool:
    """The board page marks its pinned row with ``isTop`` (true, 1 or "1") inside content."""
    return isinstance(row, dict) and truthy(row.get("isTop"))


def _unique(items: list[RawItem | None]) -> list[RawItem | None]:
    """Pinned rows once each, even when both topContent and an isTop row carry the topic."""
    seen: set[str] = set()
    out: list[RawItem | None] = []
    for item in items:
        if item is not None and item.title in seen:
            continue
        if item is not None:
            seen.add(item.title)
        out.append(item)
    return out


def _item(row: Any, position: int, *, pinned: bool, use_index: bool = True) -> RawItem | None:
    if not isinstance(row, dict):
        return None
    title = text_or_none(row.get("word")) or text_or_none(row.get("query"))
    if title is None:
        return None
    query = text_or_none(row.get("query")) or title
    hot_tag = text_or_none(row.get("hotTag"))
    score = row.get("hotScore")
    return RawItem(
        title=title,
        url=SEARCH_URL + quote_plus(query, safe="", errors="replace"),
        rank=None
        if pinned
        else rank_or_position(row.get("index") if use_index else None, position, offset=1),
        heat=parse_heat(score),
        heat_raw=text_or_none(score),
        label=HOT_TAG_LABELS.get(hot_tag or ""),
        summary=text_or_none(row.get("desc")),
        pinned=pinned,
        extras=_extras(row, hot_tag, query, title),
    )


def _extras(row: dict[str, Any], hot_tag: str | None, query: str, title: str) -> dict[str, Any]:
    extras = {
        "hot_tag": hot_tag,
        "hot_tag_img": text_or_none(row.get("hotTagImg")),
        "hot_change": text_or_none(row.get("hotChange")),
        "img": text_or_none(row.get("img")),
        "query": query if query != title else None,
    }
    return {k: v for k, v in extras.items() if v is not None}


def _short(value: Any, n: int = 120) -> str:
    return " ".join(str(value)[:n].split()) or "none"


SOURCES = [BaiduSource]
