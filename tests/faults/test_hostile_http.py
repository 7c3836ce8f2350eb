"""Hostile HTTP servers on loopback: compression bombs, stacked encodings, trickling bodies,
redirects to private addresses, bodies echoed into errors.

The real ``HttpClient`` fetches from a real local server (``LocalServer``); the "public" side
of a redirect is simulated by an ``AddressPolicy`` that declares 127.0.0.1 public, so the
private target (127.0.0.2, also loopback) never leaves the machine.
"""

from __future__ import annotations

import asyncio
import gzip
import tracemalloc
from collections.abc import Iterable

import brotli
import pytest

from hotspot.config import HttpSettings
from hotspot.errors import FetchError, NetworkError, TooLargeError
from hotspot.ingest.addresses import AddressPolicy, is_public
from hotspot.ingest.http import HttpClient

from .conftest import SMALL_LIST, LocalServer, Reply, weibo_json

BOMB_DECODED = 64 * 1024 * 1024  # what the bomb expands to
CAP = 1024 * 1024


def _fetch(url: str, settings: HttpSettings, policy: AddressPolicy | None = None):
    async def go():
        async with HttpClient(settings, addresses=policy) as client:
            return await client.get("hostile", url)

    return asyncio.run(go())


def _peak_while(fn) -> tuple[int, BaseException | None]:
    tracemalloc.start()
    error: BaseException | None = None
    try:
        fn()
    except BaseException as exc:
        error = exc
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, error


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    zeros = bytes(BOMB_DECODED)
    return {
        "br": brotli.compress(zeros, quality=5),
        "gzip": gzip.compress(zeros, compresslevel=9),
    }


@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_compression_bomb_stops_at_the_cap_without_inflating(server, bombs, coding):
    body = bombs[coding]
    assert len(body) < CAP  # the compressed body itself passes the raw cap
    server.routes["/bomb"] = Reply(body=body, headers={"Content-Encoding": coding})
    peak, error = _peak_while(lambda: _fetch(server.url("/bomb"), HttpSettings(max_bytes=CAP)))
    assert isinstance(error, TooLargeError), error
    assert "once decoded" in str(error)
    # a bounded decoder never holds much more than the cap; unbounded, the whole 64 MB
    assert peak < 8 * CAP, f"peak {peak:,} bytes"


def test_stacked_encodings_are_refused(server):
    inner = gzip.compress(weibo_json(SMALL_LIST))
    server.routes["/stack"] = Reply(
        body=gzip.compress(inner), headers={"Content-Encoding": "gzip, gzip"}
    )
    with pytest.raises(FetchError, match="stacked Content-Encoding"):
        _fetch(server.url("/stack"), HttpSettings())


@pytest.mark.parametrize("coding", ["br", "gzip", "deflate"])
def test_honest_compressed_bodies_still_decode(server, coding):
    import zlib

    plain = weibo_json(SMALL_LIST)
    packed = {
        "br": brotli.compress,
        "gzip": gzip.compress,
        "deflate": zlib.compress,
    }[coding](plain)
    server.routes["/ok"] = Reply(body=packed, headers={"Content-Encoding": coding})
    fetched = _fetch(server.url("/ok"), HttpSettings())
    assert fetched.content == plain


def test_a_trickling_server_cannot_hold_a_fetch_past_its_deadline(server):
    # one byte every 0.3 s for 600 bytes would take 3 minutes; every read is well inside
    # the read timeout, so only a total deadline ends it
    server.routes["/slow"] = Reply(body=b"x" * 600, trickle=0.3)
    with pytest.raises(NetworkError, match="total deadline of 1.5s"):
        _fetch(server.url("/slow"), HttpSettings(read_timeout=10.0, deadline=1.5))


@pytest.fixture
def private_server() -> Iterable[LocalServer]:
    s = LocalServer(host="127.0.0.2")
    yield s
    s.close()


def _public_loopback(address: str) -> bool:
    return address == "127.0.0.1" or is_public(address)


def test_redirect_from_public_to_private_is_refused_and_names_the_target(server, private_server):
    private_server.routes["/admin"] = Reply(
        body=b"INTERNAL-SECRET-TOKEN", content_type="text/plain"
    )
    target = private_server.url("/admin")
    server.routes["/feed"] = Reply(status=302, headers={"Location": target})
    policy = AddressPolicy(classify=_public_loopback)
    with pytest.raises(FetchError) as caught:
        _fetch(server.url("/feed"), HttpSettings(), policy)
    message = str(caught.value)
    assert target in message and "refused" in message
    assert "INTERNAL-SECRET" not in message
    assert private_server.hits("/admin") == []  # never even asked


def test_rebinding_is_caught_by_the_address_actually_connected(server, private_server):
    private_server.routes["/admin"] = Reply(
        body=b"INTERNAL-SECRET-TOKEN", content_type="text/plain"
    )
    server.routes["/feed"] = Reply(status=302, headers={"Location": private_server.url("/admin")})

    async def lying_resolver(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]  # "public" at check time; the connection goes to 127.0.0.2

    policy = AddressPolicy(classify=_public_loopback, resolver=lying_resolver)
    with pytest.raises(FetchError, match="connected to the private address 127.0.0.2"):
        _fetch(server.url("/feed"), HttpSettings(), policy)


def test_a_configured_private_url_may_redirect_within_private_space(server, private_server):
    # the operator's own RSSHub on a private address: its redirects are its business
    private_server.routes["/rss"] = Reply(body=weibo_json(SMALL_LIST))
    server.routes["/feed"] = Reply(status=301, headers={"Location": private_server.url("/rss")})
    fetched = _fetch(server.url("/feed"), HttpSettings())  # default policy: 127.0.0.1 private
    assert fetched.content == weibo_json(SMALL_LIST)
