"""RSS and Atom feeds: any feed URL, parsed with feedparser, one plugin instance per feed.

The platform an operator sees is the instance name (``[[sources]] name = "36kr"``), since "rss"
says nothing. ``parse`` is pure: feedparser reads the bytes from a ``BytesIO`` (given raw bytes
it may treat them as a file name and open it), with the charset decided below, and the
fetched URL as the base for relative links.

Decisions about the real-world mess (all seen in ``../shared/fixtures/rss``):

* **Dates**: ``published`` else ``updated`` else ``created``. The raw string is read first with a
  tolerant reader (RFC 822, ISO 8601, and the common ``2016-10-26 16:53:42`` /
  ``2025-09-04 21:53:26+01:00`` forms); feedparser's own parse is the fallback. A time with an
  offset becomes an aware UTC datetime. **A time without an offset is taken as Asia/Shanghai
  (+08:00)** and kept in that zone: the feeds this product watches are Chinese, and feedparser
  would otherwise silently read 36kr's naive times as UTC, eight hours off. Empty dates, and
  placeholder dates before 1995 (TechWeb's ``Thu, 01 Jan 1970``), give ``published=None``.
* **Titles**: markup is stripped only from (X)HTML titles (Atom ``type="html"``/``"xhtml"``,
  RSS titles carrying markup, as feedparser's ``title_detail.type`` says); a plain-text title
  keeps literal angle brackets (``History of the <blink> tag``). An entry without a title (valid
  RSS 2.0) is named by the first sentence of its description, cleaned and cut to 80
  characters, as feed readers do; one with neither is skipped (TechWeb's image-only filler
  items). Only a feed none of whose entries is usable is an error.
* **Charset**: decided by the shared rules of ``hotspot.charsets`` (HTTP ``Content-Type``
  charset, BOM, the feed's XML declaration, UTF-8, then charset-normalizer detection for the
  GB2312/GBK, Big5, EUC-KR, EUC-JP, Shift_JIS, KOI8-R feeds that declare nothing) and handed
  to feedparser as the charset; if feedparser still has to override it (``bozo`` with
  ``CharacterEncodingOverride``/``CharacterEncodingUnknown``, i.e. the bytes fit no encoding
  and it fell back to windows-1252), the feed is a ParseError naming the encoding, never a
  success with mojibake titles.
* **Entries**: ``rank`` is the position among the kept entries, 1-based, in feed order.
  ``key`` is the guid/id, else the link. ``url`` is the entry link (CDATA and Atom ``<link ref=...>`` are handled by feedparser),
  kept only when it is http(s). ``summary`` is plain text: HTML stripped with BeautifulSoup,
  whitespace collapsed, cut to 500 characters.
* **ttl**: an RSS ``<ttl>`` (minutes) is put in every item's ``extras["ttl_minutes"]`` so the
  scheduler can honour it.
* **Errors**: a JSON body, an HTML page or anything else that is not a feed is a ``ParseError``
  naming what came back; so is a broken feed (feedparser ``bozo``) that yields no entries, and a
  feed whose entries all lack titles. A well-formed feed with no entries is a real state (a new
  blog) and gives ``[]``. Bodies over ``MAX_BODY_BYTES`` are refused before parsing.
"""

from __future__ import annotations

import email.utils
import io
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urljoin

import feedparser
from bs4 import BeautifulSoup, CData, NavigableString, Tag
from feedparser.exceptions import CharacterEncodingOverride, CharacterEncodingUnknown

from hotspot.charsets import Decoded
from hotspot.ingest.source import Source, text_or_none
from hotspot.models import Fetched, RawItem

log = logging.getLogger(__name__)
MISDECODED = (CharacterEncodingOverride, CharacterEncodingUnknown)

MAX_BODY_BYTES = 10 * 1024 * 1024
SUMMARY_CHARS = 500
TITLE_FROM_SUMMARY_CHARS = 80  # a title made from a description's first sentence
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
SUMMARY_HTML_CHARS = 100_000  # enough markup for 500 characters of text; bounds the work
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")  # no DST since 1991: a fixed offset
EARLIEST_YEAR = 1995  # anything older in a feed is a placeholder such as the Unix epoch
LATEST_YEAR = 2100
BLOCK_TAGS = [
    "p",
    "br",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "td",
    "th",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "img",
    "hr",
    "table",
    "section",
]

