"""Toutiao 头条热榜 (the PC hot board, ``/hot-event/hot-board/``).

Written from the documented field names; no recorded response of this endpoint is available
(see the README's fixture-provenance section), so the golden fixture is hand-made.

Decisions:

* ``data[]`` are the ranked rows, ``rank`` = position + 1; ``fixed_top_data[]`` rows are
  pinned (``pinned=True, rank=None``).
* ``key`` = ``ClusterIdStr`` (Toutiao's stable event id; ``ClusterId`` as a fallback).
* ``Label`` codes are mapped to the badge text the board shows: hot → 热, new → 新,
  refuse → 辟谣; otherwise ``LabelDesc`` (热门事件 → 热, 新事件上榜 → 新, else as shown);
  the raw code stays in ``extras["label_code"]``.
* ``InterestCategory[0]`` (e.g. "society") becomes ``category``; ``HotValue`` is a string.
* A ``status`` other than "success" is a ParseError that quotes it.
* Toutiao's error answers keep HTTP 200 and ``data: []`` and say what went wrong in an error
  code beside it (``errno``/``err_no``/``error_code``/``code`` with ``message``/``err_tips``/
  ``msg``). An empty list with a non-zero code is a ParseError naming the platform's code and
  message, so the operator reads "errno 10000 (params error)" rather than "no entries".
"""

from __future__ import annotations

from typing import Any

from hotspot.ingest.source import Source, dig, key_list, text_or_none
from hotspot.models import Fetched, RawItem
from hotspot.numbers import parse_heat

API_URL = "https://www.toutiao.com/hot-event/hot-board/?origin=toutiao_pc"
LABEL_CODES = {"hot": "热", "new": "新", "refuse": "辟谣"}
LABEL_DESCS = {"热门事件": "热", "新事件上榜": "新"}
ERROR_CODE_KEYS = ("errno", "err_no", "error_code", "code")
ERROR_MESSAGE_KEYS = ("message", "err_tips", "msg", "error_msg", "err_msg")


class ToutiaoSource(Source):
    """Toutiao's PC hot board (头条热榜)."""

    type = "toutiao"
    platform_name = "toutiao"
    endpoints = (API_URL,)
    headers = {"Referer": "https://www.toutiao.com/"}
    default_interval = 300.0

    def parse(self, fetched: Fetched) -> list[RawItem]:
        payload = self.json_object(fetched, "toutiao hot-board")
        status = payload.get("status")
        if status is not None and status != "success":
            raise self.parse_error(
                f"toutiao hot board answered status {status!r} "
                f"(message: {text_or_none(payload.get('message')) or 'none'})"
            )
        rows = payload.get("data")
        if not isinstance(rows, list):
            raise self.parse_error(
                f"toutiao hot-board JSON from {fetched.url} has no data[] "
                f"(top-level keys: {key_list(payload)})"
            )
        if not rows:
            self._raise_platform_error(payload, fetched)
        pinned = payload.get("fixed_top_data")
        items = [
            _item(row, i, pinned=True)
            for i, row in enumerate(pinned if isinstance(pinned, list) else [])
        ]
        items += [_item(row, i, pinned=False) for i, row in enumerate(rows)]
        found = [item for item in items if item is not None]
        if not found:
            raise self.parse_error(f"toutiao hot board from {fetched.url} has no entries")
        return found

    def _raise_platform_error(self, payload: dict[str, Any], fetched: Fetched) -> None:
        """An empty ``data`` beside a non-zero error code is the platform's error answer."""
        for key in ERROR_CODE_KEYS:
            code = payload.get(key)
            if code is None or isinstance(code, bool) or str(code).strip() in ("", "0"):
                continue
            message = next(
                (m for k in ERROR_MESSAGE_KEYS if (m := text_or_none(payload.get(k)))), None
            )
            raise self.parse_error(
                f"toutiao hot board answered {key} {str(code)[:20]} "
                f"({(message or 'no message')[:120]}) with no entries from {fetched.url}"
            )


def _item(row: Any, position: int, *, pinned: bool) -> RawItem | None:
    if not isinstance(row, dict):
        return None
    title = text_or_none(row.get("Title"))
    if title is None:
        return None
    code = text_or_none(row.get("Label"))
    desc = text_or_none(row.get("LabelDesc"))
    extras = {
        "label_code": code,
        "label_desc": desc,
        "label_icon": text_or_none(row.get("LabelUrl")),
        "image": text_or_none(dig(row, "Image", "url")),
    }
    return RawItem(
        title=title,
        url=_http_url(row.get("Url")),
        rank=None if pinned else position + 1,
        heat=parse_heat(row.get("HotValue")),
        heat_raw=text_or_none(row.get("HotValue")),
        label=_label(code, desc),
        category=text_or_none(dig(row, "InterestCategory", 0)),
        pinned=pinned,
        key=text_or_none(row.get("ClusterIdStr")) or text_or_none(row.get("ClusterId")),
        extras={k: v for k, v in extras.items() if v is not None},
    )


def _label(code: str | None, desc: str | None) -> str | None:
    if code and code.lower() in LABEL_CODES:
        return LABEL_CODES[code.lower()]
    if desc:
        return LABEL_DESCS.get(desc, desc)
    return None


def _http_url(value: Any) -> str | None:
    url = text_or_none(value)
    return url if url and url.startswith(("http://", "https://")) else None


SOURCES = [ToutiaoSource]
