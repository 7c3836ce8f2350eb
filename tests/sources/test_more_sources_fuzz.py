"""Fuzzing the baidu, zhihu, toutiao, bilibili, douyin and jsonlist parsers.

Property: ``parse`` returns a list of ``RawItem`` whose titles are non-empty strings, or
raises ``ParseError``/``BlockedError`` — never any other exception — for arbitrary bytes,
truncated fixtures, fields removed or retyped, shuffled lists, wrong encodings, pathological
nesting and a 50 MB body.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hotspot.sources.baidu import BaiduSource
from hotspot.sources.bilibili import BilibiliSource
from hotspot.sources.douyin import DouyinSource
from hotspot.sources.jsonlist import JsonListSource
from hotspot.sources.toutiao import ToutiaoSource
from hotspot.sources.zhihu import ZhihuSource
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotspot.errors import BlockedError, ParseError
from hotspot.ingest.source import Source
from hotspot.models import Fetched, RawItem

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
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

# (plugin factory, JSON fixture, how to wrap the JSON text into a body)
Wrap = Callable[[str], str]
PLAIN: Wrap = lambda text: text  # noqa: E731
BAIDU_PAGE: Wrap = lambda text: f"<html><body><!--s-data:{text}--></body></html>"  # noqa: E731
ZHIHU_PAGE: Wrap = lambda text: (  # noqa: E731
    f'<html><script id="js-initialData" type="text/json">{text}</script></html>'
)
CASES: dict[str, tuple[Callable[[], Source], str, Wrap]] = {
    "baidu": (lambda: BaiduSource("b"), "baidu/board_api.json", PLAIN),
    "baidu_page": (lambda: BaiduSource("b"), "baidu/board_api.json", BAIDU_PAGE),
    "zhihu": (lambda: ZhihuSource("z"), "zhihu/hot_list.json", PLAIN),
    "zhihu_old": (lambda: ZhihuSource("z"), "zhihu/hot_list_old.json", PLAIN),
    "zhihu_page": (lambda: ZhihuSource("z"), "zhihu/topsearch_initial_data", ZHIHU_PAGE),
    "toutiao": (lambda: ToutiaoSource("t"), "toutiao/hot_board.json", PLAIN),
    "bilibili": (lambda: BilibiliSource("bl"), "bilibili/hotword.json", PLAIN),
    "douyin": (lambda: DouyinSource("d"), "douyin/hot_list.json", PLAIN),
    "jsonlist": (lambda: JsonListSource("j", url="http://x"), "jsonlist/dailyhot.json", PLAIN),
    "jsonlist_newsnow": (
        lambda: JsonListSource("j", url="http://x"),
        "jsonlist/newsnow.json",
        PLAIN,
    ),
    "jsonlist_custom": (
        lambda: JsonListSource("j", url="http://x", options=CUSTOM),
        "jsonlist/custom.json",
        PLAIN,
    ),
}
NAMES = sorted(CASES)


def fixture_json(name: str) -> Any:
    if name == "zhihu/topsearch_initial_data":
        html = (FIXTURES / "zhihu" / "topsearch_page.html").read_text("utf-8")
        start = html.index('type="text/json">') + len('type="text/json">')
        return json.loads(html[start : html.index("</script>", start)])
    return json.loads((FIXTURES / name).read_text("utf-8"))


DOCS = {name: fixture_json(CASES[name][1]) for name in NAMES}


def body_for(name: str, doc: Any, ascii_only: bool = False) -> bytes:
    """The body; ``ascii_only`` writes \\uXXXX escapes, so lone surrogates reach the parser."""
    text = json.dumps(doc, ensure_ascii=ascii_only)
    return CASES[name][2](text).encode("utf-8", "surrogatepass")


def check(name: str, content: bytes, encoding: str | None = "utf-8") -> list[RawItem] | None:
    """Parse and assert the property; returns the items, or None after an allowed error."""
    source = CASES[name][0]()
    fetched = Fetched(source="fuzz", url="http://127.0.0.1/x", content=content, encoding=encoding)
    try:
        items = source.parse(fetched)
    except (ParseError, BlockedError):
        return None
    assert isinstance(items, list) and items
    for item in items:
        assert isinstance(item, RawItem)
        assert isinstance(item.title, str) and item.title.strip()
        assert item.rank is None or (isinstance(item.rank, int) and item.rank >= 1)
        assert item.heat is None or isinstance(item.heat, int)
        assert item.url is None or item.url.startswith(("http://", "https://"))
    return items


def paths_of(doc: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (keys/indexes) into a JSON document."""
    found = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += paths_of(value, prefix + (key,))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            found += paths_of(value, prefix + (i,))
    return found


