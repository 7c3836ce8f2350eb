"""Fuzzing the Weibo parser: whatever the body, ``parse`` returns titled ``RawItem``s or raises
``ParseError``/``BlockedError``; never another exception, never an empty list."""

from __future__ import annotations

import functools
import json
import random
from pathlib import Path

from hotspot.sources.weibo import WeiboHotSearch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotspot.errors import BlockedError, ParseError
from hotspot.models import Fetched, RawItem

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "weibo"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "weibo"


def _corpus() -> list[bytes]:
    """Our fixtures, plus the recorded ones when ../shared is present (read, never copied)."""
    paths = sorted(FIXTURES.iterdir())
    if SHARED.is_dir():
        paths += sorted(SHARED.iterdir())
    return [p.read_bytes() for p in paths]


CORPUS = _corpus()
JSON_DOCS = [json.loads(b) for b in CORPUS if b.lstrip()[:1] == b"{"]
TEXTS = [b.decode("utf-8") for b in CORPUS]
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
REPLACEMENTS = [
    "",
    "x",
    "剧集 598919",
    "1.2万",
    0,
    -1,
    2**70,
    1.5,
    float("inf"),
    None,
    True,
    [],
    {},
    ["a", 1],
    {"k": "v"},
    "realpos:abc|key:",
    "https://[::1",
]


def check(body: bytes, encoding: str | None = None, url: str = "http://127.0.0.1/x") -> None:
    """The property every body must satisfy."""
    fetched = Fetched(source="weibo", url=url, content=body, encoding=encoding)
    try:
        items = WeiboHotSearch("weibo").parse(fetched)
    except (ParseError, BlockedError):
        return
    assert isinstance(items, list) and items, "an understood body gives at least one entry"
    for item in items:
        assert isinstance(item, RawItem)
        assert isinstance(item.title, str) and item.title.strip()
        assert item.rank is None or (isinstance(item.rank, int) and item.rank >= 1)
        assert item.heat is None or (isinstance(item.heat, int) and item.heat >= 0)
        assert item.url is None or item.url.startswith("https://s.weibo.com/weibo?q=")


def mutate(node: object, rnd: random.Random, rate: float) -> object:
    """Remove, retype or shuffle parts of a JSON document at random."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            roll = rnd.random()
            if roll < rate:
                continue  # field removed
            out[key] = rnd.choice(REPLACEMENTS) if roll < 2 * rate else mutate(value, rnd, rate)
        return out
    if isinstance(node, list):
        out = [
            rnd.choice(REPLACEMENTS) if rnd.random() < rate else mutate(v, rnd, rate) for v in node
        ]
        if rnd.random() < 0.3:
            rnd.shuffle(out)
        return out
    if isinstance(node, str) and rnd.random() < rate:
        return rnd.choice([int(node) if node.isdigit() else 7, None, [node], node[::-1]])
    if isinstance(node, int) and not isinstance(node, bool) and rnd.random() < rate:
        return rnd.choice([str(node), None, [node], -node])
    return node


@FUZZ
@given(st.binary(max_size=4096))
def test_arbitrary_bytes(body):
    check(body)


@FUZZ
@given(st.sampled_from(range(len(CORPUS))), st.floats(0, 1), st.booleans())
def test_truncated_fixtures(index, fraction, from_start):
    body = CORPUS[index]
    cut = int(len(body) * fraction)
    check(body[:cut] if from_start else body[cut:])


@FUZZ
@given(
    st.sampled_from(range(len(JSON_DOCS))),
    st.randoms(use_true_random=False),
    st.sampled_from([0.02, 0.1, 0.4]),
)
def test_json_fields_removed_retyped_and_shuffled(index, rnd, rate):
    doc = mutate(JSON_DOCS[index], rnd, rate)
    check(json.dumps(doc, ensure_ascii=rnd.random() < 0.5).encode())


@FUZZ
@given(
    st.sampled_from(range(len(TEXTS))),
    st.sampled_from(["gbk", "gb18030", "utf-16", "utf-16-le", "latin-1", "big5"]),
    st.sampled_from([None, "declared", "wrong"]),
)
def test_other_encodings(index, codec, declared):
    body = TEXTS[index].encode(codec, errors="replace")
    encoding = {"declared": codec, "wrong": "utf-8", None: None}[declared]
    check(body, encoding)


@FUZZ
@given(
    st.sampled_from(range(len(CORPUS))),
    st.integers(0, 2**32 - 1),
    st.binary(min_size=1, max_size=16),
)
def test_random_bytes_spliced_in(index, seed, junk):
    body = CORPUS[index]
    at = random.Random(seed).randrange(len(body) + 1)
    check(body[:at] + junk + body[at:])


def test_deeply_nested_json_and_html():
    depth = 10_000
    for body in (
        "[" * depth + "]" * depth,
        '{"a":' * depth + "1" + "}" * depth,
        '{"ok":1,"data":{"realtime":' + "[" * depth + "]" * depth + "}}",
        '<ul class="list_a">'
        + "<li><a><span>" * depth
        + "深"
        + "</span></a></li>" * depth
        + "</ul>",
        "<table><tr><td class='td-02'>" + "<div>" * depth + "<a>深</a>",
    ):
        check(body.encode())


@functools.cache
def fifty_megabytes() -> dict[str, bytes]:
    """Built once: 50 MB bodies of each shape (a hot list is ~130 KB)."""
    row = b'{"word":"\xe7\x83\xad\xe6\x90\x9c","num":123456,"realpos":1},'
    n = 50 * 1024 * 1024 // len(row)
    li = b'<li><a href="/weibo?q=x"><strong>1</strong><span>t<em>1</em></span></a></li>'
    return {
        "json": b'{"ok":1,"data":{"realtime":[' + row * n + b'{"word":"end"}]}}',
        "html": b'<ul class="list_a">' + li * (50 * 1024 * 1024 // len(li) + 1) + b"</ul>",
    }


def test_fifty_megabyte_bodies_are_refused():
    for kind, body in fifty_megabytes().items():
        assert len(body) >= 50 * 1024 * 1024 - 100, kind
        check(body)  # refused or parsed, never a crash; the time is benchmarks/' business


def test_garbled_meta_charset_found_by_fuzzing():
    # lxml raised ValueError when bs4 handed it a charset name with control characters
    row = '<li><a href="/weibo?q=%23x%23"><strong>1</strong><span>标题<em>5</em></span></a></li>'
    for meta in (b'<meta charset="gb\x01k">', b'<meta charset="\x00">', b'<meta charset="nope">'):
        body = meta + b'<ul class="list_a">' + row.encode() + b"</ul>"
        items = WeiboHotSearch("weibo").parse(Fetched("weibo", "http://127.0.0.1/x", body))
        assert [(i.rank, i.title, i.heat) for i in items] == [(1, "标题", 5)]
