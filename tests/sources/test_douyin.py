"""Douyin plugin: golden parse of a hand-made fixture (no recorded response exists), error
shapes, and the first-visit cookie dance against a real local server that refuses the API
without the cookie."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hotspot.sources.douyin import DouyinSource
from werkzeug import Request, Response

from hotspot.errors import BlockedError, ParseError
from hotspot.ingest.http import HttpClient, HttpSettings
from hotspot.models import Fetched, RawItem

from .conftest import fetch_and_parse, fetched_from_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "douyin"
SEARCH = "https://www.douyin.com/search/"
API_PATH = "/aweme/v1/web/hot/search/list/"
T0 = datetime(2025, 2, 20, 4, 0, tzinfo=UTC)


def parse(name: str) -> list[RawItem]:
    return DouyinSource("douyin").parse(fetched_from_file(FIXTURES / name))


def cover(n: int) -> dict:
    return {"video_count": 12, "cover": f"https://p3.douyinpic.com/{n}.jpeg"}


def test_hot_list_golden():
    assert parse("hot_list.json") == [
        RawItem(
            title="民营企业座谈会",
            url=SEARCH + "%E6%B0%91%E8%90%A5%E4%BC%81%E4%B8%9A%E5%BA%A7%E8%B0%88%E4%BC%9A",
            rank=1,
            heat=11_928_371,
            heat_raw="11928371",
            label="热",
            published=T0,
            key="2000001",
            extras={"label_code": 3, **cover(1)},
        ),
        RawItem(
            title="新剧今晚开播",
            url=SEARCH + "%E6%96%B0%E5%89%A7%E4%BB%8A%E6%99%9A%E5%BC%80%E6%92%AD",
            rank=2,
            heat=9_873_312,
            heat_raw="9873312",
            label="剧集",
            category="剧集",
            published=T0,
            key="2000002",
            extras={"label_code": 11, **cover(2)},
        ),
        RawItem(
            title="某品牌新品",
            url=SEARCH + "%E6%9F%90%E5%93%81%E7%89%8C%E6%96%B0%E5%93%81",
            rank=3,
            heat=8_800_000,
            heat_raw="8800000",
            label="商",
            is_ad=True,
            published=T0,
            key="2000003",
            extras={"label_code": 2, **cover(3)},
        ),
        # position 4 has no word: skipped; event_time 0 is no time
        RawItem(
            title="没有标签的词",
            url=SEARCH + "%E6%B2%A1%E6%9C%89%E6%A0%87%E7%AD%BE%E7%9A%84%E8%AF%8D",
            rank=5,
            heat=8_600_000,
            heat_raw="8600000",
            published=None,
            key="2000005",
            extras={"label_code": 0, **cover(5)},
        ),
        # trending_list: unranked; its duplicate of a word_list entry is dropped
        RawItem(
            title="实时上升词",
            url=SEARCH + "%E5%AE%9E%E6%97%B6%E4%B8%8A%E5%8D%87%E8%AF%8D",
            rank=None,
            heat=None,  # hot_value 0 is Douyin's placeholder on trending rows: unknown
            heat_raw="0",
            label="新",
            published=datetime(2025, 2, 20, 4, 1, 40, tzinfo=UTC),
            key="3000001",
            extras={"label_code": 1, "list": "trending"},
        ),
    ]


def test_trending_placeholder_heat_is_unknown_and_unknown_labels_are_kept_raw():
    items = {i.title: i for i in parse("trending_placeholders.json")}
    rising = items["实时上升：台风登陆"]
    assert (rising.rank, rising.heat, rising.heat_raw, rising.label) == (None, None, "0", "新")
    assert items["实时上升：演唱会官宣"].heat is None
    assert items["实时上升：演唱会官宣"].label is None
    # documented codes are mapped; codes nobody documents stay unlabelled, kept in extras
    assert items["开学第一课"].label == "热"
    assert items["网传某地停课为谣言"].label == "辟谣"
    for title, code in (("某地暴雨最新情况", 6), ("新赛季首秀", 99)):
        assert items[title].label is None
        assert items[title].extras["label_code"] == code
    assert items["开学第一课"].heat == 11_894_721


def test_nonzero_status_code_is_a_parse_error():
    with pytest.raises(ParseError, match="status_code 8.*params error"):
        parse("status_error.json")


def test_changed_shape_names_what_is_missing():
    with pytest.raises(ParseError, match=r"no data\.word_list\[\]"):
        parse("changed_shape.json")


def test_empty_body_is_blocked():
    fetched = Fetched(source="douyin", url="http://x", content=b"  ")
    with pytest.raises(BlockedError, match="empty body"):
        DouyinSource("douyin").parse(fetched)


def test_cookie_url_follows_the_api_host_and_the_option():
    api = "http://127.0.0.1:5000" + API_PATH + "?aid=6383"
    assert DouyinSource("d").cookie_url(api) == "http://127.0.0.1:5000/"
    source = DouyinSource("d", options={"cookie_url": "/passport/x?aid=6383"})
    assert source.cookie_url(api) == "http://127.0.0.1:5000/passport/x?aid=6383"


# -- the cookie dance through a real local server -------------------------------------------


@pytest.fixture
def douyin_server(httpserver):
    """'/' grants ttwid; the API answers only with it (403 without), like Douyin."""
    body = (FIXTURES / "hot_list.json").read_bytes()
    calls: list[str] = []

    def home(request: Request) -> Response:
        calls.append("home")
        response = Response("<html>douyin</html>", content_type="text/html")
        response.set_cookie("ttwid", "1%7Ctest-cookie", path="/", httponly=True)
        return response

    def api(request: Request) -> Response:
        calls.append("api")
        if request.cookies.get("ttwid") != "1%7Ctest-cookie":
            return Response("", status=403)
        return Response(body, content_type="application/json")

    httpserver.expect_request("/").respond_with_handler(home)
    httpserver.expect_request(API_PATH).respond_with_handler(api)
    url = httpserver.url_for(API_PATH) + "?device_platform=webapp&aid=6383"
    return url, calls


def test_fetch_gets_the_cookie_then_the_list(douyin_server):
    url, calls = douyin_server
    fetched, items = fetch_and_parse(DouyinSource("douyin", url=url), url)
    assert calls == ["home", "api"]
    assert fetched.status == 200
    assert [i.title for i in items][:2] == ["民营企业座谈会", "新剧今晚开播"]


def test_without_the_cookie_the_api_blocks(douyin_server):
    url, calls = douyin_server

    async def go() -> None:
        async with HttpClient(HttpSettings(connect_timeout=2, read_timeout=5)) as client:
            await client.get("douyin", url)

    with pytest.raises(BlockedError):
        asyncio.run(go())
    assert calls == ["api"]


def test_cookie_request_is_skipped_while_the_jar_has_it(douyin_server):
    url, calls = douyin_server
    source = DouyinSource("douyin", url=url)

    async def go() -> list[Fetched]:
        async with HttpClient(HttpSettings(connect_timeout=2, read_timeout=5)) as client:
            return [await source.fetch(client, url), await source.fetch(client, url)]

    first, second = asyncio.run(go())
    assert calls == ["home", "api", "api"]
    assert source.parse(first) == source.parse(second)


def test_failing_cookie_page_still_tries_the_api(httpserver):
    httpserver.expect_request("/").respond_with_data("gone", status=404)
    httpserver.expect_request(API_PATH).respond_with_data("", status=403)
    url = httpserver.url_for(API_PATH)
    with pytest.raises(BlockedError, match="HTTP 403"):
        fetch_and_parse(DouyinSource("douyin", url=url), url)
