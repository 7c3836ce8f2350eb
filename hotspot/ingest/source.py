"""The contract every source plugin follows.

A plugin is a subclass of ``Source`` with a unique ``type`` (the name used in
``[[sources]] type = ...``). It splits its work in two, so the hard part is testable offline:

* ``fetch(client, url, ...)`` does the I/O and returns the raw ``Fetched`` response; the
  default GETs ``url`` with the plugin's ``headers``. Override it only when a platform needs
  more than one request (douyin's first-visit cookie).
* ``parse(fetched)`` is pure: bytes in, ``list[RawItem]`` out. It raises ``ParseError`` when
  the body has an unknown shape and ``BlockedError`` when it is a block page (a visitor
  system, ``{"ok":0}``); it never returns an empty list for a page it did not understand.

``urls()`` lists the endpoints to try in order (the configured ``url`` alone, or the plugin's
``endpoints``); the pipeline tries them in turn, starting with the one that last worked.
Plugin-specific config keys are declared in ``options`` (name -> type) so the config loader
can reject unknown or mistyped keys for that plugin.
"""

from __future__ import annotations

import builtins
import json
import logging
from collections.abc import Mapping
from typing import Any, ClassVar

from hotspot.errors import ParseError
from hotspot.i18n import _
from hotspot.ingest.http import HttpClient
from hotspot.models import Fetched, RawItem

MAX_JSON_DEPTH = 64
log = logging.getLogger(__name__)


class Source:
    """Base class of source plugins; see the module docstring for the contract."""

    type: ClassVar[str] = ""
    platform_name: ClassVar[str] = ""  # defaults to ``type``
    endpoints: ClassVar[tuple[str, ...]] = ()
    headers: ClassVar[Mapping[str, str]] = {}
    default_interval: ClassVar[float] = 300.0
    options: ClassVar[Mapping[str, builtins.type | tuple[builtins.type, ...]]] = {}
    requires_url: ClassVar[bool] = False

    def __init__(self, name: str, url: str | None = None, options: Mapping[str, Any] | None = None):
        self.name = name
        self.url = url
        self.config: Mapping[str, Any] = dict(options or {})

    @property
    def platform(self) -> str:
        """What the operator sees as the platform (weibo, baidu, or a feed's instance name)."""
        return self.platform_name or self.type

    def urls(self) -> list[str]:
        """Endpoints to try, in order of preference."""
        return [self.url] if self.url else list(self.endpoints)

    async def fetch(
        self,
        client: HttpClient,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Fetched:
        """Fetch one endpoint. I/O only: no parsing here."""
        return await client.get(
            self.name, url, headers=self.headers, etag=etag, last_modified=last_modified
        )

    def parse(self, fetched: Fetched) -> list[RawItem]:
        """Turn a response into items. Pure; raises ``ParseError`` on an unknown shape."""
        raise NotImplementedError

    # Helpers for plugin authors -------------------------------------------------------

    def parse_error(self, message: str) -> ParseError:
        return ParseError(self.name, message)

    def json_body(self, fetched: Fetched) -> Any:
        """Decode a JSON body or raise a ``ParseError`` that says what came back instead."""
        return load_json(self.name, fetched)

    def json_object(self, fetched: Fetched, what: str) -> dict[str, Any]:
        """A JSON body that must be an object ({...}); ``what`` names it in the error."""
        payload = self.json_body(fetched)
        if not isinstance(payload, dict):
            raise self.parse_error(
                _("expected a {what} JSON object from {url}, got {got}").format(
                    what=what, url=fetched.url, got=type(payload).__name__
                )
            )
        return payload


def load_json(source: str, fetched: Fetched) -> Any:
    """Decode a JSON body; anything else (HTML, truncated JSON, deep nesting) is a ParseError."""
    text = fetched.text().lstrip("\ufeff \t\r\n")
    if not text:
        raise ParseError(source, _("empty body from {url}").format(url=fetched.url))
    if text[0] not in "{[":
        kind = "HTML" if text[:1] == "<" else "text"
        raise ParseError(
            source,
            _("expected JSON from {url} but got {kind}: {note}").format(
                url=fetched.url, kind=kind, note=body_note(source, fetched.url, text)
            ),
        )
    if _nesting_exceeds(text, MAX_JSON_DEPTH):
        raise ParseError(
            source,
            _("JSON from {url} is nested deeper than {depth} levels").format(
                url=fetched.url, depth=MAX_JSON_DEPTH
            ),
        )
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ParseError(
            source, _("invalid JSON from {url}: {exc}").format(url=fetched.url, exc=exc)
        ) from None


def dig(obj: Any, *path: str | int) -> Any:
    """Follow keys/indexes through nested JSON; None as soon as one is missing or mistyped."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(obj, list) or not -len(obj) <= step < len(obj):
                return None
            obj = obj[step]
        else:
            if not isinstance(obj, dict):
                return None
            obj = obj.get(step)
    return obj


def text_or_none(value: Any) -> str | None:
    """A non-empty string, or None (numbers become strings; anything else None)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def truthy(value: Any) -> bool:
    """A platform's yes/no marker (``is_ad``, ``isTop``, ``ads``) as a bool: true, non-zero
    numbers, non-empty objects and strings other than "0"/"false"/"no"/"null" are yes."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "no", "none", "null", "off")
    if isinstance(value, (dict, list)):
        return bool(value)
    return False


def int_or_none(value: Any) -> int | None:
    """An int from an int or a short digit string ("12"); None for anything else (bools too)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) <= 12:
        return int(value.strip())
    return None


def rank_or_position(value: Any, position: int, *, offset: int = 0) -> int:
    """The platform's own rank (``value + offset`` for 0-based indexes) when it is a sane
    number, else the entry's 1-based position in the list."""
    number = int_or_none(value)
    if number is not None and 0 < number + offset < 100_000:
        return number + offset
    return position + 1


def key_list(obj: Mapping[str, Any]) -> str:
    """The first keys of a JSON object, for "unknown shape" messages."""
    return ", ".join(sorted(str(k) for k in obj)[:10]) or "none"


def _nesting_exceeds(text: str, limit: int) -> bool:
    """Cheap bracket-depth scan so pathological nesting never reaches ``json.loads``."""
    depth = 0
    in_string = False
    escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def body_note(source: str, url: str, text: str | bytes) -> str:
    """What an error says about a body it did not expect: its size, never its content. A
    body may come from an internal service, and error texts reach ``sources status``,
    pushes and mails; its (sanitised) start goes to the local debug log only."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not text.strip():
        return "an empty body"
    log.debug(
        "source %s: unexpected body from %s starts: %s", source, url, " ".join(text[:80].split())
    )
    return f"a {len(text):,}-character body (not shown here; `-v` logs its start)"
