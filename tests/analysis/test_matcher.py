"""The matcher: whole-token matching, exclusions, explanations, monotonic scores."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hotspot.analysis.keywords import Segmenter
from hotspot.analysis.lexicon import parse_lexicon
from hotspot.analysis.matcher import Document, Matcher, noisy_or
from hotspot.config import ThemeConfig

SEG = Segmenter(["奶茶", "DeepSeek"])
PETS = ThemeConfig(name="萌宠", keywords=("猫", "狗"))
FOOD = ThemeConfig(name="美食", keywords=("美食", "奶茶", "火锅"), exclude=("食物中毒",))
TECH = ThemeConfig(name="AI", keywords=("AI",))
LEX = parse_lexicon(
    "# vertical: film\n# title: 影视\n# names: 影视 电影 影视娱乐\n"
    "# categories: 电影 剧集\n票房\n定档\n哪吒\t0.4\n",
    "film.txt",
)


def doc(title: str, **kw) -> Document:
    return Document(title_tokens=SEG.tokens(title), title=title, **kw)


def scores(matcher: Matcher, title: str, **kw) -> dict[str, float]:
    return {m.theme: m.score for m in matcher.match(doc(title, **kw))}


def test_single_char_keyword_never_matches_inside_a_word():
    m = Matcher([("a", PETS)])
    assert "萌宠" not in scores(m, "大熊猫花花过生日")
    assert scores(m, "小区里的流浪猫被领养")["萌宠"] >= 0.5


def test_ascii_keyword_matches_whole_words_only():
    m = Matcher([("a", TECH)])
    assert "AI" not in scores(m, "EMAIL服务宕机")
    assert "AI" in scores(m, "AI写作引发讨论")
    assert "AI" in scores(m, "ai手机来了")  # case-insensitive


def test_exclusion_forces_zero_and_says_why():
    m = Matcher([("a", FOOD)])
    (match,) = m.match(doc("网红火锅店食物中毒"), all_scores=True)
    assert match.score == 0 and not match.passed and match.excluded_by == "食物中毒"


def test_required_term_gates_the_theme():
    theme = ThemeConfig(name="本地美食", keywords=("火锅",), required=("成都",))
    m = Matcher([("a", theme)])
    assert "本地美食" not in scores(m, "重庆火锅涨价")
    assert "本地美食" in scores(m, "成都火锅涨价")


def test_lexicon_links_theme_by_name_and_explains_each_term():
    theme = ThemeConfig(name="影视娱乐", keywords=("电影", "综艺"))
    m = Matcher([("ent", theme)], [LEX])
    (match,) = m.match(doc("哪吒2海外票房破千万"))
    assert match.passed
    vias = {e.term: e.via for e in match.evidence}
    assert vias["票房"] == "lexicon:film" and vias["哪吒"] == "lexicon:film"
    assert match.explanation()["evidence"][0]["term"] == "票房"  # strongest first


def test_category_tag_is_evidence():
    theme = ThemeConfig(name="影视娱乐", keywords=("电影",))
    m = Matcher([("ent", theme)], [LEX])
    assert "影视娱乐" not in scores(m, "张三李四")
    assert scores(m, "张三李四", category="剧集")["影视娱乐"] >= 0.5


def test_many_accounts_each_get_their_own_match():
    m = Matcher([(f"acct{i}", FOOD) for i in range(50)])
    matches = m.match(doc("冬天第一杯奶茶"))
    assert sorted(x.account for x in matches) == sorted(f"acct{i}" for i in range(50))


WORDS = ["奶茶", "火锅", "美食", "电影", "票房", "天气", "新闻", "网友", "猫", "手机"]


@settings(max_examples=150, deadline=None)
@given(
    title=st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map("".join),
    extra=st.sampled_from(WORDS),
)
def test_adding_a_keyword_never_lowers_the_score(title, extra):
    before = ThemeConfig(name="t", keywords=("美食",))
    after = ThemeConfig(name="t", keywords=("美食", extra))
    s1 = Matcher([("a", before)], [LEX]).match(doc(title), all_scores=True)[0].score
    s2 = Matcher([("a", after)], [LEX]).match(doc(title), all_scores=True)[0].score
    assert s2 >= s1


@settings(max_examples=150, deadline=None)
@given(title=st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map("".join))
def test_an_excluded_word_never_matches(title):
    theme = ThemeConfig(name="t", keywords=tuple(WORDS), exclude=("网友",))
    found = Matcher([("a", theme)]).match(doc(title))
    assert not found or "网友" not in title


@given(st.lists(st.floats(min_value=0, max_value=1), max_size=8))
def test_noisy_or_stays_in_unit_interval_and_is_monotone(ws):
    s = noisy_or(ws)
    assert 0 <= s < 1
    assert noisy_or([*ws, 0.5]) >= s


CELEB = parse_lexicon(
    "# vertical: celebrity\n# title: 明星娱乐\n# names: 明星 娱乐\n"
    "# person_prior: weibo 0.65\n官宣恋情\n",
    "celebrity.txt",
)
SPORT = parse_lexicon("# vertical: sports\n# title: 体育\n# names: 体育\n乒乓球\n", "sports.txt")


def test_a_bare_name_on_weibo_is_weak_entertainment_evidence_and_nothing_more():
    m = Matcher([("ent", ThemeConfig(name="明星娱乐"))], [CELEB, SPORT])
    tokens, persons = SEG.analyse("蒋奇明在上海街头骑车被偶遇")
    assert persons == ["蒋奇明"]

    def score(platform, title_tokens=tokens):
        found = m.match(
            Document(title_tokens=title_tokens, title="", platform=platform, persons=persons)
        )
        return found[0].score if found else 0.0

    assert score("weibo") == 0.65 and score("baidu") == 0.0  # the prior is per platform
    with_sport = SEG.tokens("蒋奇明 乒乓球 比赛")
    assert score("weibo", with_sport) == 0.0  # other evidence explains the name: no prior
