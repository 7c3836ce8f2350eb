"""Zhihu plugin: golden parses (current and older API shape, the topsearch page), the
recorded responses in ../shared (conformance), block and changed-shape answers, and a
fetch through a real local server."""

from __future__ import annotations

from pathlib import Path

import pytest
from hotspot.sources.zhihu import API_URL, ZhihuSource

from hotspot.errors import BlockedError, ParseError
from hotspot.models import Fetched, RawItem

from .conftest import fetch_and_parse, fetched_from_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "zhihu"
Q = "https://www.zhihu.com/question/"


def parse(name: str, url: str = "http://127.0.0.1/x") -> list[RawItem]:
    return ZhihuSource("zhihu").parse(fetched_from_file(FIXTURES / name, url=url))


def test_hot_list_golden():
    assert parse("hot_list.json") == [
        RawItem(
            title="苹果推出 iPhone 16e，哪些亮点值得关注？",
            url=Q + "100000",
            rank=1,
            heat=18_540_000,
            heat_raw="1854 万热度",
            summary="摘要",
            key="Q_100000",
            extras={"answer_count": 525},
        ),
        RawItem(
            title="新上榜的问题",
            url=Q + "100001",
            rank=2,
            heat=3_560_000,
            heat_raw="356 万热度",
            label="新",
            summary="摘要",
            key="Q_100001",
            extras={"answer_count": 10},
        ),
        RawItem(
            title="热度还在累计的问题",
            url=Q + "100002",
            rank=3,
            heat=None,
            heat_raw="热度累计中",
            key="Q_100002",
            extras={"answer_count": 10},
        ),
        # the row at position 4 has an empty title: skipped, and its slot is kept
        RawItem(
            title="最后一个问题",
            url=Q + "100004",
            rank=5,
            heat=120_000_000,
            heat_raw="1.2亿热度",
            summary="摘要",
            key="Q_100004",
            extras={"answer_count": 10},
        ),
    ]


def test_older_api_shape_golden():
    assert parse("hot_list_old.json") == [
        RawItem(
            title="旧格式的问题",
            url=Q + "2001",
            rank=1,
            heat=7_030_000,
            heat_raw="703 万热度",
            summary="旧格式摘要",
            key="Q_2001",
            extras={"answer_count": 5},
        ),
        RawItem(
            title="旧格式第二个",
            url=Q + "2002",
            rank=2,
            heat=None,
            heat_raw="热度累计中",
            key="Q_2002",
        ),
    ]


def test_topsearch_page_golden():
    search = "https://www.zhihu.com/search?type=content&q="
    assert parse("topsearch_page.html") == [
        RawItem(title="小说推文", url=search + "%E5%B0%8F%E8%AF%B4%E6%8E%A8%E6%96%87", rank=1),
        RawItem(
            title="《哪吒 2》票房",
            url=search + "%E5%93%AA%E5%90%922%20%E7%A5%A8%E6%88%BF",
            rank=2,
            label="新",
            summary="票房破百亿",
            extras={"query": "哪吒2 票房"},
        ),
        RawItem(title="带跳转链接的热搜", url=Q + "123", rank=4, extras={"query": "跳转"}),
    ]


def test_shape_is_recognised_by_content_not_url():
    assert parse("topsearch_page.html", url=API_URL)[0].title == "小说推文"


def test_error_40362_is_blocked():
    with pytest.raises(BlockedError, match="40362.*限制本次访问"):
        parse("error_40362.json")


def test_unhuman_page_is_blocked():
    with pytest.raises(BlockedError, match="anti-bot"):
        parse("unhuman_page.html")


def test_html_without_initial_data_says_what_came_back_but_not_the_body():
    with pytest.raises(ParseError, match="got HTML without js-initialData.*-character body") as e:
        parse("login_page.html")
    assert "有问题，就会有答案" not in str(e.value)


def test_changed_shape_names_what_is_missing():
    with pytest.raises(ParseError, match=r"no data\[\].*keys: list, paging"):
        parse("changed_shape.json")


