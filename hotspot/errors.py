"""The one exception tree of hotspot.

Every error an operator can meet is a ``HotspotError``; its ``str()`` is one line that names
the thing at fault (file and dotted key, source, account, database) and says what to do.
Third-party exceptions are wrapped where they enter (``raise FetchError(...) from exc``), so
callers never catch httpx, sqlite3 or tomllib errors directly.

    HotspotError
    ├── ConfigError            hotspot.toml is wrong (carries every problem found, one per line)
    ├── PluginError            a source plugin cannot be loaded or two share one name
    ├── SourceError            one source failed this poll; the others go on
    │   ├── FetchError         the request did not give a usable response
    │   │   ├── NetworkError   DNS, refused, reset, timeout
    │   │   ├── HTTPStatusError   4xx/5xx (``retry_after`` set when the server said so)
    │   │   │   └── BlockedError  the platform blocked us: 403/418/432, visitor/captcha page
    │   │   └── TooLargeError  body over the configured size cap
    │   └── ParseError         the response is not the shape the plugin knows
    ├── StoreError             the database cannot be used
    │   └── DatabaseRefused    newer schema, not a hotspot database, or locked by another daemon
    ├── DeliveryError          mail or webhook delivery failed (retried later)
    └── InputError             a file given on the command line is unreadable or malformed
"""

from __future__ import annotations


class HotspotError(Exception):
    """Base of every error hotspot raises on purpose."""


class ConfigError(HotspotError):
    """The configuration is invalid; ``problems`` lists every one found, each a full line."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class PluginError(HotspotError):
    """A source plugin could not be loaded, or two plugins claim the same name."""


class SourceError(HotspotError):
    """A source failed; the message starts with the source's instance name."""

    def __init__(self, source: str, message: str):
        from hotspot.safetext import one_line

        self.source = source
        self.reason = message = one_line(message)  # server text must not reach a terminal raw
        super().__init__(f"source {source!r}: {message}")


class FetchError(SourceError):
    """The request did not produce a usable response."""


class NetworkError(FetchError):
    """DNS failure, refused or reset connection, or a timeout."""


class HTTPStatusError(FetchError):
    """The server answered with an error status."""

    def __init__(self, source: str, message: str, *, status: int, retry_after: float | None = None):
        self.status = status
        self.retry_after = retry_after
        super().__init__(source, message)


class BlockedError(HTTPStatusError):
    """The platform is refusing us (403, Weibo's 418/432, a visitor/captcha page)."""


class TooLargeError(FetchError):
    """The response body exceeded the configured cap."""


class ParseError(SourceError):
    """The response does not have the shape the plugin understands."""


class StoreError(HotspotError):
    """The database cannot be opened or written."""


class DatabaseRefused(StoreError):
    """The database is from a newer hotspot, is not a hotspot database, or is locked."""


class DeliveryError(HotspotError):
    """An email or webhook could not be delivered; it stays pending and is retried."""


class InputError(HotspotError):
    """A file named on the command line cannot be read or has a malformed line."""
