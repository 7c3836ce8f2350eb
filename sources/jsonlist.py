"""A generic JSON hot list read through configured field paths (``type = "jsonlist"``).

For self-hosted aggregators and any list hotspot does not ship a plugin for. A path is dotted
keys and list indexes: ``data``, ``items``, ``extra.info``, ``0.title``; ``.`` (or an empty
string) is the body itself, for a bare top-level list.

Options and their defaults (every option is optional; the defaults read DailyHotApi as is):

    items     "data", else "items"    where the entry list is
    title     "title"                 the entry's title (entries without one are skipped)
    url       "url", else "mobileUrl"
    heat      "hot", else "extra.info"   numbers or text such as "356万"
    summary   "desc", else "extra.hover"
    rank      (none: position + 1)
    key       "id"                    the entry's stable id
    category  (none)
    ad        "ads", "is_ad", "isAd", "ad", "extra.ads", "extra.is_ad", "extra.isAd"
    pinned    "isTop", "is_top", "pinned", "sticky", "extra.isTop", "extra.is_top", "extra.pinned"
    platform  (the source's name)     the platform name operators see

So DailyHotApi (``{"code":200,"data":[{"title","desc","hot","url","mobileUrl"}]}``) works with
no options, and newsnow (``{"status":"success","items":[{"id","title","url",
"extra":{"info"}}]}``) works too. A path the operator *configured* that matches nothing in any
entry, or an ``items`` path that does not lead to a list, is a ParseError naming the path; the
default fallbacks are tried quietly. A DailyHotApi ``code`` other than 200, or a newsnow
``status`` of "error", is a ParseError quoting the message.

Ads and pinned rows: an entry whose ``ad`` field is truthy (true, 1, "1", "true", a non-empty
object) is ``is_ad`` and so never raises an alert, like an ad on any platform plugin; one whose
``pinned`` field is truthy is ``pinned``. Neither takes a list position: pinned rows get no
rank, ads only the rank the ``rank`` path gives them, and the ordinary rows are numbered 1, 2,
3 among themselves. The defaults read the markers aggregators pass through from the platforms
(Weibo's ``is_ad``, Baidu's ``isTop``, ``ads: true``). Unlike the other paths, a configured
``ad``/``pinned`` path that matches no entry is not an error: most polls hold no ad at all, and
platforms often send the marker only on the rows it applies to.
"""

from __future__ import annotations

from typing import Any

from hotspot.ingest.source import Source, int_or_none, rank_or_position, text_or_none, truthy
from hotspot.models import Fetched, RawItem
from hotspot.numbers import parse_heat

DEFAULT_PATHS: dict[str, tuple[str, ...]] = {
    "items": ("data", "items"),
    "title": ("title",),
    "url": ("url", "mobileUrl"),
    "heat": ("hot", "extra.info"),
    "summary": ("desc", "extra.hover"),
    "rank": (),
    "key": ("id",),
    "category": (),
    "ad": ("ads", "is_ad", "isAd", "ad", "extra.ads", "extra.is_ad", "extra.isAd"),
    "pinned": (
        "isTop",
        "is_top",
        "pinned",
        "sticky",
        "extra.isTop",
        "extra.is_top",
        "extra.pinned",
    ),
}
ENTRY_FIELDS = ("title", "url", "heat", "summary", "rank", "key", "category", "ad", "pinned")
FLAG_FIELDS = frozenset({"ad", "pinned"})  # optional markers: matching nothing is normal
_MISSING = object()


