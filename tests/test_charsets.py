"""The shared charset decision every source reads bodies through (``hotspot.charsets``)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hotspot.charsets import decode, header_charset

ARTICLE = "不归移民漫画系列 第一话：出发。今天我们来聊聊移民的故事，以及作者的创作经历。" * 2


def test_each_step_of_the_order():
    gbk = ARTICLE.encode("gbk")
    assert (decode(gbk, "gb2312").how, decode(gbk, "gb2312").encoding) == ("header", "gb18030")
    # a header the bytes do not fit is passed over, not obeyed into mojibake
    assert decode(gbk, "utf-8").how == "detected"
    assert decode(gbk, "utf-8").text == ARTICLE
    big5 = "不歸移民漫畫系列 第一話：出發。"
    declared = b'<?xml version="1.0" encoding="big5"?><t>' + big5.encode("big5") + b"</t>"
    assert decode(declared).how == "declaration"
    assert big5 in decode(declared).text
    assert decode("\ufeff微博".encode("utf-16-le")).how == "bom"
    assert decode(ARTICLE.encode()).how == "utf-8"


def test_short_ambiguous_bytes_are_read_as_gb18030():
    for text in ("微博热搜", "哪吒2票房", "热搜"):
        decoded = decode(text.encode("gbk"))
        assert (decoded.text, decoded.encoding) == (text, "gb18030")


def test_long_korean_and_japanese_are_not_taken_for_chinese():
    korean = "오늘의 주요 뉴스를 전해 드립니다. 자세한 내용은 기사를 참고하세요. " * 3
    japanese = "今日の主なニュースをお伝えします。詳しくは記事をご覧ください。" * 3
    assert decode(korean.encode("euc-kr")).text == korean
    assert decode(japanese.encode("shift_jis")).text == japanese


def test_damaged_utf8_stays_utf8_and_garbage_is_unreliable():
    damaged = ARTICLE.encode()[:-2] + b"\n" + ARTICLE.encode()
    decoded = decode(damaged)
    assert (decoded.how, decoded.reliable) == ("damaged-utf-8", False)
    assert ARTICLE in decoded.text
    broken_gbk = ARTICLE.encode("gbk").replace("话".encode("gbk"), b"\xff\xfe\xff")
    assert decode(broken_gbk).how == "undecodable"
    assert not decode(broken_gbk).reliable


def test_header_charset():
    assert header_charset({"Content-Type": 'text/xml; charset="GB2312"'}) == "GB2312"
    assert header_charset({"content-type": "application/json"}) is None


@settings(max_examples=200, deadline=None)
@given(
    st.binary(max_size=400),
    st.one_of(
        st.none(),
        st.text(max_size=12),
        st.sampled_from(["utf-8", "gbk", "base64", "rot13", "punycode", "utf-16", "x-nope"]),
    ),
)
def test_decode_never_raises_whatever_the_bytes_and_the_declared_label(body, label):
    decoded = decode(body, label)
    assert isinstance(decoded.text, str) and decoded.encoding