BLOCKS = frozenset(BLOCK_TAGS)
TEXT_TYPES = (NavigableString, CData)
_SENTENCE_END = re.compile(r"[。！？!?；;]|\.(?=\s|$)")
_ISO_LIKE = re.compile(
    r"^\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})"
    r"(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*$",
    re.IGNORECASE,
)


class RssFeed(Source):
    """Any RSS 0.9x/1.0/2.0 or Atom feed; configure its ``url``."""

    type = "rss"
    requires_url = True
    dated = True  # entries carry dates: the max_age / first-poll alert gate applies
    default_interval = 900.0
    headers = {
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
        "text/xml;q=0.8, */*;q=0.5"
    }

    @property
    def platform(self) -> str:
        """A feed's platform is its instance name: "36kr", not "rss"."""
        return self.name

    def parse(self, fetched: Fetched) -> list[RawItem]:
        body = fetched.content
        if len(body) > MAX_BODY_BYTES:
            raise self.parse_error(
                f"body of {len(body):,} bytes from {fetched.url} is too "
                f"large for a feed (limit {MAX_BODY_BYTES:,})"
            )
        self._reject_json(fetched)
        parsed, misdecoded = self._feedparse(fetched)
        if not parsed.get("version"):
            raise self.parse_error(
                f"{fetched.url} is not an RSS or Atom feed: got {_describe(fetched)}"
            )
        if misdecoded:
            raise self.parse_error(misdecoded)
        entries = [e for e in parsed.get("entries") or [] if isinstance(e, Mapping)]
        if not entries:
            if parsed.get("bozo"):
                raise self.parse_error(
                    f"broken feed from {fetched.url} with no readable "
                    f"entries: {_bozo_reason(parsed)}"
                )
            return []
        ttl = _ttl_minutes(parsed.get("feed"))
        items = [
            item for item in (_entry_item(e, ttl, fetched.url) for e in entries) if item is not None
        ]
        if not items:
            raise self.parse_error(
                f"none of the {len(entries)} entries in the feed from {fetched.url} has a "
                "title, or a description to take one from"
            )
        return [_with_rank(item, rank) for rank, item in enumerate(items, start=1)]

    def _reject_json(self, fetched: Fetched) -> None:
        head = fetched.content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
        if head[:1] in (b"{", b"["):
            raise self.parse_error(
                f"{fetched.url} is not an RSS or Atom feed: got {_describe(fetched)}"
            )

    def _feedparse(self, fetched: Fetched) -> tuple[Any, str | None]:
        """feedparser's result, and why its text is garbled if feedparser had to re-decode."""
        # No content-location: feedparser would "resolve" bare Atom ids (``on-the-net``) against
        # it, and a key must not change when the feed URL does. Links are resolved here instead.
        body, charset, decoded = self._body_and_charset(fetched)
        headers = {"content-type": f"application/xml; charset={charset}"}
        try:
            parsed = feedparser.parse(
                io.BytesIO(body), response_headers=headers, sanitize_html=False
            )
        except RecursionError:
            raise self.parse_error(f"feed from {fetched.url} is nested too deeply") from None
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            # feedparser's loose parser on NULs, or on markup spliced into a link
            # (``<link>…</item>…</link>`` raised KeyError 'links' from inside feedparser)
            raise self.parse_error(f"feed from {fetched.url} cannot be read: {exc}") from None
        problem = parsed.get("bozo_exception")
        if not isinstance(problem, MISDECODED):
            return parsed, None
        return parsed, (
            f"feed from {fetched.url} is not readable as {charset} "
            f"({_charset_origin(decoded)}); feedparser could only read it as "
            f"{parsed.get('encoding') or 'nothing'}, which garbles its titles "
            f"({' '.join(str(problem).split())[:120]}); the site must send the charset it "
            "really uses"
        )

    def _body_and_charset(self, fetched: Fetched) -> tuple[bytes, str, Decoded]:
        """The bytes for feedparser and the charset to tell it, decided by the shared rules
        (``hotspot.charsets``): header, BOM, the feed's declaration, UTF-8, detection."""
        decoded = fetched.decoded()
        if decoded.declared and decoded.how not in ("header", "declaration", "undecodable"):
            log.warning(
                "source %s: %s declares charset %s but the body is not %s; read it as %s (%s)",
                self.name,
                fetched.url,
                decoded.declared,
                decoded.declared,
                decoded.encoding,
                decoded.how,
            )
        if decoded.how == "damaged-utf-8":
            # a few broken bytes in a UTF-8 feed: U+FFFD for them, not a whole feed misread
            return decoded.text.encode("utf-8"), "utf-8", decoded
        return fetched.content, decoded.encoding, decoded


