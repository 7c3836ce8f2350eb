"""Helpers for source-plugin tests: fetch through the real HTTP client from a local server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hotspot.ingest.http import HttpClient, HttpSettings
from hotspot.ingest.source import Source
from hotspot.models import Fetched, RawItem


def fetch_and_parse(
    source: Source, url: str, settings: HttpSettings | None = None
) -> tuple[Fetched, list[RawItem]]:
    """Fetch ``url`` with hotspot's real client (from a 127.0.0.1 server) and parse it."""

    async def go() -> Fetched:
        async with HttpClient(settings or HttpSettings(connect_timeout=2, read_timeout=5)) as c:
            return await source.fetch(c, url)

    fetched = asyncio.run(go())
    return fetched, source.parse(fetched)


def fetched_from_file(
    path: Path,
    source: str = "test",
    url: str = "http://127.0.0.1/x",
    encoding: str | None = "utf-8",
) -> Fetched:
    """A ``Fetched`` built straight from a file, for pure parse tests."""
    return Fetched(source=source, url=url, content=path.read_bytes(), encoding=encoding)


@pytest.fixture
def serve_file(httpserver):
    """Serve a file's bytes at a path on the local test server; returns the URL."""

    def _serve(
        path: Path | bytes,
        uri: str = "/feed",
        content_type: str = "application/json",
        status: int = 200,
        headers: dict | None = None,
    ) -> str:
        body = path if isinstance(path, bytes) else path.read_bytes()
        httpserver.expect_request(uri).respond_with_data(
            body, status=status, content_type=content_type, headers=headers or {}
        )
        return httpserver.url_for(uri)

    return _serve
