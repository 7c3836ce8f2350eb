"""Weibo hot search: golden parses of our own fixtures, conformance on ../shared recordings,
and fetches through the real HTTP client from a local server."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from hotspot.sources.weibo import (
    MOBILE_API_URL,
    PC_AJAX_URL,
    SUMMARY_URL,
    WeiboHotSearch,
    headers_for,
    search_url,
)

from hotspot.errors import BlockedError, ParseError, SourceError
from hotspot.models import Fetched, RawItem
from tests.sources.conftest import fetch_and_parse, fetched_from_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "weibo"


def parse_file(name: str, url: str = "http://127.0.0.1/x") -> list[RawItem]:
    return WeiboHotSearch("weibo").parse(fetched_from_file(FIXTURES / name, "weibo", url))


def parse_bytes(body: bytes, encoding: str | None = None) -> list[RawItem]:
    return WeiboHotSearch("weibo").parse(
        Fetched(source="weibo", url="http://127.0.0.1/x", content=body, encoding=encoding)
    )


def q(query: str) -> str:
    return "https://s.weibo.com/weibo?q=" + quote(query, safe="")


def summary(items: list[RawItem]) -> list[tuple]:
    return [(i.rank, i.title, i.heat, i.category, i.label, i.pinned, i.is_ad) for i in items]


# Golden tests on our own fixtures ----------------------------------------------------------


def test_pc_ajax_json_golden():
    items = parse_file("pc_ajax_hotsearch.json")
    assert summary(items) == [
        (None, "两会今日看点", None, None, "热", True, False),
        (1, "春晚节目单公布", 1203456, "综艺", "新", False, False),
        (2, "苹果新品发布会", 845210, "数码", "热", False, False),
        (None, "某品牌新车上市", None, None, "荐", False, True),  # num 0: unknown
        (3, "庆余年2定档", 598919, "剧集", "爆", False, False),
        (4, "台风路径", 12000, None, "沸", False, False),
    ]
    assert [i.url for i in items] == [
        q("#两会今日看点#"),
        q("#春晚节目单公布#"),
        q("#苹果新品发布会#"),
        q("#某品牌新车上市#"),
        q("#庆余年2定档#"),
        q("#台风路径#"),
    ]
    # the pinned row keeps the platform's own link; a note that differs from the word is kept
    assert items[0].url == (
        "https://s.weibo.com/weibo?q=%23%E4%B8%A4%E4%BC%9A%E4%BB%8A%E6%97%A5%E7%9C%8B%E7%82%B9%23"
    )
    assert items[2].summary == "苹果新品发布会 9月10日举行"
    assert items[1].summary is None
    assert items[5].heat_raw == "1.2万"
    # the last row has no realpos: its 0-based "rank" 3 gives rank 4
    assert items[5].extras["raw_rank"] == 3
    assert items[1].extras["raw_category"] == "综艺,晚会"


def test_pc_ajax_pinned_topic_listed_in_hotgov_and_hotgovs_is_one_item():
    # The live endpoint describes its pinned topic twice: hotgov (mid, url, note, stime) and
    # hotgovs[0] (badge fields only). One item per topic, with the richer copy's fields.
    items = parse_file("pc_ajax_hotgov_twice.json")
    assert summary(items) == [
        (None, "全国秋粮收获进度过半", None, None, "热", True, False),
        (None, "第二条置顶话题", None, None, None, True, False),
        (1, "高铁站回应行李被误拿", 1189449, None, "新", False, False),
        (2, "秋天的第一场雨", 845210, None, None, False, False),
    ]
    assert items[0].extras["mid"] == "5172783836303111"
    assert items[0].extras["flag"] == 2
    # the post URL in hotgov is not a search link: the topic search is used
    assert items[0].url == q("#全国秋粮收获进度过半#")


def test_mobile_json_golden():
    items = parse_file("mobile_getindex.json")
    assert summary(items) == [
        (None, "感悟总书记对民企发展的关怀", None, None, "热", True, False),
        (1, "浪姐6站位", 2064550, "综艺", "新", False, False),
        (2, "乌克兰", 1177780, None, "爆", False, False),
        (None, "尊界S800顶尖科技盘点", None, None, None, False, True),
        (3, "哪吒2票房", 12000, "电影", None, False, False),
        (4, "上汽奥迪A5L公告图发布", 410368, None, None, False, True),
    ]
    urls = [i.url for i in items]
    assert urls == [
        q("#感悟总书记对民企发展的关怀#"),
        q("#浪姐6站位#"),
        q("乌克兰"),
        q("#尊界S800顶尖科技盘点#"),
        q("#哪吒2票房#"),
        q("#上汽奥迪A5L公告图发布#"),
    ]
    assert items[1].heat_raw == "综艺 2064550"
    # unmapped badges are kept raw
    assert items[5].extras["flag"] == 32768
    assert items[3].extras["icon"].endswith("search_ads_%E9%A6%96%E5%8F%91.png")
    # the "实时上升热点" card is another list and is not read
    assert "不该出现的上升热点" not in [i.title for i in items]


def test_pc_table_html_golden():
    items = parse_file("summary_pc_table.html")
    assert summary(items) == [
        (None, "两会今日看点", None, None, None, True, False),
        (1, "庆余年2定档", 598919, "剧集", "新", False, False),
        (None, "某品牌新车上市", None, None, "荐", False, True),
        (2, "台风 路径", 12000, None, "热", False, False),
        (3, "春晚", 3560000, None, "沸", False, False),
    ]
    assert [i.url for i in items] == [
        q("#两会今日看点#"),
        q("#庆余年2定档#"),
        q("#某品牌新车上市#"),
        q("台风 路径"),
        q("#春晚#"),
    ]
    assert items[1].heat_raw == "剧集 598919"


def test_h5_html_golden():
    items = parse_file("summary_h5.html")
    assert summary(items) == [
        (None, "全国政协会议议程来了", None, None, "热", True, False),
        (1, "张小斐手腕全程戴着红绳", 3946876, None, "沸", False, False),
        (2, "沈腾 成团第一天", 256000, "电影", "新", False, False),
        (None, "某游戏公测", None, None, "荐", False, True),
        (3, "南方回潮", 100589, None, None, False, False),
    ]
    assert [i.url for i in items] == [
        q("#全国政协会议议程来了#"),
        q("#张小斐手腕全程戴着红绳#"),
        q("沈腾 成团第一天"),
        q("#某游戏公测#"),
        q("#南方回潮#"),
    ]


def test_visitor_page_is_a_block_not_an_empty_list():
    fetched = Fetched(
        source="weibo",
        url="http://127.0.0.1/x",
        content=(FIXTURES / "visitor_system.html").read_bytes(),
        status=200,
    )
    with pytest.raises(BlockedError, match="visitor system") as info:
        WeiboHotSearch("weibo").parse(fetched)
    assert info.value.status == 200
    assert info.value.source == "weibo"


def test_ok0_is_a_parse_error_with_the_platform_message():
    with pytest.raises(
        ParseError,
        match=r"weibo answered ok:0 \(这里还没有内容\): endpoint no "
        r"longer serves the hot list",
    ):
        parse_file("ok0_empty.json")


def test_login_required_answer_is_a_block():
    body = b'{"ok":-100,"url":"https://weibo.com/login.php?url=https%3A%2F%2Fweibo.com"}'
    with pytest.raises(BlockedError, match="login required"):
        parse_bytes(body)


def test_changed_shape_names_what_came_back():
    with pytest.raises(ParseError, match=r"unknown Weibo JSON .*data keys \['hot_list'\]"):
        parse_file("changed_shape.json")


@pytest.mark.parametrize(
    "body, message",
    [
        (b"", "expected Weibo JSON or HTML"),
        (b"Service Unavailable", "expected Weibo JSON or HTML"),
        (b"[1, 2, 3]", "expected a JSON object"),
        (b'{"ok":1,"data":{"cards":[]}}', "no entries"),
        (b'{"ok":1,"data":{"realtime":[]}}', "no entries"),
        (b'{"ok":1,"data":{"realtime":[{"word":""},{"num":5}]}}', "no entries"),
        (b'{"ok":1,"data":{"cards":[{"card_group":[{"desc":null}]}]}}', "no entries"),
        (
            b"<html><head><title>404 Not Found</title></head><body>gone</body></html>",
            "not a Weibo hot list .*404 Not Found",
        ),
        (b'<ul class="list_a"><li><a href="/x">no span</a></li></ul>', "no entries"),
        (b'{"ok":1,"data":{"realtime":[]', "invalid JSON"),
    ],
)
def test_unknown_or_empty_bodies_raise_parse_error(body, message):
    with pytest.raises(ParseError, match=message):
        parse_bytes(body)


def test_shape_is_recognised_by_content_not_by_url():
    body = (FIXTURES / "summary_h5.html").read_bytes()
    by_html_url = WeiboHotSearch("weibo").parse(Fetched("weibo", SUMMARY_URL, body))
    by_json_url = WeiboHotSearch("weibo").parse(Fetched("weibo", MOBILE_API_URL, body))
    assert by_html_url == by_json_url
    assert by_json_url[1].title == "张小斐手腕全程戴着红绳"


def test_gb18030_page_with_meta_charset_decodes_titles():
    text = (FIXTURES / "summary_pc_table.html").read_text("utf-8")
    body = text.replace('charset="utf-8"', 'charset="gb18030"').encode("gb18030")
    titles = [i.title for i in parse_bytes(body)]
    assert titles == ["两会今日看点", "庆余年2定档", "某品牌新车上市", "台风 路径", "春晚"]


def test_ranked_rows_without_realpos_fall_back_to_position_in_pc_json():
    body = json.dumps(
        {
            "ok": 1,
            "data": {
                "realtime": [
                    {"word": "甲", "num": 3},
                    {"word": "广告", "is_ad": "1"},
                    {"word": "乙", "num": 2},
                ]
            },
        }
    )
    items = parse_bytes(body.encode())
    assert [(i.title, i.rank, i.is_ad) for i in items] == [
        ("甲", 1, False),
        ("广告", None, True),
        ("乙", 2, False),
    ]


def test_search_url_encodes_topic_hashes_and_spaces():
    assert search_url("#浪姐6站位#") == (
        "https://s.weibo.com/weibo?q=%23%E6%B5%AA%E5%A7%906%E7%AB%99%E4%BD%8D%23"
    )
    assert search_url("a b&c") == "https://s.weibo.com/weibo?q=a%20b%26c"


def test_endpoints_and_headers_per_host():
    source = WeiboHotSearch("weibo")
    assert source.urls() == [PC_AJAX_URL, MOBILE_API_URL, SUMMARY_URL]
    mobile = headers_for(MOBILE_API_URL)
    assert "iPhone" in mobile["User-Agent"] and mobile["Referer"].startswith("https://m.weibo.cn/")
    assert headers_for(PC_AJAX_URL)["Referer"] == "https://weibo.com/"
    assert "User-Agent" not in headers_for(PC_AJAX_URL)  # the client's desktop UA fits weibo.com
    assert headers_for(SUMMARY_URL)["Referer"] == "https://s.weibo.com/"
    assert headers_for("http://127.0.0.1:8000/feed") == WeiboHotSearch.headers


# Through a real local HTTP server ----------------------------------------------------------


def test_fetch_and_parse_mobile_json_served_at_a_pc_ajax_path(serve_file):
    url = serve_file(FIXTURES / "mobile_getindex.json", uri="/ajax/side/hotSearch")
    fetched, items = fetch_and_parse(WeiboHotSearch("weibo"), url)
    assert fetched.status == 200
    assert [i.rank for i in items if i.rank] == [1, 2, 3, 4]
    assert items[1].title == "浪姐6站位" and items[1].category == "综艺"


def test_fetch_and_parse_html_served_at_the_mobile_api_path(serve_file):
    url = serve_file(
        FIXTURES / "summary_pc_table.html",
        uri="/api/container/getIndex",
        content_type="text/html; charset=utf-8",
    )
    _, items = fetch_and_parse(WeiboHotSearch("weibo"), url)
    assert [i.title for i in items if i.rank] == ["庆余年2定档", "台风 路径", "春晚"]


def test_fetch_visitor_page_raises_blocked(serve_file):
    url = serve_file(
        FIXTURES / "visitor_system.html",
        uri="/top/summary",
        content_type="text/html; charset=gb2312",
    )
    with pytest.raises(BlockedError) as info:
        fetch_and_parse(WeiboHotSearch("weibo"), url)
    assert info.value.status == 200


def test_fetch_sends_the_plugin_headers_to_unknown_hosts(httpserver):
    body = (FIXTURES / "pc_ajax_hotsearch.json").read_bytes()
    httpserver.expect_request(
        "/hot", headers={"Referer": WeiboHotSearch.headers["Referer"], "MWeibo-Pwa": "1"}
    ).respond_with_data(body, content_type="application/json")
    _, items = fetch_and_parse(WeiboHotSearch("weibo"), httpserver.url_for("/hot"))
    assert items[1].title == "春晚节目单公布"


# Conformance on the recorded responses in ../shared ----------------------------------------

MOBILE_RECORDINGS = {
    # file: (pinned title, first ranked (title, heat, category), rank-50 title, ad titles)
    "mweibocn_realtimehot_20250220T1224.json": (
        "感悟总书记对民企发展的关怀",
        ("浪姐6站位", 2064550, "综艺"),
        "王楚钦说拖场导致注意力精力下降",
        {"尊界S800顶尖科技盘点", "上汽奥迪A5L公告图发布"},
    ),
    "mweibocn_realtimehot_20250220T2220.json": (
        "保持爱拼会赢的精气神",
        ("章子怡问杨子再见爱人是演的吗", 1749384, "综艺"),
        "崔太洋 鼻子",
        {
            "京东裸眼3D抢先看OPPO折叠有多薄",
            "180天重启计划暖烘烘的剧",
            "苹果换折叠屏至高补贴1800元",
            "苹果电脑被OPPO折叠屏远程控制",
            "极氪001被撞空翻车主安然无恙",
            "亲眼目睹老板人不在工位却操控着一切",
        },
    ),
    "mweibocn_realtimehot_20250310T2324.json": (
        "总书记指导教育工作蕴含辩证法",
        ("哪吒2票房站上149亿", 1089637, "电影"),
        "周鹏啥也没干被罚出去了",
        set(),
    ),
}


@pytest.mark.shared
def test_every_recorded_weibo_file_is_covered(shared_dir):
    names = {p.name for p in (shared_dir / "fixtures" / "weibo").iterdir()}
    covered = (
        set(MOBILE_RECORDINGS)
        | set(H5_RECORDINGS)
        | {
            "mweibocn_topicband_ok0_empty_20250220T0025.json",
            "s_weibo_top_summary_visitor_system_20220102T0031.html",
        }
    )
    assert names == covered


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(MOBILE_RECORDINGS))
def test_recorded_mobile_json(shared_dir, name):
    pinned_title, (first, heat, category), last, ads = MOBILE_RECORDINGS[name]
    items = WeiboHotSearch("weibo").parse(
        fetched_from_file(shared_dir / "fixtures" / "weibo" / name, "weibo")
    )
    ranked = [i for i in items if i.rank is not None]
    assert [i.rank for i in ranked] == list(range(1, 51))
    assert [i.title for i in items if i.pinned] == [pinned_title]
    assert all(i.rank is None and i.heat is None for i in items if i.pinned)
    assert (ranked[0].title, ranked[0].heat, ranked[0].category) == (first, heat, category)
    assert ranked[-1].title == last
    assert {i.title for i in items if i.is_ad} == ads
    assert all(i.heat is not None for i in ranked)
    assert all(i.url and i.url.startswith("https://s.weibo.com/weibo?q=") for i in items)
    assert len(items) == 50 + 1 + sum(1 for i in items if i.is_ad and i.rank is None)


@pytest.mark.shared
def test_recorded_mobile_json_category_and_label_details(shared_dir):
    items = WeiboHotSearch("weibo").parse(
        fetched_from_file(
            shared_dir / "fixtures" / "weibo" / "mweibocn_realtimehot_20250220T1224.json", "weibo"
        )
    )
    by_title = {i.title: i for i in items}
    drama = [i for i in items if i.category == "剧集"]
    assert drama[0].heat == 598919 and drama[0].heat_raw == "剧集 598919"
    assert by_title["感悟总书记对民企发展的关怀"].label == "热"  # flags/2_0.png
    assert by_title["浪姐6站位"].label == "新"  # flags/1_0.png
    assert by_title["上汽奥迪A5L公告图发布"].rank == 16  # a numbered promotion keeps its slot
    assert by_title["尊界S800顶尖科技盘点"].rank is None
    # the pinned row's itemid key has no hashes, its scheme does: the scheme's query wins
    assert by_title["感悟总书记对民企发展的关怀"].url == q("#感悟总书记对民企发展的关怀#")


H5_RECORDINGS = {
    "s_weibo_top_summary_h5_20210301T1224.html": (
        "全国政协会议议程来了",
        ("张小斐手腕全程戴着红绳", 3946876, "热"),
    ),
    "s_weibo_top_summary_h5_20210904T1225.html": (
        "冰封不了的青春",
        ("98年小伙误入传销当街抱交警求助", 1749135, "热"),
    ),
}


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(H5_RECORDINGS))
def test_recorded_h5_html(shared_dir, name):
    pinned_title, (first, heat, label) = H5_RECORDINGS[name]
    items = WeiboHotSearch("weibo").parse(
        fetched_from_file(shared_dir / "fixtures" / "weibo" / name, "weibo")
    )
    assert len(items) == 51
    assert [i.rank for i in items[1:]] == list(range(1, 51))
    assert items[0].pinned and items[0].rank is None and items[0].title == pinned_title
    assert (items[1].title, items[1].heat, items[1].label) == (first, heat, label)
    assert not any(i.is_ad for i in items)
    assert {i.label for i in items} <= {"新", "热", "沸", None}
    assert all(i.heat for i in items[1:])


@pytest.mark.shared
def test_recorded_h5_keeps_plain_keyword_queries_unwrapped(shared_dir):
    items = WeiboHotSearch("weibo").parse(
        fetched_from_file(
            shared_dir / "fixtures" / "weibo" / "s_weibo_top_summary_h5_20210301T1224.html", "weibo"
        )
    )
    third = items[3]
    assert (third.rank, third.title) == (3, "沈腾 成团第一天就爱豆失格")
    assert third.url == q("沈腾 成团第一天就爱豆失格")


@pytest.mark.shared
def test_recorded_visitor_page_is_blocked(shared_dir):
    path = (
        shared_dir / "fixtures" / "weibo" / "s_weibo_top_summary_visitor_system_20220102T0031.html"
    )
    with pytest.raises(BlockedError, match="visitor system"):
        WeiboHotSearch("weibo").parse(fetched_from_file(path, "weibo"))
    # the original wire bytes (GB2312, see PROVENANCE.md) are blocked the same way
    wire = path.read_text("utf-8").encode("latin-1")
    with pytest.raises(BlockedError):
        WeiboHotSearch("weibo").parse(Fetched("weibo", SUMMARY_URL, wire))


@pytest.mark.shared
def test_recorded_ok0_is_a_parse_error(shared_dir):
    path = shared_dir / "fixtures" / "weibo" / "mweibocn_topicband_ok0_empty_20250220T0025.json"
    with pytest.raises(ParseError, match="ok:0"):
        WeiboHotSearch("weibo").parse(fetched_from_file(path, "weibo"))


@pytest.mark.shared
def test_recorded_mobile_json_over_http_at_the_summary_path(shared_dir, serve_file):
    path = shared_dir / "fixtures" / "weibo" / "mweibocn_realtimehot_20250310T2324.json"
    url = serve_file(path, uri="/top/summary", content_type="text/html")
    _, items = fetch_and_parse(WeiboHotSearch("weibo"), url)
    assert [i.rank for i in items if i.rank] == list(range(1, 51))


def test_errors_are_source_errors():
    # the pipeline catches SourceError; both failure kinds of parse must be inside it
    assert issubclass(BlockedError, SourceError) and issubclass(ParseError, SourceError)
