"""Learning from history with guardrails (issue 11): whole naming words only, support in
several events, fragments refused, learned entities fade; suggest follows the same rules."""

from __future__ import annotations

from hotspot.analysis.keywords import Segmenter, learnable
from hotspot.analysis.learn import _fade, learn_theme, learn_verticals
from hotspot.analysis.lexicon import parse_lexicon
from hotspot.analysis.matcher import Matcher
from hotspot.config import ThemeConfig

SEG = Segmenter()
FILM = parse_lexicon("# vertical: film\n# title: 影视\n# names: 影视\n票房\n电影\n定档\n", "f.txt")
SHOP = parse_lexicon("# vertical: shop\n# title: 电商\n# names: 电商\n京东\n", "s.txt")
DAY = 86400


def test_learnable_refuses_fragments_numbers_measures_and_verbs():
    for word in ("元起", "一金", "五险", "接入", "折叠", "回应"):
        assert not learnable(word, SEG.word_flag(word)), word
    for word in ("哪吒", "麦琳", "DeepSeek".lower()):
        assert learnable(word, SEG.word_flag(word)), word
    assert not learnable("代客泊车", None)  # jieba does not keep it as one word


def docs_for(word: str, events: int, repeats: int, at: int = 0) -> list[tuple]:
    """Titles that pair ``word`` with strong film evidence, spread over ``events`` events."""
    out = []
    for e in range(events):
        for r in range(repeats):
            out.append(([word, "票房", "电影", f"第{e}{r}"], None, e, at))
    return out


def test_a_learned_term_needs_several_events_not_one_story_repeated():
    one_story = learn_verticals(docs_for("麦琳", 1, 9), [FILM], flag=SEG.word_flag)
    assert "麦琳" not in one_story.terms.get("v:film", {})
    spread = learn_verticals(docs_for("麦琳", 3, 3), [FILM], flag=SEG.word_flag)
    assert spread.terms["v:film"]["麦琳"] > 0


def test_learned_terms_fade_when_history_stops_showing_them():
    old = docs_for("麦琳", 3, 3, at=0)
    fresh_other = [(["定档", "电影", "票房"], None, 99, 60 * DAY)]
    faded = learn_verticals(old + fresh_other, [FILM], flag=SEG.word_flag)
    assert "麦琳" not in faded.terms.get("v:film", {})  # 60 days: below the weight floor
    recent = learn_verticals(docs_for("麦琳", 3, 3, at=59 * DAY) + fresh_other, [FILM])
    assert recent.terms["v:film"]["麦琳"] > 0
    assert _fade(7 * DAY) == 0.5


def test_a_word_that_always_has_the_same_neighbour_is_a_fragment():
    docs = [(["丁禹", "兮", "票房", "电影", f"x{e}"], None, e, 0) for e in range(6)]
    learned = learn_verticals(docs, [FILM], flag=SEG.word_flag)
    assert "丁禹" not in learned.terms.get("v:film", {})


def test_suggest_refuses_another_domains_word_and_shows_evidence():
    theme = ThemeConfig(name="美食", keywords=("外卖",))
    matcher = Matcher([("a", theme)], [FILM, SHOP])
    docs = []
    for e in range(4):
        docs.append((["京东", "外卖", "麻辣烫", f"店{e}"], None, e, 0))
        docs.append((["外卖", "麻辣烫", "涨价", f"城{e}"], None, 10 + e, 0))
    found = learn_theme(theme, docs, matcher, flag=SEG.word_flag, titles=lambda i: f"title {i}")
    assert "京东" not in found  # e-commerce's own strong word
    assert found["麻辣烫"].events == 8 and found["麻辣烫"].examples[0] == "title 0"


def test_keyword_alone_factors_do_not_depend_on_how_many_accounts_share_a_theme():
    from hotspot.analysis.learn import DISTINCT_MIN_DOCS, keyword_alone_factors

    theme = ThemeConfig(name="美食", keywords=("火锅", "奶茶", "孩子"))
    # 孩子 mostly alone (generic), 火锅 and 奶茶 mostly together; 孩子 seen on 6 titles only:
    # too few for history to judge, whatever the number of accounts that list the theme
    docs = [(["火锅", "奶茶", "新品"],) for _ in range(DISTINCT_MIN_DOCS)]
    docs += [(["孩子", "上学"],) for _ in range(DISTINCT_MIN_DOCS - 5)]
    docs += [(["孩子", "火锅"],)]
    one = keyword_alone_factors([theme], docs, Matcher([("a", theme)]))
    many = keyword_alone_factors([theme], docs, Matcher([(f"acc{i}", theme) for i in range(12)]))
    assert many == one
    assert "孩子" not in one.get("美食", {})  # 6 documents < DISTINCT_MIN_DOCS: no verdict
    # with enough documents the generic keyword is judged, once per document
    docs += [(["孩子", "放假"],) for _ in range(5)]
    judged = keyword_alone_factors([theme], docs, Matcher([(f"acc{i}", theme) for i in range(12)]))
    assert 0 < judged["美食"]["孩子"] < 1
    assert judged == keyword_alone_factors([theme], docs, Matcher([("a", theme)]))
