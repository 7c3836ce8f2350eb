"""Toutiao hot-board plugin: golden parse of a hand-made fixture (no recorded response
exists), error shapes, and a fetch through a real local server."""

from __future__ import annotations

from pathlib import Path

import pytest
from hotspot.sources.toutiao import ToutiaoSource

from hotspot.errors import ParseError
from hotspot.models import RawItem

from .conftest import fetch_and_parse, fetched_from_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "toutiao"
ICON = "https://p3.toutiaoimg.com/label.png"


def parse(name: str) -> list[RawItem]:
    return ToutiaoSource("toutiao").parse(fetched_from_file(FIXTURES / name))


def trending(n: int) -> str:
    return f"https://www.toutiao.com/trending/747300000000000000{n}/?rank=1&log_from=x"


def extras(n: int, code: str, desc: str) -> dict:
    return {
        "label_code": code,
        "label_desc": desc,
        "label_icon": ICON,
        "image": f"https://p3.toutiaoimg.com/747300000000000000{n}.jpeg",
    }


def test_hot_board_golden():
    assert parse("hot_board.json") == [
        RawItem(
            title="置顶：两会特别报道",
            url="https://www.toutiao.com/special/x/",
            rank=None,
            pinned=True,
            extras={"image": "https://p3.toutiaoimg.com/top.jpeg"},
        ),
        RawItem(
            title="民营企业座谈会召开",
            url=trending(1),
            rank=1,
            heat=42_180_531,
            heat_raw="42180531",
            label="热",
            category="politics",
            key="7473000000000000001",
            extras=extras(1, "hot", "热门事件"),
        ),
        RawItem(
            title="新事件上榜测试",
            url=trending(2),
            rank=2,
            heat=3_560_000,
            heat_raw="3560000",
            label="新",
            key="7473000000000000002",
            extras=extras(2, "new", "新事件上榜"),
        ),
        RawItem(
            title="网传某地停课不实",
            url=trending(3),
            rank=3,
            heat=12_000,
            heat_raw="1.2万",
            label="辟谣",
            key="7473000000000000003",
            extras=extras(3, "refuse", "辟谣"),
        ),
        # position 4 has no Title: skipped, and rank 4 stays unused
        RawItem(
            title="解读类条目",
            url=trending(5),
            rank=5,
            heat=None,
            heat_raw=None,
            label="解读",
            category="finance",
            key="7473000000000000005",
            extras=extras(5, "interpretation", "解读"),
        ),
    ]


def test_status_error_is_a_parse_error_quoting_it():
    with pytest.raises(ParseError, match="status 'error'.*system busy"):
        parse("status_error.json")


def test_errno_answer_names_the_platform_error_code():
    with pytest.raises(ParseError, match=r"errno 10000 \(params error\)"):
        parse("errno_empty.json")


def test_changed_shape_names_what_is_missing():
    with pytest.raises(ParseError, match=r"no data\[\].*keys: result, status"):
        parse("changed_shape.json")


def test_html_body_is_a_parse_error():
    from hotspot.models import Fetched

    fetched = Fetched(source="t", url="http://x", content=b"<html>verify</html>")
    with pytest.raises(ParseError, match="got HTML"):
        ToutiaoSource("toutiao").parse(fetched)


def test_fetch_from_local_server(serve_file):
    url = serve_file(FIXTURES / "hot_board.json", uri="/hot-event/hot-board/")
    _, items = fetch_and_parse(ToutiaoSource("toutiao", url=url), url)
    assert [(i.rank, i.pinned) for i in items] == [
        (None, True),
        (1, False),
        (2, False),
        (3, False),
        (5, False),
    ]
