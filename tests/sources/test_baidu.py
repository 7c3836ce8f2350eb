"""Baidu board plugin: golden parses of hand-made fixtures, the recorded API responses in
../shared (conformance), error shapes, and a fetch through a real local server."""

from __future__ import annotations

from pathlib import Path

import pytest
from hotspot.sources.baidu import API_URL, PAGE_URL, BaiduSource

from hotspot.errors import ParseError
from hotspot.models import Fetched, RawItem

from .conftest import fetch_and_parse, fetched_from_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "baidu"


def parse(name: str) -> list[RawItem]:
    return BaiduSource("baidu").parse(fetched_from_file(FIXTURES / name))


EXPECTED = [
    RawItem(
        title="置顶要闻测试",
        url="https://www.baidu.com/s?wd=%E7%BD%AE%E9%A1%B6%E8%A6%81%E9%97%BB%E6%B5%8B%E8%AF%95",
        rank=None,
        heat=7999393,
        heat_raw="7999393",
        summary="置顶摘要",
        pinned=True,
        extras={"hot_tag": "0", "hot_change": "same", "img": "https://img.example/top.png"},
    ),
    RawItem(
        title="@纳税人 这笔钱别忘领",
        url="https://www.baidu.com/s?wd=%40%E7%BA%B3%E7%A8%8E"
        "%E4%BA%BA+%E8%BF%99%E7%AC%94%E9%92%B1%E5%88%AB%E5%BF%98%E9%A2%86",
        rank=1,
        heat=7906715,
        heat_raw="7906715",
        label="热",
        summary="个税汇算正式开始。",
        extras={"hot_tag": "3", "hot_tag_img": "https://img.example/hot.png", "hot_change": "same"},
    ),
    RawItem(
        title="新上榜词条",
        url="https://www.baidu.com/s?wd=%E6%96%B0%E4%B8%8A%E6%A6%9C+%E8%AF%8D%E6%9D%A1",
        rank=2,
        heat=3_560_000,
        heat_raw="356万",
        label="新",
        extras={"hot_tag": "1", "query": "新上榜 词条"},
    ),
    RawItem(
        title="没有标题只有查询",
        url="https://www.baidu.com/s?wd=%E6%B2%A1%E6%9C%89%E6%A0"
        "%87%E9%A2%98%E5%8F%AA%E6%9C%89%E6%9F%A5%E8%AF%A2",
        rank=3,
        heat=100,
        heat_raw="100",
        summary="word 缺失时用 query",
    ),
    RawItem(
        title="热度缺失且无序号",
        url="https://www.baidu.com/s?wd=%E7%83%AD%E5%BA%A6%E7%BC"
        "%BA%E5%A4%B1%E4%B8%94%E6%97%A0%E5%BA%8F%E5%8F%B7",
        rank=5,
        extras={"hot_tag": "4"},
    ),
    RawItem(
        title="热度累计中词条",
        url="https://www.baidu.com/s?wd=%E7%83%AD%E5%BA%A6%E7%B4"
        "%AF%E8%AE%A1%E4%B8%AD%E8%AF%8D%E6%9D%A1",
        rank=6,
        heat=None,
        heat_raw="热度累计中",
        extras={"hot_tag": "5"},
    ),
]


def test_api_json_golden():
    assert parse("board_api.json") == EXPECTED


def test_html_page_with_s_data_gives_the_same_items():
    assert parse("board_page.html") == EXPECTED


def test_page_pinned_row_inside_content_is_pinned_not_rank_1():
    items = parse("board_page_istop.html")
    assert [(i.rank, i.title, i.pinned, i.label) for i in items] == [
        (None, "置顶要闻", True, None),
        (1, "开学第一课", False, "热"),
        (2, "台风最新路径", False, "新"),
    ]
    assert items[1].heat == 7_906_715


def test_html_is_recognised_by_content_not_url():
    body = (FIXTURES / "board_page.html").read_bytes()
    fetched = Fetched(source="baidu", url=API_URL, content=body, encoding="utf-8")
    assert BaiduSource("baidu").parse(fetched) == EXPECTED


