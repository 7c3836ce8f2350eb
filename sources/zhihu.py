"""Zhihu 热榜 (the web hot-list API) and 知乎热搜 (the ``/topsearch`` page).

Shapes, recognised by content rather than URL:

* ``hot-lists/total`` JSON: ``data[]`` of ``hot_list_feed`` rows. The current shape puts the
  text in ``target.title_area/excerpt_area/metrics_area.text`` and the link in
  ``target.link.url``; the older shape (also the app API's) has ``target.title``,
  ``target.excerpt``, ``target.url`` (an ``api.zhihu.com/questions/<id>`` address, rewritten
  to the web question page) and the heat in the row's ``detail_text``.
* The ``/topsearch`` HTML page: JSON in ``<script id="js-initialData" type="text/json">``,
  entries at ``initialState.topsearch.data[]`` with ``queryDisplay``/``realQuery``. Its
  ``status`` field is an ordering code, not heat, so these entries carry no heat.

Decisions: ``rank`` = position + 1 in the list (the API has no rank field; a row skipped for
lack of a title keeps its slot, so ranks stay the platform's); "热度累计中" keeps
``heat_raw`` and gives ``heat=None``; ``key`` = ``card_id`` ("Q_<question id>"). A
``label_area`` of type "trend" is an arrow, not a badge, so it gives no label; a text badge
is kept as its text (新/热/...). ``feed_specific.answer_count`` goes to extras. The
``head_zone`` banner (辟谣专区 and the like) is not part of the ranked list and is ignored.
An ``{"error": {"code": 40362}}`` answer or the ``/account/unhuman`` page is a block.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any
from urllib.parse import quote

from hotspot.errors import BlockedError
from hotspot.ingest.source import Source, body_note, dig, key_list, load_json, text_or_none
from hotspot.models import Fetched, RawItem
from hotspot.numbers import parse_heat

API_URL = "https://www.zhihu.com/api/v3/feed/topstory/hot-lists/total?limit=50"
TOPSEARCH_URL = "https://www.zhihu.com/topsearch"
SEARCH_URL = "https://www.zhihu.com/search?type=content&q="
INITIAL_DATA_ID = 'id="js-initialData"'
BLOCK_CODES = frozenset({40362})
BLOCK_MARKERS = ("/account/unhuman", "unhuman?type=")
_OLD_API_URL = re.compile(r"^https?://(?:api|www)\.zhihu\.com/questions/(\d+)")


class ZhihuSource(Source):
    """Zhihu's hot list (热榜) via the web API; also reads the 热搜 page."""

    type = "zhihu"
    platform_name = "zhihu"
    endpoints = (API_URL,)
    headers = {"Referer": "https://www.zhihu.com/hot"}
    default_interval = 300.0

    def parse(self, fetched: Fetched) -> list[RawItem]:
        text = fetched.text().lstrip("\ufeff \t\r\n")
        self._check_block_page(fetched, text)
        if text[:1] == "<":
            return self._parse_topsearch(fetched, text)
        return self._parse_hot_list(fetched, load_json(self.name, fetched))

    # -- hot-lists/total JSON -------------------------------------------------------------

    def _parse_hot_list(self, fetched: Fetched, payload: Any) -> list[RawItem]:
        if not isinstance(payload, dict):
            raise self.parse_error(
                f"expected a zhihu hot-list JSON object from {fetched.url}, "
                f"got {type(payload).__name__}"
            )
        self._check_api_error(fetched, payload)
        rows = payload.get("data")
        if not isinstance(rows, list):
            raise self.parse_error(
                f"zhihu hot-list JSON from {fetched.url} has no data[] "
                f"(top-level keys: {key_list(payload)})"
            )
        items = [item for i, row in enumerate(rows) if (item := _hot_item(row, i)) is not None]
        if not items:
            raise self.parse_error(f"zhihu hot list from {fetched.url} has no entries")
        return items

    def _check_api_error(self, fetched: Fetched, payload: dict[str, Any]) -> None:
        error = payload.get("error")
        if not isinstance(error, dict):
            return
        code = error.get("code")
        message = text_or_none(error.get("message")) or "no message"
        if code in BLOCK_CODES:
            raise BlockedError(
                self.name,
                f"zhihu refused the request (error {code}: {message}); slow down or try later",
                status=fetched.status,
            )
        raise self.parse_error(f"zhihu API answered an error (code {code!r}: {message})")

    def _check_block_page(self, fetched: Fetched, text: str) -> None:
        head = text[:20_000]
        if any(m in fetched.url for m in BLOCK_MARKERS) or (
            head[:1] == "<" and any(m in head for m in BLOCK_MARKERS)
        ):
            raise BlockedError(
                self.name,
                f"zhihu served its anti-bot check page at {fetched.url}; slow down or try later",
                status=fetched.status,
            )

    # -- /topsearch HTML --------------------------------------------------------------------

    def _parse_topsearch(self, fetched: Fetched, html: str) -> list[RawItem]:
        embedded = _initial_data(html)
        if embedded is None:
            raise self.parse_error(
                f"expected zhihu hot-list JSON or the topsearch page, got "
                f"HTML without js-initialData from {fetched.url}: "
                f"{body_note(self.name, fetched.url, html)}"
            )
        data = load_json(
            self.name,
            dataclasses.replace(fetched, content=embedded.encode("utf-8"), encoding="utf-8"),
        )
        rows = dig(data, "initialState", "topsearch", "data")
        if not isinstance(rows, list):
            rows = dig(data, "initialState", "search", "topSearch", "data")
        if not isinstance(rows, list):
            raise self.parse_error(
                f"zhihu page from {fetched.url} has js-initialData but no "
                "initialState.topsearch.data[]"
            )
        items = [
            item for i, row in enumerate(rows) if (item := _topsearch_item(row, i)) is not None
        ]
        if not items:
            raise self.parse_error(f"zhihu topsearch page from {fetched.url} has no entries")
        return items