class JsonListSource(Source):
    """Any JSON hot list, read through configured dotted field paths."""

    type = "jsonlist"
    requires_url = True
    default_interval = 600.0
    options = {
        "items": str,
        "title": str,
        "url": str,
        "heat": str,
        "summary": str,
        "rank": str,
        "key": str,
        "category": str,
        "ad": str,
        "pinned": str,
        "platform": str,
    }

    @property
    def platform(self) -> str:
        """The ``platform`` option, else this source's own name (not "jsonlist")."""
        return text_or_none(self.config.get("platform")) or self.name

    def parse(self, fetched: Fetched) -> list[RawItem]:
        payload = self.json_body(fetched)
        self._check_status(payload)
        rows = self._rows(payload, fetched)
        paths = {field: self._paths(field) for field in ENTRY_FIELDS}
        items = _items(rows, paths)
        self._check_configured_paths(rows, paths)
        if not items:
            raise self.parse_error(
                f"JSON list from {fetched.url} has no entries (no entry "
                f"has a title at {self._describe('title')})"
            )
        return items

    def _paths(self, field: str) -> tuple[str, ...]:
        configured = self.config.get(field)
        return (configured,) if isinstance(configured, str) else DEFAULT_PATHS[field]

    def _describe(self, field: str) -> str:
        return " or ".join(repr(p) for p in self._paths(field)) or "(none)"

    def _check_status(self, payload: Any) -> None:
        if not isinstance(payload, dict):
            return
        code = payload.get("code")
        if isinstance(code, int) and not isinstance(code, bool) and code not in (0, 200):
            raise self.parse_error(
                f"the list answered code {code} "
                f"({text_or_none(payload.get('message')) or 'no message'})"
            )
        if payload.get("status") == "error":
            raise self.parse_error(
                f"the list answered status 'error' "
                f"({text_or_none(payload.get('message')) or 'no message'})"
            )

    def _rows(self, payload: Any, fetched: Fetched) -> list[Any]:
        for path in self._paths("items"):
            found = get_path(payload, path)
            if isinstance(found, list):
                return found
        if "items" in self.config:
            path = self.config["items"]
            found = get_path(payload, path)
            what = "nothing" if found is _MISSING else f"{_a(_json_type(found))}, not a list"
            raise self.parse_error(
                f"items path {path!r} leads to {what} in the JSON from "
                f"{fetched.url} (top-level: {_top_level(payload)})"
            )
        raise self.parse_error(
            f"no entry list at 'data' or 'items' in the JSON from "
            f"{fetched.url} (top-level: {_top_level(payload)}); set the "
            "'items' option to the list's path"
        )

    def _check_configured_paths(self, rows: list[Any], paths: dict[str, tuple[str, ...]]) -> None:
        """A configured entry path that matches in no entry at all is a misconfiguration."""
        for field in ENTRY_FIELDS:
            if field not in self.config or field in FLAG_FIELDS or not rows:
                continue
            path = paths[field][0]
            if all(get_path(row, path) in (_MISSING, None) for row in rows):
                raise self.parse_error(
                    f"{field} path {path!r} leads nowhere in any of the {len(rows)} entries"
                )


def get_path(obj: Any, path: str) -> Any:
    """Follow a dotted path ("data.0.title"); ``_MISSING`` where it leads nowhere."""
    if path in ("", "."):
        return obj
    for step in path.split("."):
        if isinstance(obj, dict) and step in obj:
            obj = obj[step]
        elif isinstance(obj, list) and _is_index(step) and -len(obj) <= int(step) < len(obj):
            obj = obj[int(step)]
        else:
            return _MISSING
    return obj


def _is_index(step: str) -> bool:
    digits = step[1:] if step.startswith("-") else step
    return digits.isdecimal() and len(digits) < 10


def _first(row: Any, paths: tuple[str, ...]) -> Any:
    for path in paths:
        value = get_path(row, path)
        if value is not _MISSING and value is not None:
            return value
    return None


def _items(rows: list[Any], paths: dict[str, tuple[str, ...]]) -> list[RawItem]:
    items = []
    skipped = 0  # pinned rows and ads do not take a list position; untitled rows still do
    for i, row in enumerate(rows):
        item = _item(row, i - skipped, paths)
        if item is None:
            continue
        if item.pinned or item.is_ad:
            skipped += 1
        items.append(item)
    return items


def _item(row: Any, position: int, paths: dict[str, tuple[str, ...]]) -> RawItem | None:
    title = text_or_none(_first(row, paths["title"]))
    if title is None:
        return None
    heat = _first(row, paths["heat"])
    is_ad = truthy(_first(row, paths["ad"]))
    pinned = truthy(_first(row, paths["pinned"]))
    own_rank = _first(row, paths["rank"])
    if pinned:
        rank = None
    elif is_ad:  # an ad is ranked only when the list itself numbers it
        number = int_or_none(own_rank)
        rank = number if number is not None and 0 < number < 100_000 else None
    else:
        rank = rank_or_position(own_rank, position)
    return RawItem(
        title=title,
        url=_http_url(_first(row, paths["url"])),
        rank=rank,
        heat=parse_heat(heat),
        heat_raw=text_or_none(heat),
        summary=text_or_none(_first(row, paths["summary"])),
        key=text_or_none(_first(row, paths["key"])),
        category=text_or_none(_first(row, paths["category"])),
        pinned=pinned,
        is_ad=is_ad,
    )


def _http_url(value: Any) -> str | None:
    url = text_or_none(value)
    return url if url and url.startswith(("http://", "https://")) else None


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def _top_level(payload: Any) -> str:
    if isinstance(payload, dict):
        return "keys " + (", ".join(sorted(str(k) for k in payload)[:10]) or "none")
    return _a(_json_type(payload))


def _a(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


SOURCES = [JsonListSource]
