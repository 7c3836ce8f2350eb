"""The segmenter's dictionary: how many a process holds and who owns it.

``import rjieba`` builds a dictionary (``rjieba._DEFAULT_JIEBA``); the first ``Segmenter`` of a
process adopts it instead of building a second one (about 24 MB of a daemon). Adopting must not
change segmentation, and ownership stays exclusive: user words added to one Segmenter are never
seen by another, and the adopted instance is handed out once.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import rjieba

from hotspot.analysis.keywords import Segmenter, normalise_tokens

TITLES = [
    "外卖平台奶茶新品上市引发抢购热潮",
    "小米SU7交付量再创新高 雷军发文感谢车主",
    "丁禹兮新剧官宣 网友期待值拉满",
    "火锅店老板回应食材问题",
    "DeepSeek发布新模型 国产大模型再进一步",
]


def _run(code: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_first_segmenter_of_a_process_adopts_rjiebas_import_time_dictionary():
    got = _run(
        """
        import json, rjieba
        from hotspot.analysis.keywords import Segmenter
        first, second = Segmenter(), Segmenter()
        print(json.dumps({
            "first": first._engine is rjieba._DEFAULT_JIEBA,
            "second": second._engine is rjieba._DEFAULT_JIEBA,
            "distinct": first._engine is not second._engine,
        }))
        """
    )
    assert got == {"first": True, "second": False, "distinct": True}


def test_an_adopted_dictionary_segments_as_a_freshly_built_one():
    got = _run(
        f"""
        import json
        from hotspot.analysis.keywords import Segmenter
        seg = Segmenter(["奶茶", "火锅"])  # the first of the process: adopted
        titles = {TITLES!r}
        print(json.dumps([seg.analyse(t) for t in titles]))
        """
    )
    fresh = rjieba.Jieba()
    for word in ("奶茶", "火锅"):
        fresh.add_word(word, 2_000_000, None)
    for title, (tokens, persons) in zip(TITLES, got, strict=True):
        tagged = fresh.tag(title, True)
        assert tokens == normalise_tokens(w for w, _ in tagged)
        assert persons == [w for w, f in tagged if f == "nr" and len(w) >= 2]


def test_user_words_of_one_segmenter_are_never_seen_by_another():
    a = Segmenter(["雷军发文"])
    b = Segmenter(["新剧官宣"])
    title = "雷军发文感谢车主 新剧官宣"
    assert "雷军发文" in a.tokens(title) and "新剧官宣" not in a.tokens(title)
    assert "新剧官宣" in b.tokens(title) and "雷军发文" not in b.tokens(title)
    plain = Segmenter()
    assert not {"雷军发文", "新剧官宣"} & set(plain.tokens(title))


def test_one_segmenter_shared_keeps_the_user_words_of_every_component_that_added_them():
    shared = Segmenter(["雷军发文"])  # the engine's theme keywords
    shared.add_words(["新剧官宣"])  # a reload's new theme adds to the same dictionary
    tokens = shared.tokens("雷军发文感谢车主 新剧官宣")
    assert "雷军发文" in tokens and "新剧官宣" in tokens
    # words are additive: what segmented before the second component still does
    assert shared.tokens("外卖平台奶茶新品上市") == Segmenter().tokens("外卖平台奶茶新品上市")
