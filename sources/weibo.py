"""Weibo hot search (微博热搜): one plugin that reads every shape Weibo has served the list in.

Weibo keeps moving the list between endpoints, so ``endpoints`` names three, tried in order:

1. ``weibo.com/ajax/side/hotSearch`` - PC JSON, ``data.realtime[]`` (word, num, realpos/rank,
   label_name, flag, is_ad, note, category) plus the pinned ``data.hotgov`` / ``hotgovs``. The
   same rows under ``data.band_list`` (``weibo.com/ajax/statuses/hot_band``) are read alike.
2. ``m.weibo.cn/api/container/getIndex`` - mobile JSON, ``data.cards[].card_group[]``
   (desc, desc_extr, icon, itemid, scheme, promotion).
3. ``s.weibo.com/top/summary`` - HTML, either the mobile H5 ``<ul class="list_a">`` layout or the
   PC ``<table>`` with ``td-01`` (rank) / ``td-02`` (link + heat) / ``td-03`` (label).

``parse`` recognises the shape from the body, never from the URL: any configured URL may serve
any of them. Decisions, taken from the recorded responses in ``../shared/fixtures/weibo``:

* **Rank** is the number the platform gave the row: ``realpos`` in the mobile ``itemid``, the
  printed ``<strong>``/``td-01`` number in HTML, ``realpos`` (else 0-based ``rank`` + 1, else the
  row's position among ordinary rows) in the PC JSON. In the recordings the pinned row and most
  promotion rows carry no ``realpos`` and the 50 ordinary rows are numbered 1..50 without gaps,
  so pinned rows and unnumbered ads get ``rank=None``. Some promotion rows *are* numbered (e.g.
  ``realpos:16`` with a ``promotion`` object): they keep that rank and are flagged ``is_ad``.
* **Pinned** (``pinned=True, rank=None``): a mobile row with neither ``realpos`` nor
  ``promotion``; an HTML row with the pinned icon, or an unnumbered row before the first numbered
  one; the PC JSON ``hotgov`` / ``hotgovs[]`` rows. The live PC JSON describes its pinned
  topic in both ``hotgov`` and ``hotgovs[0]`` with different fields; rows that share a topic
  identity (word without ``#``, ``mid``, or scheme) are merged into one item, the richer
  copy's fields winning, so a poll yields 50+1 items, not 50+2.
* **Ads** (``is_ad=True``): a ``promotion`` object or ``is_ad_pos`` in the mobile JSON, truthy
  ``is_ad`` in the PC JSON, an unnumbered HTML row after the numbered ones began, or an HTML
  link that is ``javascript:`` (Weibo's ad links).
* **Heat**: ``desc_extr``/``num``/``<em>``/``td-02 span``; strings such as ``"剧集 598919"`` give
  heat 598919 and ``category="剧集"`` (``split_category``), ``"1.2万"`` gives 12000.
* **Label**: the platform's own text when it gives one (``label_name``, ``icon_desc``, the
  ``td-03`` text); else the flag icon ``.../moter/flags/<n>_0.png`` or ``flag`` number mapped as
  1 新, 2 热, 4 爆, 16 沸 (the mappings public Weibo scrapers agree on; 32768 is not mapped
  because only one unconfirmed source calls it 暖); else an icon class/file word (hot, new,
  boil/fei, boom/bao, recom/recommend -> 荐). The raw flag number or icon is always kept in
  ``extras`` ("flag", "icon") so an unmapped badge is never lost.
* **URL**: ``https://s.weibo.com/weibo?q=`` + the percent-encoded search query the platform
  itself links to (the ``q`` inside the mobile ``scheme``, else the ``itemid`` ``key:``, else
  the H5/PC ``href``'s ``q``). Weibo wraps topics in ``#...#`` but not plain keywords (``乌克兰``),
  so its own query is used as is; only when no query is given at all (PC JSON without
  ``word_scheme``) is the word wrapped in ``#...#``, which is what weibo.com's own links do.
* ``{"ok":0}`` is an error answer -> ``ParseError``; ``{"ok":-100}`` (login required) and the
  "Sina Visitor System" page are blocks -> ``BlockedError``. Any other shape, and a recognised
  list with no entries, is a ``ParseError``: a page that was not understood never yields ``[]``.
* Bodies over ``MAX_BODY_BYTES`` are refused before parsing: a real list is ~130 KB, and a
  multi-megabyte body is something else that would only cost time and memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from bs4 import BeautifulSoup, Tag

from hotspot.errors import BlockedError
from hotspot.ingest.http import HttpClient
from hotspot.ingest.source import (
    Source,
    body_note,
    dig,
    int_or_none,
    load_json,
    text_or_none,
    truthy,
)
from hotspot.models import Fetched, RawItem
from hotspot.numbers import split_category

PC_AJAX_URL = "https://weibo.com/ajax/side/hotSearch"
MOBILE_API_URL = (
    "https://m.weibo.cn/api/container/getIndex?containerid=106003type%3D25%26t%3D3"
    "%26disable_hot%3D1%26filter_type%3Drealtimehot"
)
SUMMARY_URL = "https://s.weibo.com/top/summary?cate=realtimehot"
SEARCH_URL = "https://s.weibo.com/weibo?q="

MAX_BODY_BYTES = 10 * 1024 * 1024
MAX_RANK = 10_000  # a "rank" beyond this is garbage, not a list position

MOBILE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1"
)
MOBILE_HEADERS: Mapping[str, str] = {
    "User-Agent": MOBILE_UA,
    "Referer": "https://m.weibo.cn/p/index?containerid=106003type%3D25%26t%3D3%26disable_hot"
    "%3D1%26filter_type%3Drealtimehot",
    "MWeibo-Pwa": "1",
    "X-Requested-With": "XMLHttpRequest",
}
PC_AJAX_HEADERS: Mapping[str, str] = {
    "Referer": "https://weibo.com/",
    "X-Requested-With": "XMLHttpRequest",
}
SUMMARY_HEADERS: Mapping[str, str] = {
    "User-Agent": MOBILE_UA,
    "Referer": "https://s.weibo.com/",
}

FLAG_LABELS = {1: "新", 2: "热", 4: "爆", 16: "沸"}
# Words found in icon class names (icon_hot, icon-txt-new) and badge file names (20210226_fei.png).
ICON_WORD_LABELS = {
    "new": "新",
    "hot": "热",
    "boil": "沸",
    "fei": "沸",
    "boom": "爆",
    "bao": "爆",
    "explode": "爆",
    "recommend": "荐",
    "recom": "荐",
    "jian": "荐",
}
KNOWN_LABELS = frozenset({"新", "热", "沸", "爆", "荐", "商", "暖", "首发"})
PINNED_ICON_WORDS = frozenset({"pinned", "top", "stick"})

_FLAG_ICON = re.compile(r"/flags/(\d{1,9})_\d+\.png")
_ICON_WORD = re.compile(r"[a-z]+")
_VISITOR_MARKERS = (b"sina visitor system", b"passport.weibo.com/visitor")


class WeiboHotSearch(Source):
    """Weibo's real-time hot search list (热搜榜), from whichever endpoint still answers."""

    type = "weibo"
    endpoints = (PC_AJAX_URL, MOBILE_API_URL, SUMMARY_URL)
    headers = MOBILE_HEADERS
    default_interval = 300.0

    async def fetch(
        self,
        client: HttpClient,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Fetched:
        """GET ``url`` with the headers its host expects (one header set does not fit all)."""
        return await client.get(
            self.name, url, headers=headers_for(url), etag=etag, last_modified=last_modified
        )

    def parse(self, fetched: Fetched) -> list[RawItem]:
        body = fetched.content
        if len(body) > MAX_BODY_BYTES:
            raise self.parse_error(
                f"body of {len(body):,} bytes from {fetched.url} is far too "
                f"large for a hot list (limit {MAX_BODY_BYTES:,})"
            )
        first = _first_char(body)
        if first in ("{", "["):
            items = self._parse_json(fetched)
        elif _is_visitor_page(body):
            raise BlockedError(
                self.name,
                f"Weibo served its 'Sina Visitor System' page at "
                f"{fetched.url} instead of the list (visitor system: "
                "the request was taken for a bot; try another "
                "endpoint or later)",
                status=fetched.status,
            )
        elif first == "<":
            items = self._parse_html(fetched)
        else:
            raise self.parse_error(
                f"expected Weibo JSON or HTML from {fetched.url} but got "
                f"{body_note(self.name, fetched.url, fetched.content)}"
            )
        if not items:
            raise self.parse_error(
                f"no entries in the Weibo hot list from {fetched.url}: the "
                "shape was recognised but held no titled rows"
            )
        return items

    # JSON ----------------------------------------------------------------------------------

    def _parse_json(self, fetched: Fetched) -> list[RawItem]:
        doc = load_json(self.name, fetched)
        if not isinstance(doc, dict):
            raise self.parse_error(
                f"expected a JSON object from {fetched.url} but got a {type(doc).__name__}"
            )
        self._check_ok(doc, fetched)
        data = doc.get("data")
        if (
            isinstance(dig(data, "realtime"), list)
            or isinstance(dig(data, "band_list"), list)
            or dig(data, "hotgov") is not None
        ):
            return list(_from_pc_ajax(data))  # type: ignore[arg-type]
        if isinstance(data, dict) and isinstance(data.get("cards"), list):
            return list(_from_mobile(data["cards"]))
        raise self.parse_error(
            f"unknown Weibo JSON from {fetched.url}: top-level keys "
            f"{_keys(doc)}, data keys {_keys(data)} (expected data.realtime "
            "or data.cards)"
        )

    def _check_ok(self, doc: dict, fetched: Fetched) -> None:
        """Weibo's APIs answer errors with HTTP 200 and ``ok`` other than 1."""
        ok = doc.get("ok")
        if isinstance(ok, bool) or not isinstance(ok, (int, str)) or str(ok).strip() == "1":
            return
        msg = (text_or_none(doc.get("msg")) or "no message")[:120]
        if str(ok).strip() == "-100":  # Weibo's "log in first", with a login URL beside it
            raise BlockedError(
                self.name,
                f"weibo answered ok:-100 ({msg}) at {fetched.url}: login required",
                status=fetched.status,
            )
        raise self.parse_error(
            f"weibo answered ok:{str(ok)[:20]} ({msg}): endpoint no longer "
            f"serves the hot list ({fetched.url})"
        )

    # HTML ----------------------------------------------------------------------------------

    def _parse_html(self, fetched: Fetched) -> list[RawItem]:
        try:
            soup = _soup(fetched)
            h5_list = soup.select_one("ul.list_a")
            if h5_list is not None:
                return list(_from_h5(h5_list))
            cells = soup.select("td.td-02")
            if cells:
                return list(_from_pc_table(cells))
            title = soup.title.get_text(" ", strip=True)[:80] if soup.title else None
        except RecursionError:
            raise self.parse_error(
                f"HTML from {fetched.url} is nested too deeply to be a Weibo hot list"
            ) from None
        raise self.parse_error(
            f"HTML from {fetched.url} is not a Weibo hot list (no "
            f"ul.list_a, no td-02 table; page title {title!r})"
        )


SOURCES = [WeiboHotSearch]


def headers_for(url: str) -> Mapping[str, str]:
    """The request headers each Weibo host answers best to (archivers used these)."""
    host = (urlsplit(url).hostname or "").lower()
    if host.endswith("m.weibo.cn"):
        return MOBILE_HEADERS
    if host in ("weibo.com", "www.weibo.com"):
        return PC_AJAX_HEADERS
    if host.endswith("s.weibo.com"):
        return SUMMARY_HEADERS
    return WeiboHotSearch.headers


# PC ajax JSON ------------------------------------------------------------------------------


def _from_pc_ajax(data: dict) -> Iterable[RawItem]:
    for row in _pinned_gov_rows(data):
        item = _pc_row(row, pinned=True, position=None)
        if item is not None:
            yield item
    realtime = data.get("realtime")
    if not isinstance(realtime, list):
        realtime = data.get("band_list")  # weibo.com/ajax/statuses/hot_band: same rows
    position = 0
    for row in realtime if isinstance(realtime, list) else ():
        if not isinstance(row, dict):
            continue
        is_ad = truthy(row.get("is_ad"))
        if not is_ad:
            position += 1
        item = _pc_row(row, pinned=False, position=None if is_ad else position)
        if item is not None:
            yield item


def _pinned_gov_rows(data: dict) -> list[dict]:
    """The pinned rows of ``hotgov`` and ``hotgovs[]``, one per topic.

    The live endpoint describes the same pinned topic in both places with different fields
    (``hotgov`` has ``mid``/``url``/``note``/``stime``, ``hotgovs[0]`` only the badge fields),
    so rows are merged by the topic's identity rather than dropped only when identical."""
    rows: list[Any] = [data.get("hotgov")]
    govs = data.get("hotgovs")
    if isinstance(govs, list):
        rows.extend(govs)
    merged: list[dict] = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        same = next((m for m in merged if _same_topic(m, row)), None)
        if same is None:
            merged.append(dict(row))
        else:
            _merge_richer(same, row)
    return merged


def _topic_identity(row: dict) -> set[tuple[str, str]]:
    """What identifies a pinned topic: its word (without ``#``), its post ``mid``, its scheme."""
    found: set[tuple[str, str]] = set()
    for key in ("word", "name", "note"):
        text = text_or_none(row.get(key))
        if text and text.strip("#").strip():
            found.add(("word", text.strip("#").strip()))
    for key in ("mid", "word_scheme", "scheme"):
        text = text_or_none(row.get(key))
        if text:
            found.add((key, text))
    return found


def _same_topic(a: dict, b: dict) -> bool:
    return bool(_topic_identity(a) & _topic_identity(b))


def _merge_richer(into: dict, other: dict) -> None:
    """Keep every field either copy has; where both have one, the non-empty value wins, and
    between two non-empty values the copy with more fields (the richer one) wins."""
    other_richer = _filled(other) > _filled(into)
    for key, value in other.items():
        if _empty(value):
            continue
        if _empty(into.get(key)) or other_richer:
            into[key] = value


def _filled(row: dict) -> int:
    return sum(1 for value in row.values() if not _empty(value))


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _pc_row(row: dict, *, pinned: bool, position: int | None) -> RawItem | None:
    word = text_or_none(row.get("word")) or text_or_none(row.get("name"))
    title = word.strip("#").strip() if word else None
    if not title:
        title = text_or_none(row.get("note"))
    if not title:
        return None
    is_ad = truthy(row.get("is_ad"))
    query = text_or_none(row.get("word_scheme")) or f"#{title}#"
    heat_value = row.get("num") if row.get("num") is not None else row.get("raw_hot")
    category, heat = split_category(heat_value)
    category = (
        text_or_none(row.get("flag_desc")) or _first_category(row.get("category")) or category
    )
    flag = int_or_none(row.get("flag"))
    label = (
        _known_label(row.get("label_name"))
        or _known_label(row.get("icon_desc"))
        or _known_label(row.get("small_icon_desc"))
        or FLAG_LABELS.get(flag or 0)
    )
    note = text_or_none(row.get("note"))
    extras = _compact(
        {
            "query": query,
            "flag": flag,
            "raw_rank": int_or_none(row.get("rank")),
            "raw_category": text_or_none(row.get("category")),
            "mid": text_or_none(row.get("mid")) if pinned else None,
        }
    )
    return RawItem(
        title=title,
        url=_gov_url(row) if pinned else search_url(query),
        rank=None if pinned else _pc_rank(row, is_ad, position),
        heat=heat,
        heat_raw=text_or_none(heat_value),
        label=label,
        category=category,
        summary=note if note and note.strip("#") != title else None,
        pinned=pinned,
        is_ad=is_ad,
        extras=extras,
    )


def _pc_rank(row: dict, is_ad: bool, position: int | None) -> int | None:
    """``realpos`` (1-based) first; ``rank`` is 0-based in Weibo's payload; ads only by realpos."""
    realpos = _rank_or_none(row.get("realpos"))
    if realpos is not None or is_ad:
        return realpos
    raw_rank = int_or_none(row.get("rank"))
    if raw_rank is not None and 0 <= raw_rank < MAX_RANK:
        return raw_rank + 1
    return position


def _gov_url(row: dict) -> str:
    url = text_or_none(row.get("url"))
    if url and url.startswith(("https://s.weibo.com/", "http://s.weibo.com/")):
        return url
    word = text_or_none(row.get("word")) or text_or_none(row.get("name")) or ""
    return search_url(word if word.startswith("#") else f"#{word}#")


def _first_category(value: Any) -> str | None:
    text = text_or_none(value)
    if text is None or text.isdigit():
        return None
    return text_or_none(text.split(",")[0])


# m.weibo.cn JSON ---------------------------------------------------------------------------


def _from_mobile(cards: list) -> Iterable[RawItem]:
    group = _realtime_group(cards)
    for row in group:
        if isinstance(row, dict):
            item = _mobile_row(row)
            if item is not None:
                yield item


def _realtime_group(cards: list) -> list:
    """The "实时热点" card's rows; cards[1] ("实时上升热点") is a different list."""
    with_groups = [
        c for c in cards if isinstance(c, dict) and isinstance(c.get("card_group"), list)
    ]
    for card in with_groups:
        if "实时热点" in (text_or_none(card.get("title")) or ""):
            return card["card_group"]
    return with_groups[0]["card_group"] if with_groups else []


def _mobile_row(row: dict) -> RawItem | None:
    title = text_or_none(row.get("desc"))
    if title is None:
        return None
    fields = _pipe_fields(row.get("itemid"))
    log_fields = _pipe_fields(dig(row, "actionlog", "ext"))
    rank = _rank_or_none(fields.get("realpos") or log_fields.get("realpos"))
    is_ad = "promotion" in row or fields.get("is_ad_pos") == "1"
    pinned = rank is None and not is_ad
    query = (
        _scheme_query(row.get("scheme"))
        or text_or_none(fields.get("key"))
        or text_or_none(log_fields.get("key"))
        or title
    )
    category, heat = split_category(row.get("desc_extr"))
    icon = text_or_none(row.get("icon"))
    flag = _flag_from_icon(icon)
    extras = _compact({"query": query, "flag": flag, "icon": icon if flag is None else None})
    return RawItem(
        title=title,
        url=search_url(query),
        rank=rank,
        heat=heat,
        heat_raw=text_or_none(row.get("desc_extr")),
        label=_icon_label(icon, flag),
        category=category,
        pinned=pinned,
        is_ad=is_ad,
        extras=extras,
    )


def _pipe_fields(value: Any) -> dict[str, str]:
    """``itemid`` is ``name:value|name:value``; the first occurrence of a name wins."""
    if not isinstance(value, str):
        return {}
    fields: dict[str, str] = {}
    for part in value[:4000].split("|"):
        name, sep, val = part.partition(":")
        if sep and name.strip() and name.strip() not in fields:
            fields[name.strip()] = val.strip()
    return fields


def _scheme_query(scheme: Any) -> str | None:
    """The ``q`` of the search a mobile row links to: scheme -> containerid -> q."""
    if not isinstance(scheme, str):
        return None
    try:
        container = parse_qs(urlsplit(scheme).query).get("containerid", [""])[0]
        return text_or_none(parse_qs(container).get("q", [""])[0])
    except ValueError:  # malformed URL (bad IPv6 literal and the like)
        return None


def _flag_from_icon(icon: str | None) -> int | None:
    m = _FLAG_ICON.search(icon or "")
    return int(m.group(1)) if m else None


def _icon_label(icon: str | None, flag: int | None) -> str | None:
    if flag is not None:
        return FLAG_LABELS.get(flag)
    return _label_from_words(_ICON_WORD.findall((icon or "").rsplit("/", 1)[-1].lower()))


# HTML: H5 list and PC table ----------------------------------------------------------------


def _soup(fetched: Fetched) -> BeautifulSoup:
    """Parse with lxml from text decoded by the shared rules (``hotspot.charsets``: header,
    BOM, ``<meta charset>``, UTF-8, detection), never from bytes: a garbled meta charset
    (control characters in the name) must not reach lxml, which raises ValueError on it."""
    return BeautifulSoup(fetched.text(), "lxml")


def _from_h5(ul: Tag) -> Iterable[RawItem]:
    seen_ranked = False
    for li in ul.find_all("li", recursive=False) or ul.find_all("li"):
        link = li.find("a")
        span = link.find("span") if isinstance(link, Tag) else None
        if not isinstance(link, Tag) or not isinstance(span, Tag):
            continue
        em = span.find("em")
        heat_text = em.get_text(" ", strip=True) if isinstance(em, Tag) else None
        if isinstance(em, Tag):
            em.extract()
        strong = link.find("strong")
        printed = strong.get_text(strip=True) if isinstance(strong, Tag) else ""
        words = _class_words(i for i in link.find_all("i"))
        item = _html_row(
            title=span.get_text(" ", strip=True),
            printed_rank=printed,
            heat_text=heat_text,
            href=_href(link),
            label_text=None,
            icon_words=words,
            seen_ranked=seen_ranked,
        )
        if item is not None:
            seen_ranked = seen_ranked or item.rank is not None
            yield item


def _from_pc_table(cells: list[Tag]) -> Iterable[RawItem]:
    seen_ranked = False
    for td02 in cells:
        row = td02.parent
        link = td02.find("a")
        if not isinstance(row, Tag) or not isinstance(link, Tag):
            continue
        td01 = row.find("td", class_="td-01")
        td03 = row.find("td", class_="td-03")
        span = td02.find("span")
        icons = [i for td in (td01, td03) if isinstance(td, Tag) for i in td.find_all("i")]
        heat_text = span.get_text(" ", strip=True) if isinstance(span, Tag) else None
        item = _html_row(
            title=link.get_text(" ", strip=True),
            printed_rank=td01.get_text(strip=True) if isinstance(td01, Tag) else "",
            heat_text=heat_text,
            href=_href(link),
            label_text=td03.get_text(strip=True) if isinstance(td03, Tag) else None,
            icon_words=_class_words(icons) | _class_words([td01]),
            seen_ranked=seen_ranked,
        )
        if item is not None:
            seen_ranked = seen_ranked or item.rank is not None
            yield item


def _html_row(
    *,
    title: str,
    printed_rank: str,
    heat_text: str | None,
    href: str | None,
    label_text: str | None,
    icon_words: set[str],
    seen_ranked: bool,
) -> RawItem | None:
    title = " ".join(title.split())
    if not title:
        return None
    rank = _rank_or_none(printed_rank) if printed_rank.isdecimal() else None
    is_js_link = href is not None and href.lower().startswith("javascript")
    label = _known_label(label_text) or _label_from_words(icon_words - PINNED_ICON_WORDS)
    pinned = (
        rank is None
        and not is_js_link
        and (bool(icon_words & PINNED_ICON_WORDS) or not seen_ranked)
    )
    is_ad = is_js_link or label == "商" or (rank is None and not pinned)
    query = _href_query(href) if href and not is_js_link else None
    category, heat = split_category(heat_text)
    extras = _compact({"query": query, "icon": " ".join(sorted(icon_words)) or None})
    return RawItem(
        title=title,
        url=search_url(query or f"#{title}#"),
        rank=rank,
        heat=heat,
        heat_raw=text_or_none(heat_text),
        label=label,
        category=category,
        pinned=pinned,
        is_ad=is_ad,
        extras=extras,
    )


def _href(link: Tag) -> str | None:
    """The row's link; Weibo's ad rows put the real one in ``href_to``."""
    href = text_or_none(link.get("href"))
    if href and href.lower().startswith("javascript"):
        return text_or_none(link.get("href_to")) or href
    return href


def _href_query(href: str) -> str | None:
    try:
        return text_or_none(parse_qs(urlsplit(href).query).get("q", [""])[0])
    except ValueError:
        return None


def _class_words(tags: Iterable[Any]) -> set[str]:
    """Words of the class names: ``icon icon_hot`` / ``icon-txt icon-txt-new`` -> {hot, new...}."""
    words: set[str] = set()
    for tag in tags:
        if not isinstance(tag, Tag):
            continue
        classes: Any = tag.get("class") or []
        for cls in classes if isinstance(classes, list) else [classes]:
            words.update(
                w
                for w in re.split(r"[_\-\s]+", str(cls).lower())
                if w and w not in ("icon", "txt", "td", "01", "03")
            )
    return words


# Shared helpers ----------------------------------------------------------------------------


def search_url(query: str) -> str:
    """Weibo's search link for a query: ``#话题#`` topics keep their hashes (encoded as %23)."""
    return SEARCH_URL + quote(query, safe="")


def _label_from_words(words: Iterable[str]) -> str | None:
    for word in sorted(words):
        if word in ICON_WORD_LABELS:
            return ICON_WORD_LABELS[word]
    return None


def _known_label(value: Any) -> str | None:
    text = text_or_none(value)
    return text if text in KNOWN_LABELS else None


def _rank_or_none(value: Any) -> int | None:
    number = int_or_none(value)
    return number if number is not None and 1 <= number <= MAX_RANK else None


def _compact(extras: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in extras.items() if v is not None}


def _keys(value: Any) -> list[str]:
    return sorted(str(k) for k in value)[:12] if isinstance(value, dict) else []


def _first_char(body: bytes) -> str:
    head = body[:4096].lstrip(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    return chr(head[0]) if head else ""


def _is_visitor_page(body: bytes) -> bool:
    head = body[:65536].lower()
    return any(marker in head for marker in _VISITOR_MARKERS)
