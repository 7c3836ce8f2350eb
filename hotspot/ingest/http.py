"""The one configured HTTP client every source fetches through.

It sets timeouts, a redirect limit, a real User-Agent and compression; streams bodies and
stops at a size cap; sends conditional-GET headers (a 304 comes back as ``not_modified``);
and turns every failure into the ``FetchError`` family with the status, ``Retry-After`` and
the source named. It is async so that a poll cycle fetches all due sources concurrently.
The transport is injectable (tests use real local servers; nothing here is monkeypatched).
"""

from __future__ import annotations

import email.utils
import functools
import ssl
import time
from collections.abc import Mapping
from datetime import UTC, datetime

import httpx

from hotspot.config import HttpSettings
from hotspot.errors import BlockedError, FetchError, HTTPStatusError, NetworkError, TooLargeError
from hotspot.models import Fetched

BLOCK_STATUSES = frozenset({403, 418, 432})


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdecimal():
        return float(min(int(value), 86_400))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = when.timestamp() - (time.time() if now is None else now)
    return max(0.0, min(delta, 86_400.0))


class HttpClient:
    """An ``httpx.AsyncClient`` with hotspot's limits; use as ``async with HttpClient(...)``."""

    def __init__(
        self,
        settings: HttpSettings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.settings = settings or HttpSettings()
        s = self.settings
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(s.read_timeout, connect=s.connect_timeout),
            follow_redirects=True,
            max_redirects=s.max_redirects,
            headers={
                "User-Agent": s.user_agent,
                "Accept": "application/json, text/html, application/xml;q=0.9, */*;q=0.8",
                "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
            },
            limits=httpx.Limits(max_connections=s.max_connections),
            transport=transport,
            trust_env=False,
            verify=_ssl_context(),
        )

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    @property
    def cookies(self) -> httpx.Cookies:
        """The cookie jar shared by this client's requests (douyin needs a first-visit cookie)."""
        return self._client.cookies

    async def get(
        self,
        source: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Fetched:
        """GET ``url`` for ``source``; raise a ``FetchError`` subclass on any failure."""
        request_headers = dict(headers or {})
        if etag:
            request_headers["If-None-Match"] = etag
        if last_modified:
            request_headers["If-Modified-Since"] = last_modified
        try:
            async with self._client.stream(
                "GET", url, headers=request_headers, params=params
            ) as response:
                if response.status_code == 304:
                    return self._fetched(source, response, b"", not_modified=True)
                self._raise_for_status(source, response)
                body = await self._read_capped(source, response)
                return self._fetched(source, response, body)
        except httpx.TooManyRedirects as exc:
            raise FetchError(
                source,
                f"too many redirects from {url} (limit "
                f"{self.settings.max_redirects}); check the url",
            ) from exc
        except httpx.TimeoutException as exc:
            raise NetworkError(source, f"timed out fetching {url} ({type(exc).__name__})") from exc
        except httpx.InvalidURL as exc:
            raise FetchError(source, f"invalid url {url!r}: {exc}") from exc
        except httpx.UnsupportedProtocol as exc:
            raise FetchError(source, f"unsupported url {url!r}: use http:// or https://") from exc
        except httpx.DecodingError as exc:
            raise FetchError(source, f"undecodable response body from {url}: {exc}") from exc
        except httpx.TransportError as exc:
            raise NetworkError(source, f"cannot reach {url}: {_reason(exc)}") from exc

    async def _read_capped(self, source: str, response: httpx.Response) -> bytes:
        cap = self.settings.max_bytes
        declared = response.headers.get("content-length")
        if declared and declared.isdecimal() and int(declared) > cap:
            raise TooLargeError(
                source,
                f"response of {int(declared):,} bytes exceeds the "
                f"{cap:,}-byte cap (http.max_bytes)",
            )
        chunks: list[bytes] = []
        total = 0
        async for chunk in response.aiter_bytes():
            total += len(chunk)
            if total > cap:
                raise TooLargeError(
                    source, f"response exceeds the {cap:,}-byte cap (http.max_bytes)"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _raise_for_status(source: str, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        where = str(response.url)
        if status in BLOCK_STATUSES:
            raise BlockedError(
                source,
                f"blocked by the platform (HTTP {status}) at {where}",
                status=status,
                retry_after=retry_after,
            )
        hint = "rate limited" if status == 429 else "server error" if status >= 500 else "refused"
        raise HTTPStatusError(
            source, f"HTTP {status} ({hint}) from {where}", status=status, retry_after=retry_after
        )

    @staticmethod
    def _fetched(
        source: str, response: httpx.Response, body: bytes, *, not_modified: bool = False
    ) -> Fetched:
        return Fetched(
            source=source,
            url=str(response.url),
            content=body,
            status=response.status_code,
            headers=dict(response.headers),
            fetched_at=datetime.now(UTC),
            encoding=response.charset_encoding,
            not_modified=not_modified,
        )


@functools.lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    """One TLS context for every client: loading the CA bundle per poll cycle costs time and
    leaves the allocator fragmented in a long-running daemon."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]