SOURCES = [RssFeed]


def _entry_item(entry: Mapping[str, Any], ttl: int | None, base: str) -> RawItem | None:
    title = entry_title(entry)
    if not title:
        return None
    link = _entry_link(entry, base)
    key = text_or_none(entry.get("id")) or link
    extras = {"ttl_minutes": ttl} if ttl is not None else {}
    return RawItem(
        title=title,
        url=link,
        summary=_summary(entry),
        published=entry_published(entry),
        key=key,
        extras=extras,
    )


def _with_rank(item: RawItem, rank: int) -> RawItem:
    return RawItem(
        title=item.title,
        url=item.url,
        rank=rank,
        summary=item.summary,
        published=item.published,
        key=item.key,
        extras=item.extras,
    )


def _entry_link(entry: Mapping[str, Any], base: str) -> str | None:
    """The entry's own page, made absolute against the feed URL; non-http(s) links dropped."""
    candidates = [entry.get("link")]
    links = entry.get("links")
    if isinstance(links, list):
        candidates += [
            link.get("href")
            for link in links
            if isinstance(link, Mapping) and link.get("rel") in (None, "alternate")
        ]
    for candidate in candidates:
        link = _absolute(text_or_none(candidate), base)
        if link and link.lower().startswith(("http://", "https://")):
            return link
    return None


def _absolute(link: str | None, base: str) -> str | None:
    if not link or link.lower().startswith(("http://", "https://")):
        return link
    try:
        return urljoin(base, link)
    except ValueError:  # a malformed base or link (bad IPv6 literal): no usable URL
        return None


def entry_title(entry: Mapping[str, Any]) -> str | None:
    """The entry's title as one line of text; for a title-less entry (valid RSS 2.0), the first
    sentence of its description, as feed readers show it.

    Markup is stripped only from titles that are (X)HTML (feedparser's ``title_detail.type``:
    Atom ``type="html"``/``"xhtml"``, or RSS titles that carry markup); a plain-text title such
    as ``History of the <blink> tag`` keeps its angle brackets (output escapes them anyway)."""
    value = entry.get("title")
    detail = entry.get("title_detail")
    kind = detail.get("type") if isinstance(detail, Mapping) else None
    if kind in HTML_TYPES:
        title = _plain_text(value, limit=None)
    else:
        title = " ".join(value.split()) if isinstance(value, str) else None
    if title:
        return title
    return _first_sentence(_description_html(entry))


def _first_sentence(html: Any) -> str | None:
    text = _plain_text(html, limit=None)
    if not text:
        return None
    m = _SENTENCE_END.search(text)
    sentence = text[: m.end()].strip() if m else text
    sentence = sentence.rstrip("。.;；,，:：").strip() or sentence
    if len(sentence) > TITLE_FROM_SUMMARY_CHARS:
        sentence = sentence[: TITLE_FROM_SUMMARY_CHARS - 1].rstrip() + "…"
    return sentence or None


def _description_html(entry: Mapping[str, Any]) -> Any:
    html = entry.get("summary")
    if not text_or_none(html):
        content = entry.get("content")
        first = content[0] if isinstance(content, list) and content else None
        html = first.get("value") if isinstance(first, Mapping) else None
    return html


def _summary(entry: Mapping[str, Any]) -> str | None:
    return _plain_text(_description_html(entry), limit=SUMMARY_CHARS)


