"""Feeds as third-party recordings showed them: legacy encodings that declare nothing, titles
that are plain text with angle brackets, title-less RSS 2.0 items."""

from __future__ import annotations

from pathlib import Path

import pytest
from hotspot.sources.rss import RssFeed

from hotspot.errors import ParseError
from hotspot.models import Fetched, RawItem
from tests.sources.conftest import fetch_and_parse

LEGACY = (
    Path(__file__).resolve().parents[1] / "fixtures" / "rss_legacy"
)  # not UTF-8: kept apart from the fuzz corpus
TITLES = {
    "gb2312": ["不归移民漫画系列", "春节档电影票房创新高", "中国队夺得世界杯冠军"],
    "big5": ["不歸移民漫畫系列", "春節檔電影票房創新高", "臺灣颱風最新路徑"],
    "euc-kr": ["서울 지하철 요금 인상", "한국 축구 대표팀 승리", "새 학기 시작"],
    "euc-jp": ["東京の天気は晴れ", "新しい首相が就任", "桜の開花予想"],
    "shift_jis": ["大阪で新しい駅が開業", "野球の日本シリーズ開幕", "紅葉の見頃"],
    "koi8-r": ["Погода в Москве", "Новый сезон хоккея", "Выборы в городе"],
}


def parse(body: bytes, headers: dict | None = None, encoding: str | None = None) -> list[RawItem]:
    url = "http://127.0.0.1/feed"
    return RssFeed("feed", url=url).parse(
        Fetched(source="feed", url=url, content=body, headers=headers or {}, encoding=encoding)
    )


def rss(items: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>c</title>'
        f"{items}</channel></rss>"
    ).encode()


# -- legacy encodings --------------------------------------------------------------------


@pytest.mark.parametrize("codec", sorted(TITLES))
def test_undeclared_legacy_encoding_is_detected(codec):
    # neither the headers nor the document name the encoding: detection must find it
    items = parse((LEGACY / f"{codec}.xml").read_bytes())
    assert [i.title for i in items] == TITLES[codec]
    assert items[0].summary and items[0].summary.endswith(("。", "."))


@pytest.mark.parametrize("codec", ["gb2312", "big5", "koi8-r"])
def test_content_type_charset_reaches_feedparser_over_http(codec, serve_file):
    # served as text/xml with the charset in the header, as such sites do
    url = serve_file(LEGACY / f"{codec}.xml", content_type=f"text/xml; charset={codec}")
    _, items = fetch_and_parse(RssFeed("feed", url=url), url)
    assert [i.title for i in items] == TITLES[codec]


def test_a_header_charset_the_bytes_do_not_fit_is_passed_over_for_what_they_are():
    body = (LEGACY / "gb2312.xml").read_bytes()
    items = parse(body, headers={"Content-Type": "application/rss+xml; charset=utf-8"})
    assert items[0].title == "不归移民漫画系列"


def test_misdecoded_feed_is_an_error_naming_the_encoding():
    body = (LEGACY / "gb2312.xml").read_bytes().replace("春".encode("gbk"), b"\xff\xfe\xff")
    with pytest.raises(ParseError, match=r"not readable as utf-8 .*declares no charset"):
        parse(body)
    with pytest.raises(ParseError, match=r"not readable as gb18030 \(it declares gbk"):
        parse(body, headers={"Content-Type": "application/xml; charset=gbk"}, encoding="gbk")


def test_a_few_broken_bytes_in_a_utf8_feed_do_not_garble_the_rest():
    body = rss(
        "<item><title>微信发布新版本</title><description>功能更新</description></item>"
        "<item><title>第二条新闻</title></item>"
    ).replace("功能".encode(), b"\xe5\x8a")  # a truncated character in one description
    items = parse(body)
    assert [i.title for i in items] == ["微信发布新版本", "第二条新闻"]


# -- titles ------------------------------------------------------------------------------


def test_plain_text_titles_keep_angle_brackets_html_titles_lose_markup():
    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>f</title>'
        b'<entry><title type="text">History of the &lt;blink&gt; tag</title><id>a</id></entry>'
        b"<entry><title>3 &lt; 5 &amp; 7 &gt; 6</title><id>b</id></entry>"
        b'<entry><title type="html">The &lt;b&gt;bold&lt;/b&gt; move &amp;amp; more</title>'
        b"<id>c</id></entry>"
        b'<entry><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">An '
        b"<em>xhtml</em> title</div></title><id>d</id></entry>"
        b"</feed>"
    )
    assert [i.title for i in parse(body)] == [
        "History of the <blink> tag",
        "3 < 5 & 7 > 6",
        "The bold move & more",
        "An xhtml title",
    ]
    assert parse(rss("<item><title>History of the &lt;blink&gt; tag</title></item>"))[0].title == (
        "History of the <blink> tag"
    )


def test_title_less_items_take_the_first_sentence_of_their_description():
    body = rss(
        "<item><description>&lt;p&gt;国务院常务会议 部署&lt;b&gt;稳就业&lt;/b&gt;举措。"
        "会议还研究了其他事项。&lt;/p&gt;</description><guid>g1</guid></item>"
        "<item><description>Apple ships a new phone. More below.</description>"
        "<link>http://a.example/2</link></item>"
        "<item><title>有标题的文章</title></item>"
        '<item><description>&lt;img src="x.png"&gt;</description></item>'  # nothing to name it
        "<item><description>" + "很长的句子" * 30 + "</description></item>"
    )
    items = parse(body)
    assert [i.title for i in items] == [
        "国务院常务会议 部署稳就业举措",
        "Apple ships a new phone",
        "有标题的文章",
        "很长的句子" * 15 + "很长的句…",
    ]
    assert len(items[3].title) == 80
    assert [i.rank for i in items] == [1, 2, 3, 4]
    assert items[0].summary == "国务院常务会议 部署稳就业举措。会议还研究了其他事项。"
