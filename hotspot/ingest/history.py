"""Read archived hot-list history (``hotspot import``): JSON Lines, one row per list entry per
snapshot, as in ../shared/corpus (platform, snapshot_time, rank, title, heat, optional
heat_raw, url, label, query, desc/summary, pinned, is_ad, optional tags: Weibo's category).

``read_snapshots`` groups rows into snapshots (platform, time) in time order across all
files, so an import replays history exactly as live polls would have seen it. Bad lines are
reported with file and line number; they never stop the import.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from hotspot.errors import InputError
from hotspot.i18n import _
from hotspot.models import RawItem
from hotspot.numbers import parse_heat, split_category

SEARCH_URLS = {
    "weibo": "https://s.weibo.com/weibo?q={}",
    "baidu": "https://www.baidu.com/s?wd={}",
    "toutiao": "https://so.toutiao.com/search?keyword={}",
}


@dataclass(frozen=True, slots=True)
class Snapshot:
    platform: str
    at: datetime
    items: tuple[RawItem, ...]


def row_to_item(row: dict) -> RawItem:
    title = row.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ValueError(_("no title"))
    category, heat = split_category(row["heat_raw"]) if "heat_raw" in row else (None, None)
    heat = parse_heat(row.get("heat")) if row.get("heat") is not None else heat
    platform = row.get("platform") or ""
    url = row.get("url")
    if not url and platform in SEARCH_URLS:
        url = _search_url(platform, row.get("query") or title)
    rank = row.get("rank")
    return RawItem(
        title=title,
        url=url,
        rank=rank if isinstance(rank, int) else None,
        heat=heat,
        label=str(row["label"]) if row.get("label") is not None else None,
        category=row.get("category") or _tag(row.get("tags")) or category,
        summary=row.get("summary") or row.get("desc"),
        pinned=bool(row.get("pinned")),
        is_ad=bool(row.get("is_ad")),
    )


def _tag(tags: object) -> str | None:
    """Weibo's category word (剧集, 综艺 …) from the corpus_fine ``tags`` key."""
    if isinstance(tags, list) and tags and isinstance(tags[0], str):
        return tags[0]
    return tags if isinstance(tags, str) and tags else None


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, line) of the non-blank lines of a UTF-8 file."""
    try:
        fh = open(path, encoding="utf-8")  # noqa: SIM115 (closed by the with below)
    except OSError as exc:
        raise InputError(
            _("{path}: cannot read: {strerror}").format(path=path, strerror=exc.strerror)
        ) from None
    with fh:
        try:
            for lineno, line in enumerate(fh, 1):
                if line.strip():
                    yield lineno, line
        except UnicodeDecodeError as exc:
            raise InputError(
                _("{path}: not UTF-8 text ({reason})").format(path=path, reason=exc.reason)
            ) from None


@lru_cache(maxsize=4_096)  # a title stays on a list for many snapshots
def _search_url(platform: str, query: str) -> str:
    return SEARCH_URLS[platform].format(quote(query))


def read_snapshots(paths: Sequence[Path], errors: list[str]) -> list[Snapshot]:
    groups: dict[tuple[str, str], list[RawItem]] = {}
    for path in paths:
        for lineno, line in _lines(path):
            try:
                row = json.loads(line)
                key = (str(row["platform"]), str(row["snapshot_time"]))
                datetime.fromisoformat(key[1])
                groups.setdefault(key, []).append(row_to_item(row))
            except (ValueError, KeyError, TypeError) as exc:
                errors.append(f"{path}:{lineno}: skipped ({exc})")
    snaps = [
        Snapshot(p, datetime.fromisoformat(t), tuple(items)) for (p, t), items in groups.items()
    ]
    snaps.sort(key=lambda s: (s.at, s.platform))
    return snaps


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) of a JSON Lines file; a bad line raises InputError naming it."""
    for lineno, line in _lines(path):
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise InputError(
                _("{path}:{lineno}: not valid JSON ({exc})").format(
                    path=path, lineno=lineno, exc=exc
                )
            ) from None
        if not isinstance(obj, dict):
            raise InputError(
                _("{path}:{lineno}: expected a JSON object").format(path=path, lineno=lineno)
            )
        yield lineno, obj