def _plain_text(value: Any, limit: int | None) -> str | None:
    """HTML or text -> one line of plain text, cut to ``limit`` characters."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value[:SUMMARY_HTML_CHARS]
    if "<" in text or "&" in text:
        try:
            text = _html_text(text)
        except RecursionError:  # absurdly nested markup: keep the raw text rather than fail
            pass
    text = " ".join(text.split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text or None


def _html_text(html: str) -> str:
    """Text of an HTML fragment: blocks are separated by a space, inline tags are not, so
    ``孙江涛<b>几乎是</b>绝境`` stays one run of Chinese text.

    One pass over the parsed tree (inserting separators into it costs O(depth) per insertion,
    which made a description of 10,000 nested ``<div>`` take half a minute)."""
    soup = BeautifulSoup(html, "lxml")
    parts: list[str] = []
    open_tags: list[Tag] = []  # the tags around the current node, innermost last
    for node in soup.descendants:
        while open_tags and open_tags[-1] is not node.parent:
            if open_tags.pop().name in BLOCKS:
                parts.append(" ")  # a block ends
        if isinstance(node, Tag):
            if node.name in BLOCKS:
                parts.append(" ")  # a block begins
            open_tags.append(node)
        elif type(node) in TEXT_TYPES:  # what get_text() keeps: no comments, scripts, styles
            parts.append(str(node))
    return "".join(parts)


def entry_published(entry: Mapping[str, Any]) -> datetime | None:
    """The entry's publication time, aware; see the module docstring for naive times."""
    for field in ("published", "updated", "created"):
        when = parse_feed_date(_raw(entry, field))
        if when is None:
            when = _from_struct(_raw(entry, f"{field}_parsed"))
        if when is not None:
            return when
    return None


def _raw(entry: Mapping[str, Any], key: str) -> Any:
    """The key as stored: FeedParserDict would alias a missing ``updated`` to ``published``."""
    return dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)


def parse_feed_date(value: Any) -> datetime | None:
    """Read a feed date string; naive times are Asia/Shanghai, offsets are converted to UTC."""
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        return None
    when = _iso_like(value) or _rfc822(value)
    if when is None or not EARLIEST_YEAR <= when.year <= LATEST_YEAR:
        return None
    if when.tzinfo is None:
        return when.replace(tzinfo=SHANGHAI)
    return when.astimezone(UTC)


def _iso_like(value: str) -> datetime | None:
    m = _ISO_LIKE.match(value)
    if not m:
        return None
    year, month, day, hour, minute, second, zone = m.groups()
    try:
        naive = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
        )
    except ValueError:  # month 13, hour 25 ...
        return None
    offset = _offset(zone)
    if zone and offset is None:
        return None
    return naive.replace(tzinfo=offset) if offset is not None else naive


def _offset(zone: str | None) -> timezone | None:
    if not zone:
        return None
    if zone.upper() in ("Z", "UTC", "GMT"):
        return UTC
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 14 or minutes > 59:
        return None
    sign = -1 if zone[0] == "-" else 1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _rfc822(value: str) -> datetime | None:
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _from_struct(value: Any) -> datetime | None:
    """feedparser's ``*_parsed`` is a UTC ``time.struct_time``."""
    try:
        when = datetime(*value[:6], tzinfo=UTC)  # type: ignore[misc]
    except (TypeError, ValueError, OverflowError):
        return None
    return when if EARLIEST_YEAR <= when.year <= LATEST_YEAR else None


def _ttl_minutes(feed: Any) -> int | None:
    raw = text_or_none(feed.get("ttl")) if isinstance(feed, Mapping) else None
    if raw is None or not raw.isdecimal() or len(raw) > 7:
        return None
    minutes = int(raw)
    return minutes if minutes > 0 else None


def _charset_origin(decoded: Decoded) -> str:
    if decoded.declared:
        return f"it declares {decoded.declared}, which its bytes do not fit"
    return "it declares no charset, it is not UTF-8, and no encoding could be detected"


def _bozo_reason(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    return " ".join(str(exc).split())[:200] if exc else "unknown error"


def _describe(fetched: Fetched) -> str:
    """What came back instead of a feed, in a few words for the operator."""
    text = fetched.content[:2000].decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if not text:
        return "an empty body"
    if text[0] in "{[":
        kind = "JSON"
    elif re.match(r"(?is)<!doctype html|<html", text):
        kind = "HTML"
    else:
        kind = "text"
    return f"{kind}: {' '.join(text[:80].split())!r}"
