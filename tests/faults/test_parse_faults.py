"""Cross-plugin guard: every built-in plugin turns a broken body into ParseError/BlockedError.

In-process and quick: ``parse`` is pure, so a ``Fetched`` is built by hand. Each plugin is
fuzzed in depth by its own tests; this only checks that no plugin lets a bad body escape as
anything but the two errors the poller records as that source's failure (never a crash,
never an empty "success").
"""

from __future__ import annotations

import pytest

from hotspot.errors import BlockedError, ParseError
from hotspot.ingest.registry import builtin_plugins
from hotspot.models import Fetched

from .conftest import SMALL_LIST, VISITOR_PAGE, weibo_json

URL = "http://127.0.0.1:9/list"
MB = 1024 * 1024
GOOD = weibo_json(SMALL_LIST)

BODIES = {
    "empty": b"",
    "whitespace": b" \r\n\t ",
    "truncated-json": GOOD[: len(GOOD) // 2],
    "truncated-object": b'{"data": {"list": [{"title": "\xe5\xa5\xb6\xe8\x8c\xb6',
    "non-json-text": "服务器繁忙，请稍后再试".encode(),
    "json-null": b"null",
    "json-number": b"42",
    "json-empty-object": b"{}",
    "json-empty-list": b"[]",
    "html-error-page": b"<html><head><title>502</title></head><body>bad gateway</body></html>",
    "visitor-page": VISITOR_PAGE,
    "invalid-utf8": b"\xff\xfe\xfa" * 100,
    "deep-nesting": b"[" * 100_000,
    "bom-then-garbage": b"\xef\xbb\xbf\x00\x01\x02",
    "binary-junk-1mb": bytes(range(256)) * (MB // 256),
    # 50 MB: plain text and an endless HTML page. (50 MB of JSON-looking text takes 5-12 s per
    # plugin to reject, so that case is covered near the default 5 MB http.max_bytes below.)
    "text-50mb": b"A" * (50 * MB),
    "html-50mb": b"<html><body><ul>" + b"<li>x</li>" * (5 * MB),
    "unterminated-json-2mb": b'{"data": [' + b'{"title": "x"},' * (2 * MB // 15),
}

PLUGINS = builtin_plugins()


def test_there_are_plugins_to_check():
    assert {"weibo", "rss", "jsonlist"} <= {p.type for p in PLUGINS}


@pytest.mark.parametrize("body_name", list(BODIES))
@pytest.mark.parametrize("plugin", PLUGINS, ids=[p.type for p in PLUGINS])
def test_broken_body_is_a_parse_error_or_a_block(plugin, body_name):
    source = plugin("fault", URL, {})
    fetched = Fetched(
        source="fault",
        url=URL,
        content=BODIES[body_name],
        status=200,
        headers={"content-type": "application/json"},
    )
    with pytest.raises((ParseError, BlockedError)) as info:
        source.parse(fetched)
    message = str(info.value)
    assert message.startswith("source 'fault': ")
    assert "\n" not in message and len(message) < 1000