def test_success_false_is_a_clear_parse_error():
    with pytest.raises(ParseError, match="success:false.*参数错误"):
        parse("success_false.json")


def test_changed_shape_names_the_missing_cards():
    with pytest.raises(ParseError, match=r"no data\.cards.*top-level keys: data, success"):
        parse("changed_shape.json")


def test_empty_board_is_a_parse_error_not_an_empty_list():
    with pytest.raises(ParseError, match="no entries"):
        parse("empty_content.json")


def test_html_without_s_data_says_what_came_back_but_not_the_body():
    fetched = Fetched(
        source="baidu", url=PAGE_URL, content="<html><body>百度安全验证</body></html>".encode()
    )
    with pytest.raises(
        ParseError, match="expected baidu board JSON, got HTML.*-character body"
    ) as e:
        BaiduSource("baidu").parse(fetched)
    assert "百度安全验证" not in str(e.value)  # bodies never reach errors (pushes, mails)


def test_endpoints_try_the_api_first_then_the_page():
    assert BaiduSource("baidu").urls() == [API_URL, PAGE_URL]
    assert BaiduSource("baidu", url="http://127.0.0.1/x").urls() == ["http://127.0.0.1/x"]


def test_fetch_from_local_server(serve_file):
    url = serve_file(FIXTURES / "board_page.html", uri="/board", content_type="text/html")
    fetched, items = fetch_and_parse(BaiduSource("baidu", url=url), url)
    assert fetched.status == 200
    assert items == EXPECTED


# -- conformance against recorded responses (../shared) -----------------------------------

SHARED_EXPECTED = {
    # file: (pinned title, pinned heat, rank-1 title, rank-1 heat, rank-50 title, labels 热/新)
    "api_board_realtime_20250220T1223.json": (
        "大显身手正当其时",
        7999393,
        "@纳税人 这笔钱别忘领",
        7906715,
        "布雷斯特主帅：有能力逆转大巴黎",
        4,
        0,
    ),
    "api_board_realtime_20250310T2323.json": (
        "总书记的两会“关心事”",
        7928337,
        "中方回应菲前总统杜特尔特携女访港",
        7940972,
        "印度男孩患多毛症 面部95%被覆盖",
        13,
        1,
    ),
}


@pytest.mark.shared
def test_every_recorded_baidu_file_is_known(shared_dir):
    names = {p.name for p in (shared_dir / "fixtures" / "baidu").iterdir()}
    assert names == set(SHARED_EXPECTED)


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(SHARED_EXPECTED))
def test_recorded_board_parses_exactly(shared_dir, name):
    pinned_title, pinned_heat, first_title, first_heat, last_title, hot, new = SHARED_EXPECTED[name]
    items = BaiduSource("baidu").parse(fetched_from_file(shared_dir / "fixtures" / "baidu" / name))
    assert len(items) == 51
    pinned, ranked = items[0], items[1:]
    assert (pinned.pinned, pinned.rank, pinned.title, pinned.heat) == (
        True,
        None,
        pinned_title,
        pinned_heat,
    )
    assert [i.rank for i in ranked] == list(range(1, 51))
    assert not any(i.pinned for i in ranked)
    assert (ranked[0].title, ranked[0].heat) == (first_title, first_heat)
    assert ranked[-1].title == last_title and ranked[-1].heat == 3_100_000
    assert sum(i.label == "热" for i in items) == hot
    assert sum(i.label == "新" for i in items) == new
    assert all(i.url.startswith("https://www.baidu.com/s?wd=") for i in items)
    assert all(isinstance(i.heat, int) and i.heat > 0 for i in items)


@pytest.mark.shared
def test_recorded_urls_equal_baidus_raw_url(shared_dir):
    import json

    for path in sorted((shared_dir / "fixtures" / "baidu").iterdir()):
        card = json.loads(path.read_bytes())["data"]["cards"][0]
        raw_urls = [row["rawUrl"] for row in card["topContent"] + card["content"]]
        items = BaiduSource("baidu").parse(fetched_from_file(path))
        assert [i.url for i in items] == raw_urls