def replaced(doc: Any, path: tuple, value: Any, delete: bool = False) -> Any:
    if not path:
        return value
    copy = json.loads(json.dumps(doc))
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return copy


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["", " ", "热度累计中", "1.2亿", "356万", "\ud800", "-1", "0", "1e400"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("name", NAMES)
def test_untouched_fixtures_parse(name):
    assert check(name, body_for(name, DOCS[name]))


@pytest.mark.parametrize("name", NAMES)
@FUZZ
@given(content=st.binary(max_size=3000))
def test_arbitrary_bytes(name, content):
    check(name, content)
    check(name, content, encoding=None)


@pytest.mark.parametrize("name", NAMES)
@FUZZ
@given(data=st.data())
def test_truncated_fixture(name, data):
    body = body_for(name, DOCS[name])
    cut = data.draw(st.integers(min_value=0, max_value=len(body)))
    check(name, body[:cut])


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_field_removed_or_retyped(name, data):
    doc = DOCS[name]
    path = data.draw(st.sampled_from(paths_of(doc)))
    if path and data.draw(st.booleans()):
        mutated = replaced(doc, path, None, delete=True)
    else:
        mutated = replaced(doc, path, data.draw(JSON_VALUES))
    check(name, body_for(name, mutated, ascii_only=data.draw(st.booleans())))


@pytest.mark.parametrize("name", NAMES)
@FUZZ
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_lists_shuffled(name, seed):
    rng = random.Random(seed)

    def shuffle(node: Any) -> Any:
        if isinstance(node, list):
            node = [shuffle(v) for v in node]
            rng.shuffle(node)
            return node
        if isinstance(node, dict):
            return {k: shuffle(v) for k, v in node.items()}
        return node

    items = check(name, body_for(name, shuffle(DOCS[name])))
    assert items is not None  # shuffling keeps every entry readable


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "codec,declared",
    [
        ("gbk", None),
        ("gbk", "gbk"),
        ("utf-16", None),
        ("utf-16", "utf-16"),
        ("utf-16-le", "utf-8"),
        ("gb18030", "latin-1"),
        ("utf-8", "bogus-codec"),
    ],
)
def test_wrong_and_right_encodings(name, codec, declared):
    text = CASES[name][2](json.dumps(DOCS[name], ensure_ascii=False))
    items = check(name, text.encode(codec), encoding=declared)
    if declared == codec:  # a correctly declared charset reads exactly like UTF-8
        assert items == check(name, body_for(name, DOCS[name]))


@pytest.mark.parametrize("name", NAMES)
def test_ten_thousand_levels_of_nesting(name):
    deep_list = "[" * 10_000 + "]" * 10_000
    deep_obj = '{"data":' * 10_000 + "1" + "}" * 10_000
    for text in (deep_list, deep_obj, '{"data": ' + deep_list + "}"):
        assert check(name, CASES[name][2](text).encode()) is None


@pytest.fixture(scope="module")
def big_board() -> tuple[bytes, int]:
    """About 50 MB of a valid baidu board (built once)."""
    row = json.dumps(
        {
            "word": "某某热搜标题",
            "query": "某某热搜标题",
            "hotScore": "123456",
            "desc": "x" * 60,
            "hotTag": "3",
            "index": 1,
        },
        ensure_ascii=False,
    )
    count = 50_000_000 // len(row.encode())
    text = '{"success":true,"data":{"cards":[{"content":[' + ",".join([row] * count) + "]}]}}"
    return text.encode(), count


def test_fifty_megabyte_board_parses_every_row(big_board):
    body, count = big_board
    assert len(body) >= 49_000_000
    items = check("baidu", body)
    assert items is not None and len(items) == count


@pytest.mark.parametrize("name", ["baidu_page", "zhihu_page", "jsonlist", "douyin"])
def test_fifty_megabyte_junk_is_rejected(name):
    junk = b"<html>" + b"<!--s-data:" + b"<script " * 6_000_000 + b'id="js-initialData">'
    assert check(name, junk) is None
