"""Bilibili 热搜 (search hot words, ``s.search.bilibili.com/main/hotword``).

Written from the documented field names; no recorded response is available, so the golden
fixture is hand-made.

Decisions:

* ``title`` = ``show_name`` (what the site displays), falling back to ``keyword``; the URL
  always searches for ``keyword`` (the query the site runs).
* ``rank`` = ``pos`` when it is a positive integer, else position + 1.
* ``heat`` = ``heat_score``, falling back to ``score``.
* ``word_type`` is mapped to the badge the site shows: 4 → 新, 5 → 热, 7 → 直播中, 9 → 梗,
  11 → 话题, 12 → 独家 (as used by several open-source clients; raw value in extras).
* ``stat_datas.is_commercial == "1"`` marks an ad (``is_ad=True``).
* ``code != 0`` is a ParseError quoting the API's message.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from hotspot.ingest.source import Source, dig, int_or_none, key_list, rank_or_position, text_or_none
from hotspot.models import Fetched, RawItem
from hotspot.numbers import parse_heat

API_URL = "https://s.search.bilibili.com/main/hotword"
SEARCH_URL = "https://search.bilibili.com/all?keyword="
WORD_TYPE_LABELS = {4: "新", 5: "热", 7: "直播中", 9: "梗", 11: "话题", 12: "独家"}


class BilibiliSource(Source):
    """Bilibili's search hot words (热搜)."""

    type = "bilibili"
    platform_name = "bilibili"
    endpoints = (API_URL,)
    headers = {"Referer": "https://www.bilibili.com/", "Origin": "https://www.bilibili.com"}
    default_interval = 300.0

    def parse(self, fetched: Fetched) -> list[RawItem]:
        payload = self.json_object(fetched, "bilibili hotword")
        code = payload.get("code")
        if code != 0:
            message = text_or_none(payload.get("message")) or "no message"
            raise self.parse_error(f"bilibili hotword answered code {code!r} ({message})")
        rows = payload.get("list")
        if not isinstance(rows, list):
            raise self.parse_error(
                f"bilibili hotword JSON from {fetched.url} has no list[] "
                f"(top-level keys: {key_list(payload)})"
            )
        items = [item for i, row in enumerate(rows) if (item := _item(row, i)) is not None]
        if not items:
            raise self.parse_error(f"bilibili hotword from {fetched.url} has no entries")
        return items


def _item(row: Any, position: int) -> RawItem | None:
    if not isinstance(row, dict):
        return None
    keyword = text_or_none(row.get("keyword"))
    title = text_or_none(row.get("show_name")) or keyword
    if title is None:
        return None
    heat_value = row.get("heat_score")
    if heat_value is None:
        heat_value = row.get("score")
    word_type = int_or_none(row.get("word_type"))
    extras = {
        "keyword": keyword if keyword != title else None,
        "word_type": word_type,
        "icon": text_or_none(row.get("icon")),
    }
    return RawItem(
        title=title,
        url=SEARCH_URL + quote(keyword or title, safe="", errors="replace"),
        rank=rank_or_position(row.get("pos"), position),
        heat=parse_heat(heat_value),
        heat_raw=text_or_none(heat_value),
        label=WORD_TYPE_LABELS.get(word_type) if word_type is not None else None,
        is_ad=text_or_none(dig(row, "stat_datas", "is_commercial")) == "1",
        key=text_or_none(row.get("hot_id")),
        extras={k: v for k, v in extras.items() if v is not None},
    )


SOURCES = [BilibiliSource]
