"""The one configured HTTP client every source fetches through.

It sets timeouts, a redirect limit, a real User-Agent and compression; streams bodies and
stops at a size cap on the *decoded* size (``decoding``: a compression bomb stops at the cap);
gives every fetch a total deadline (``http.deadline``: a server trickling a byte every few
seconds cannot hold a fetch beyond it, whatever the per-read timeout); follows redirects
itself, refusing one from a public address to a private one (``addresses``); sends
conditional-GET headers (a 304 comes back as ``not_modified``); and turns every failure into
the ``FetchError`` family with the status, ``Retry-After`` and the source named. Error texts
never carry response bodies. It is async so that a poll cycle fetches all due sources concurrently.
The transport is injectable (tests use real local servers; nothing here is monkeypatched).
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import ssl
import time
from collections.abc import Mapping
from datetime import UTC, datetime

import httpx

from hotspot.config import HttpSettings
from hotspot.errors import BlockedError, FetchError, HTTPStatusError, NetworkError, TooLargeError
from hotspot.i18n import _
from hotspot.ingest.addresses import AddressPolicy
from hotspot.ingest.decoding import ACCEPT_ENCODING, BoundedDecoder, DecodedTooLarge, DecodeRefused
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
        addresses: AddressPolicy | None = None,
    ):
        self.settings = settings or HttpSettings()
        self.addresses = addresses or AddressPolicy()
        s = self.settings
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(s.read_timeout, connect=s.connect_timeout),
            follow_redirects=False,  # followed in get(), with the address guard
            headers={
                "User-Agent": s.user_agent,
                "Accept-Encoding": ACCEPT_ENCODING,
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
        deadline = self.settings.deadline
        try:
            async with asyncio.timeout(deadline):
                return await self._get(source, url, request_headers, params)
        except TimeoutError:
            raise NetworkError(
                source,
                _(
                    "gave up on {url} after the total deadline of {deadline:g}s (http.deadline); the "
                    "server is too slow"
                ).format(url=url, deadline=deadline),
            ) from None
        except httpx.TimeoutException as exc:
            raise NetworkError(
                source,
                _("timed out fetching {url} ({error_type})").format(
                    url=url, error_type=type(exc).__name__
                ),
            ) from exc
        except httpx.InvalidURL as exc:
            raise FetchError(
                source, _("invalid url {url!r}: {exc}").format(url=url, exc=exc)
            ) from exc
        except httpx.UnsupportedProtocol as exc:
            raise FetchError(
                source, _("unsupported url {url!r}: use http:// or https://").format(url=url)
            ) from exc
        except httpx.DecodingError as exc:
            raise FetchError(
                source, _("undecodable response body from {url}: {exc}").format(url=url, exc=exc)
            ) from exc
        except httpx.TransportError as exc:
            raise NetworkError(
                source, _("cannot reach {url}: {reason}").format(url=url, reason=_reason(exc))
            ) from exc

    async def _get(
        self,
        source: str,
        url: str,
        headers: Mapping[str, str],
        params: Mapping[str, str] | None,
    ) -> Fetched:
        request = self._client.build_request("GET", url, headers=headers, params=params)
        origin_public: bool | None = None
        for hop in range(self.settings.max_redirects + 1):
            if hop and origin_public:
                await self._check_target(source, request.url)
            response = await self._client.send(request, stream=True)
            try:
                peer = _peer_address(response)
                if hop == 0:
                    origin_public = peer is None or self.addresses.classify(peer)
                elif origin_public and peer is not None and not self.addresses.classify(peer):
                    raise FetchError(
                        source,
                        _(
                            "redirect to {url} refused: it connected to the private address {peer} (a public "
                            "site may not send hotspot there)"
                        ).format(url=request.url, peer=peer),
                    )
                if response.next_request is not None:
                    request = response.next_request
                    continue
                if response.status_code == 304:
                    return self._fetched(source, response, b"", not_modified=True)
                self._raise_for_status(source, response)
                body = await self._read_capped(source, response)
                return self._fetched(source, response, body)
            finally:
                await response.aclose()
        raise FetchError(
            source,
            _(
                "too many redirects from {url} (limit {max_redirects}); the last pointed to "
                "{target}; check the url"
            ).format(url=url, max_redirects=self.settings.max_redirects, target=request.url),
        )

    async def _check_target(self, source: str, target: httpx.URL) -> None:
        """Refuse a redirect from a public origin whose target resolves to a private address."""
        port = target.port or (443 if target.scheme == "https" else 80)
        for address in await self.addresses.resolver(target.host, port):
            if not self.addresses.classify(address):
                raise FetchError(
                    source,
                    _(
                        "redirect to {target} refused: it points to the private address {address} (a "
                        "public site may not send hotspot there)"
                    ).format(target=target, address=address),
                )

    async def _read_capped(self, source: str, response: httpx.Response) -> bytes:
        cap = self.settings.max_bytes
        declared = response.headers.get("content-length")
        if declared and declared.isdecimal() and int(declared) > cap:
            raise TooLargeError(
                source,
                _(
                    "response of {declared:,} bytes exceeds the {cap:,}-byte cap (http.max_bytes)"
                ).format(declared=int(declared), cap=cap),
            )
        try:
            decoder = BoundedDecoder(response.headers.get("content-encoding"), cap)
            received = 0
            async for chunk in response.aiter_raw():
                received += len(chunk)
                if received > cap:
                    raise DecodedTooLarge(received)
                decoder.feed(chunk)
            return decoder.finish()
        except DecodedTooLarge:
            raise TooLargeError(
                source,
                _(
                    "response from {url} exceeds the {cap:,}-byte cap (http.max_bytes) once decoded"
                ).format(url=response.url, cap=cap),
            ) from None
        except DecodeRefused as exc:
            raise FetchError(
                source, _("{exc} from {url}").format(exc=exc, url=response.url)
            ) from None
        except ValueError as exc:
            raise FetchError(
                source,
                _("undecodable response body from {url}: {exc}").format(url=response.url, exc=exc),
            ) from None

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
                _("blocked by the platform (HTTP {status}) at {where}").format(
                    status=status, where=where
                ),
                status=status,
                retry_after=retry_after,
            )
        if status == 429:
            hint = _("rate limited")
        elif status >= 500:
            hint = _("server error")
        else:
            hint = _("refused")
        raise HTTPStatusError(
            source,
            _("HTTP {status} ({hint}) from {where}").format(status=status, hint=hint, where=where),
            status=status,
            retry_after=retry_after,
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


def _peer_address(response: httpx.Response) -> str | None:
    """The IP address this response's connection actually went to (None when unknown, e.g.
    through an injected transport)."""
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    try:
        addr = stream.get_extra_info("server_addr")
    except Exception:
        return None
    return str(addr[0]) if addr else None


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]
