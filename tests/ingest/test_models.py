"""Data models: decoding bodies whose charset the server did not declare."""

from __future__ import annotations

from hotspot.models import Fetched


def test_fetched_text_detects_undeclared_chinese_encodings():
    assert Fetched("s", "u", "微博热搜".encode("gbk")).text() == "微博热搜"
    assert Fetched("s", "u", "微博热搜".encode("utf-16")).text() == "微博热搜"
    # a declared charset wins, even when it is wrong (the platform said so)
    assert Fetched("s", "u", "微博热搜".encode(), encoding="latin-1").text() != "微博热搜"