def _hot_item(row: Any, position: int) -> RawItem | None:
    target = dig(row, "target")
    if not isinstance(target, dict):
        return None
    title = text_or_none(dig(target, "title_area", "text")) or text_or_none(target.get("title"))
    if title is None:
        return None
    heat_text = dig(target, "metrics_area", "text")
    if heat_text is None:
        heat_text = dig(row, "detail_text")
    label_text = _label(dig(target, "label_area"))
    answers = dig(row, "feed_specific", "answer_count")
    extras = {
        "answer_count": _count(answers if answers is not None else target.get("answer_count")),
        "image": text_or_none(dig(target, "image_area", "url")),
    }
    return RawItem(
        title=title,
        url=_question_url(target),
        rank=position + 1,
        heat=parse_heat(heat_text),
        heat_raw=text_or_none(heat_text),
        label=label_text,
        summary=(
            text_or_none(dig(target, "excerpt_area", "text")) or text_or_none(target.get("excerpt"))
        ),
        key=text_or_none(dig(row, "card_id")),
        extras={k: v for k, v in extras.items() if v is not None},
    )


def _question_url(target: dict[str, Any]) -> str | None:
    url = text_or_none(dig(target, "link", "url")) or text_or_none(target.get("url"))
    if url is None or not url.startswith(("http://", "https://")):
        return None
    old = _OLD_API_URL.match(url)
    return f"https://www.zhihu.com/question/{old.group(1)}" if old else url


def _label(label_area: Any) -> str | None:
    """A text badge (新, 热, ...) as shown; a "trend" arrow is not a label."""
    if not isinstance(label_area, dict) or label_area.get("type") == "trend":
        return None
    return text_or_none(label_area.get("text"))


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _topsearch_item(row: Any, position: int) -> RawItem | None:
    if not isinstance(row, dict):
        return None
    query = text_or_none(row.get("realQuery"))
    title = text_or_none(row.get("queryDisplay")) or query
    if title is None:
        return None
    link = text_or_none(row.get("redirectLink"))
    if link is None or not link.startswith(("http://", "https://")):
        link = SEARCH_URL + quote(query or title, safe="", errors="replace")
    extras = {"query": query} if query and query != title else {}
    return RawItem(
        title=title,
        url=link,
        rank=position + 1,
        label="新" if row.get("isNew") is True else None,
        summary=text_or_none(row.get("queryDescription")),
        extras=extras,
    )


def _initial_data(html: str) -> str | None:
    """The text of the js-initialData script; ``find`` only, so huge bodies stay linear."""
    at = html.find(INITIAL_DATA_ID)
    if at < 0:
        return None
    start = html.find(">", at)
    end = html.find("</script>", start) if start >= 0 else -1
    return html[start + 1 : end] if end >= 0 else None


SOURCES = [ZhihuSource]
