"""Bilibili hot-word plugin: golden parse of a hand-made fixture (no recorded response
exists), error shapes, and a fetch through a real local server."""

from __future__ import annotations

from pathlib import Path

import pytest
from hotspot.sources.bilibili import BilibiliSource

from hotspot.errors import BlockedError, ParseError
from hotspot.models import RawItem

from .conftest import fetch_and_parse, fetched_from_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bilibili"
SEARCH = "https://search.bilibili.com/all?keyword="


def parse(name: str) -> list[RawItem]:
    return BilibiliSource("bili").parse(fetched_from_file(FIXTURES / name))


def test_hotword_golden():
    assert parse("hotword.json") == [
        RawItem(
            title="哪吒2票房破百亿",
            url=SEARCH + "%E5%93%AA%E5%90%922%E7%A5%A8%E6%88%BF",
            rank=1,
            heat=7_850_221,
            heat_raw="7850221",
            label="热",
            key="1001",
            extras={
                "keyword": "哪吒2票房",
                "word_type": 5,
                "icon": "https://i0.hdslb.com/bfs/hot.png",
            },
        ),
        RawItem(
            title="新番开播",
            url=SEARCH + "%E6%96%B0%E7%95%AA%E5%BC%80%E6%92%AD",
            rank=2,
            heat=3_560_000,
            heat_raw="356万",
            label="新",
            key="1002",
            extras={"word_type": 4},
        ),
        # no show_name: the keyword is the title; no heat_score: score is the heat
        RawItem(
            title="只有关键词",
            url=SEARCH + "%E5%8F%AA%E6%9C%89%E5%85%B3%E9%94%AE%E8%AF%8D",
            rank=3,
            heat=800,
            heat_raw="800",
            key="1003",
            extras={"word_type": 8},
        ),
        RawItem(
            title="某游戏新版本上线",
            url=SEARCH + "%E6%9F%90%E6%B8%B8%E6%88%8F%E6%96%B0%E7%89%88%E6%9C%AC",
            rank=5,
            heat=700,
            heat_raw="700",
            is_ad=True,
            key="1005",
            extras={"keyword": "某游戏新版本", "word_type": 8},
        ),
    ]


def test_nonzero_code_is_a_parse_error_quoting_the_message():
    with pytest.raises(ParseError, match="code -412.*请求被拦截"):
        parse("code_error.json")


def test_changed_shape_names_what_is_missing():
    with pytest.raises(ParseError, match=r"no list\[\].*keys: code, data"):
        parse("changed_shape.json")


def test_fetch_from_local_server(serve_file):
    url = serve_file(FIXTURES / "hotword.json", uri="/main/hotword")
    _, items = fetch_and_parse(BilibiliSource("bili", url=url), url)
    assert [i.rank for i in items] == [1, 2, 3, 5]


def test_412_from_local_server_is_an_http_error(serve_file):
    from hotspot.errors import HTTPStatusError

    url = serve_file(FIXTURES / "code_error.json", uri="/main/hotword", status=412)
    with pytest.raises(HTTPStatusError) as info:
        fetch_and_parse(BilibiliSource("bili", url=url), url)
    assert info.value.status == 412 and not isinstance(info.value, BlockedError)
