"""Generic JSON-list plugin: zero-option DailyHotApi, newsnow, custom paths, paths that lead
nowhere, and a fetch through a real local server."""

from __future__ import annotations

from pathlib import Path

import pytest
from hotspot.sources.jsonlist import JsonListSource, get_path

from hotspot.errors import ParseError
from hotspot.models import Fetched, RawItem

from .conftest import fetch_and_parse, fetched_from_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "jsonlist"
CUSTOM = {
    "items": "result.board.entries",
    "title": "name.zh",
    "url": "link",
    "heat": "score",
    "rank": "pos",
    "key": "uid",
    "category": "tag",
    "summary": "brief",
}


def parse(name: str, options: dict | None = None) -> list[RawItem]:
    return JsonListSource("agg", url="http://127.0.0.1/x", options=options).parse(
        fetched_from_file(FIXTURES / name)
    )


def body(text: str, options: dict | None = None) -> list[RawItem]:
    fetched = Fetched(source="agg", url="http://127.0.0.1/x", content=text.encode())
    return JsonListSource("agg", options=options).parse(fetched)


def test_dailyhotapi_with_no_options():
    assert parse("dailyhot.json") == [
        RawItem(
            title="哪吒2票房破百亿",
            url="https://s.weibo.com/weibo?q=%23a%23",
            rank=1,
            heat=1_854_000,
            heat_raw="1854000",
            summary="影片表现亮眼",
            key="a1",
        ),
        RawItem(
            title="只有移动端链接",
            url="https://m.weibo.cn/search?q=b",
            rank=2,
            heat=3_560_000,
            heat_raw="356万",
            key="a2",
        ),
        # an empty title is skipped; a relative url is dropped, a number key becomes text
        RawItem(title="热度为空", url=None, rank=4, key="4"),
    ]


def test_newsnow_with_no_options():
    assert parse("newsnow.json") == [
        RawItem(
            title="newsnow 第一条",
            url="https://www.zhihu.com/question/1",
            rank=1,
            heat=18_540_000,
            heat_raw="1854 万热度",
            summary="摘要一",
            key="q1",
        ),
        RawItem(title="newsnow 第二条", url="https://www.zhihu.com/question/2", rank=2, key="q2"),
    ]


def test_aggregator_ads_and_pinned_markers_are_read_by_default():
    items = parse("dailyhot_ads_pinned.json")
    assert [(i.rank, i.title, i.pinned, i.is_ad) for i in items] == [
        (None, "全国秋粮收获进度过半", True, False),
        (1, "猫咖开业排长队", False, False),
        (None, "猫粮新品限时五折", False, True),
        (2, "流浪猫救助站求助", False, False),
        (None, "宠物医院开业", False, True),
    ]


def test_configured_ad_and_pinned_paths():
    body = b'{"list":[{"t":"a","meta":{"sponsor":"yes"}},{"t":"b","meta":{"top":1}},{"t":"c"}]}'
    source = JsonListSource(
        "agg",
        url="http://x",
        options={"items": "list", "title": "t", "ad": "meta.sponsor", "pinned": "meta.top"},
    )
    items = source.parse(Fetched(source="agg", url="http://x", content=body))
    assert [(i.title, i.rank, i.is_ad, i.pinned) for i in items] == [
        ("a", None, True, False),
        ("b", None, False, True),
        ("c", 1, False, False),
    ]
    # a configured marker path that matches no entry is normal (most polls have no ad)
    plain = JsonListSource(
        "agg", url="http://x", options={"items": "list", "title": "t", "ad": "nowhere"}
    )
    assert len(plain.parse(Fetched(source="agg", url="http://x", content=body))) == 3


def test_custom_paths():
    assert parse("custom.json", CUSTOM) == [
        RawItem(
            title="自定义一",
            url="https://example.com/1",
            rank=3,
            heat=12_000,
            heat_raw="1.2万",
            summary="简介",
            key="77",
            category="科技",
        ),
        RawItem(
            title="自定义二",
            url="https://example.com/2",
            rank=1,
            heat=15,
            heat_raw="15",
            key="78",
            category="财经",
        ),
    ]


def test_root_list_and_index_paths():
    items = body('[{"t": ["a", "甲"]}, {"t": ["b", "乙"]}]', {"items": ".", "title": "t.1"})
    assert [(i.title, i.rank) for i in items] == [("甲", 1), ("乙", 2)]


def test_items_path_leading_nowhere_names_the_path():
    with pytest.raises(
        ParseError,
        match=r"items path 'result\.list' leads to nothing.*"
        r"keys result",
    ):
        parse("custom.json", {**CUSTOM, "items": "result.list"})


def test_items_path_to_a_non_list_says_what_it_found():
    with pytest.raises(ParseError, match="'result.board' leads to an object, not a list"):
        parse("custom.json", {**CUSTOM, "items": "result.board"})


def test_configured_field_path_leading_nowhere_names_the_path():
    with pytest.raises(ParseError, match=r"heat path 'scores' leads nowhere in any of the 2"):
        parse("custom.json", {**CUSTOM, "heat": "scores"})
    with pytest.raises(ParseError, match=r"title path 'name\.en' leads nowhere"):
        parse("custom.json", {**CUSTOM, "title": "name.en"})


def test_no_default_list_asks_for_the_items_option():
    with pytest.raises(ParseError, match="no entry list at 'data' or 'items'.*set the 'items'"):
        parse("custom.json")


def test_error_code_is_a_parse_error():
    with pytest.raises(ParseError, match="code 500.*获取失败"):
        parse("error_code.json")
    with pytest.raises(ParseError, match="status 'error'"):
        body('{"status": "error", "message": "x", "items": []}')


def test_no_titles_is_no_entries():
    with pytest.raises(ParseError, match="no entries.*'title'"):
        body('{"data": [{"name": "x"}, {"title": null}]}')


def test_platform_option_and_default():
    assert JsonListSource("myagg", url="http://x").platform == "myagg"
    assert JsonListSource("myagg", url="http://x", options={"platform": "微博"}).platform == "微博"
    assert JsonListSource.requires_url is True


def test_get_path():
    data = {"a": [{"b": 1}, {"b": None}], "c": {"0": "key"}}
    assert get_path(data, "a.0.b") == 1
    assert get_path(data, "a.-1.b") is None
    assert get_path(data, "c.0") == "key"
    missing = get_path(data, "a.5.b")
    assert missing is get_path(data, "x") and missing is not None


def test_fetch_from_local_server(serve_file):
    url = serve_file(FIXTURES / "dailyhot.json", uri="/weibo")
    _, items = fetch_and_parse(JsonListSource("agg", url=url), url)
    assert [i.title for i in items] == ["哪吒2票房破百亿", "只有移动端链接", "热度为空"]