def test_rows_without_titles_only_is_no_entries():
    fetched = Fetched(source="zhihu", url="http://x", content=b'{"data": [{"target": {}}, 3]}')
    with pytest.raises(ParseError, match="no entries"):
        ZhihuSource("zhihu").parse(fetched)


def test_fetch_from_local_server(serve_file):
    url = serve_file(FIXTURES / "hot_list.json", uri="/api/v3/feed/topstory/hot-lists/total")
    _, items = fetch_and_parse(ZhihuSource("zhihu", url=url), url)
    assert [i.rank for i in items] == [1, 2, 3, 5]
    assert items[0].heat == 18_540_000


def test_blocked_status_from_local_server(serve_file):
    url = serve_file(FIXTURES / "error_40362.json", uri="/hot", status=403)
    with pytest.raises(BlockedError):
        fetch_and_parse(ZhihuSource("zhihu", url=url), url)


# -- conformance against recorded responses (../shared) -----------------------------------

HOT_LISTS = {
    "hot_lists_total_20250220T1213.json": [
        (
            1,
            "苹果推出 iPhone 16e，起售价 4499 元起，哪些亮点值得关注？",
            10_600_000,
            "Q_12758269601",
            525,
        ),
        (
            3,
            "23 岁小伙每天超 8 小时赶论文，结果血栓了，为什么会出现这种情况？日常生活如何预防血栓？",
            4_390_000,
            "Q_12207491195",
            91,
        ),
        (30, "你在研究生期间学到最有用的东西是什么？", 590_000, "Q_305420605", 32),
    ],
    "hot_lists_total_20250506T1910.json": [
        (
            1,
            "贵州游船侧翻事故中，另一船人全员获救，船长的哪些操作很关键？",
            18_540_000,
            "Q_1902702974792364470",
            78,
        ),
        (
            3,
            "胖东来关闭官网，工作人员称临时关闭，不清楚何时恢复，如何看待胖东来与柴怼怼风波的"
            "发展？此事会如何收尾？",
            3_560_000,
            "Q_1903062208927200165",
            41,
        ),
        (30, "程序员每天会阅读哪些技术网站来提升自己?", 630_000, "Q_629894384", 225),
    ],
}
SUMMARIES = {"hot_lists_total_20250220T1213.json": 24, "hot_lists_total_20250506T1910.json": 22}
TOPSEARCH = "topsearch_page_20250220T1213.html"


@pytest.mark.shared
def test_every_recorded_zhihu_file_is_known(shared_dir):
    names = {p.name for p in (shared_dir / "fixtures" / "zhihu").iterdir()}
    assert names == set(HOT_LISTS) | {TOPSEARCH}


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(HOT_LISTS))
def test_recorded_hot_list_parses_exactly(shared_dir, name):
    items = ZhihuSource("zhihu").parse(fetched_from_file(shared_dir / "fixtures" / "zhihu" / name))
    assert len(items) == 30
    assert [i.rank for i in items] == list(range(1, 31))
    assert not any(i.pinned or i.is_ad or i.label for i in items)
    for rank, title, heat, key, answers in HOT_LISTS[name]:
        item = items[rank - 1]
        assert (item.title, item.heat, item.key) == (title, heat, key)
        assert item.url == Q + key[2:]
        assert item.extras["answer_count"] == answers
    assert sum(i.summary is not None for i in items) == SUMMARIES[name]  # some are empty
    heats = [i.heat for i in items]
    assert heats == sorted(heats, reverse=True)


@pytest.mark.shared
def test_recorded_topsearch_page_parses_exactly(shared_dir):
    items = ZhihuSource("zhihu").parse(
        fetched_from_file(shared_dir / "fixtures" / "zhihu" / TOPSEARCH)
    )
    assert len(items) == 29
    assert [i.rank for i in items] == list(range(1, 30))
    assert items[0].title == "小说推文"
    assert items[20].title == "美国飞机又出事故"
    assert items[-1].title == "黄金高位跳水"
    assert items[25].title == "王健林 7702 万股权被冻结"
    assert all(i.heat is None and i.label is None for i in items)
    assert all(i.url.startswith("https://www.zhihu.com/search?type=content&q=") for i in items)
