"""Matching many accounts at once gives exactly what matching each account alone gives.

The shared matcher scores a theme definition once for all the accounts that configure it,
shares one score between definitions that differ only in what did not appear, and returns
the accounts of one result together (``match_groups``). None of that may change a result:
a seeded generator builds agencies (shared templates, accounts adding their city or brand,
another ``min_score``, ``exclude``/``required``, synonyms, weights, explicit verticals) with
learned terms, demotions and per-account feedback, and documents drawn from the themes'
words and the shipped lexicons; every match is compared with one ``Matcher`` per account.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from hotspot.analysis.lexicon import builtin_verticals
from hotspot.analysis.matcher import Document, Learned, Match, Matcher
from hotspot.config import ThemeConfig

VERTICALS = builtin_verticals()
BY_ID = {v.id: v for v in VERTICALS}
TEMPLATES = {
    "美食": ("美食", "火锅", "奶茶", "探店"),
    "汽车": ("汽车", "电动车", "车展"),
    "体育": ("体育", "足球", "冠军"),
    "数码科技": ("手机", "芯片", "AI"),
    "影视娱乐": ("电影", "综艺", "票房"),
    "本地生活": ("同城", "周末"),  # no lexicon names it: keywords and learned terms only
}
OWN = ("成都", "杭州", "比亚迪", "海底捞", "华为", "中超")
EXCLUDES = ("广告", "事故", "食物中毒")
FILLER = ("今天", "网友", "回应", "曝光", "现场", "首发", "终于", "发布", "猫", "pro")
PLATFORMS = ("weibo", "baidu", "zhihu", None)


def _lexicon_words(rnd: random.Random) -> list[str]:
    words = []
    for vid in ("food", "cars", "sports", "football", "tech", "film_tv", "celebrity", "travel"):
        terms = sorted(BY_ID[vid].terms)
        words += rnd.sample(terms, min(12, len(terms)))
    return words


def _theme(rnd: random.Random, name: str) -> ThemeConfig:
    keywords = list(TEMPLATES[name])
    kw: dict = {}
    r = rnd.random()
    if r < 0.25:
        keywords.append(rnd.choice(OWN))
    elif r < 0.35:
        kw["min_score"] = rnd.choice([0.3, 0.45, 0.6, 0.8])
    elif r < 0.45:
        kw["exclude"] = (rnd.choice(EXCLUDES),)
    elif r < 0.5:
        kw["required"] = (rnd.choice(OWN),)
    elif r < 0.55:
        kw["synonyms"] = (rnd.choice(OWN),)
    elif r < 0.6:
        kw["weights"] = {keywords[0]: rnd.choice([0.5, 1.5, 2.0])}
    elif r < 0.63:
        kw["verticals"] = (rnd.choice(["food", "sports", "tech"]),)
    elif r < 0.66:
        kw["expand"] = False
    elif r < 0.7:
        keywords.append(keywords[0])  # a keyword listed twice
    return ThemeConfig(name=name, keywords=tuple(keywords), **kw)


def _world(seed: int) -> tuple[list[tuple[str, ThemeConfig]], Learned, list[Document]]:
    rnd = random.Random(seed)
    pairs = []
    for a in range(rnd.randint(3, 25)):
        names = rnd.sample(sorted(TEMPLATES), rnd.randint(2, len(TEMPLATES)))
        for name in names:
            theme = ThemeConfig(name=name, keywords=TEMPLATES[name])
            if rnd.random() < 0.4:
                theme = _theme(rnd, name)
            pairs.append((f"acct{a}", theme))
    lexicon = _lexicon_words(rnd)
    words = [*lexicon, *(k for ks in TEMPLATES.values() for k in ks), *OWN, *EXCLUDES, *FILLER]
    feedback = {}
    for account, theme in rnd.sample(pairs, len(pairs) // 4):
        terms = rnd.sample([*theme.keywords, *lexicon[:20]], 3)
        feedback[(account, theme.name)] = {t: (rnd.randint(1, 3), rnd.randint(0, 2)) for t in terms}
    learned = Learned(
        terms={
            "t:本地生活": {"打卡": 0.6, "夜市": 0.7, rnd.choice(lexicon): 0.5},
            "t:美食": {"探店": 0.6, "夜宵": 0.5},
            "v:food": {"夜宵": 0.55},
        },
        demoted={"food": {t: 0.5 for t in rnd.sample(sorted(BY_ID["food"].terms), 5)}},
        alone={"lexicon:cars": {"pro": 1.0}},
        keyword_alone={"美食": {"火锅": 0.5}, "体育": {"冠军": 0.4}},
        feedback=feedback,
    )
    docs = []
    for _ in range(60):
        title = [rnd.choice(words) for _ in range(rnd.randint(1, 7))]
        summary = [rnd.choice(words) for _ in range(rnd.randint(0, 6))]
        context = [[rnd.choice(words) for _ in range(3)] for _ in range(rnd.randint(0, 2))]
        docs.append(
            Document(
                title_tokens=title,
                summary_tokens=summary,
                title="".join(title),
                summary="".join(summary),
                category=rnd.choice([None, None, "美食", "体育", "电影", "汽车"]),
                platform=rnd.choice(PLATFORMS),
                persons=rnd.choice([(), (), ("张三",)]),
                context=context,
            )
        )
    return pairs, learned, docs


def _key(m: Match) -> tuple[str, str]:
    return m.account, m.theme


def test_many_accounts_match_exactly_as_each_account_alone():
    seen: Counter[str] = Counter()
    for seed in range(8):
        pairs, learned, docs = _world(seed)
        accounts = list(dict.fromkeys(a for a, _ in pairs))
        shared = Matcher(pairs, VERTICALS, learned)
        alone = {
            a: Matcher([(b, t) for b, t in pairs if b == a], VERTICALS, learned) for a in accounts
        }
        for doc in docs:
            for all_scores in (False, True):
                got = shared.match(doc, all_scores=all_scores)
                want = [m for a in accounts for m in alone[a].match(doc, all_scores=all_scores)]
                assert sorted(got, key=_key) == sorted(want, key=_key), (seed, doc.title)
                groups = shared.match_groups(doc, all_scores=all_scores)
                flat = [(m.theme, a) for m, group in groups for a in group]
                assert flat == [(m.theme, m.account) for m in got]
                for m, group in groups:
                    assert m.account == group[0]
                if not all_scores:
                    seen["passed"] += len(got)
                    seen["feedback"] += sum(1 for m in got if m.feedback)
                    seen["damped"] += sum(1 for m in got if m.damped_by)
                    seen["shared"] += sum(1 for _, group in groups if len(group) > 1)
                else:
                    seen["excluded"] += sum(1 for m in got if m.excluded_by)
    # the generator reached every rule it is meant to check
    assert all(seen[k] > 5 for k in ("passed", "feedback", "damped", "shared", "excluded")), seen


def test_definitions_that_differ_in_what_did_not_appear_share_one_score():
    base = ThemeConfig(name="美食", keywords=("火锅", "奶茶"))
    city = ThemeConfig(name="美食", keywords=("火锅", "奶茶", "成都"))
    strict = ThemeConfig(name="美食", keywords=("火锅", "奶茶"), min_score=0.95)
    m = Matcher([("a", base), ("b", city), ("c", strict)], VERTICALS)
    doc = Document(title_tokens=["重庆", "火锅", "涨价"], title="重庆火锅涨价")
    by = {x.account: x for x in m.match(doc, all_scores=True)}
    assert by["a"].score == by["b"].score == by["c"].score > 0.5
    assert by["a"].passed and by["b"].passed and not by["c"].passed
    # where the city keyword appears, that account's theme scores on it
    doc = Document(title_tokens=["成都", "火锅", "涨价"], title="成都火锅涨价")
    by = {x.account: x for x in m.match(doc, all_scores=True)}
    assert by["b"].score > by["a"].score and "成都" in by["b"].terms
    assert "成都" not in by["a"].terms


@pytest.mark.parametrize("judged", [{"火锅": (2, 0)}, {"未出现": (3, 0)}])
def test_an_accounts_feedback_sets_it_apart_and_keeps_the_order(judged):
    theme = ThemeConfig(name="美食", keywords=("火锅", "奶茶"))
    accounts = [f"acct{i}" for i in range(6)]
    m = Matcher(
        [(a, theme) for a in accounts], VERTICALS, Learned(feedback={("acct2", "美食"): judged})
    )
    doc = Document(title_tokens=["火锅", "奶茶", "新品"], title="火锅奶茶新品")
    groups = m.match_groups(doc)
    assert [a for _, g in groups for a in g] == accounts
    assert [g for _, g in groups] == [("acct0", "acct1"), ("acct2",), ("acct3", "acct4", "acct5")]
    own = groups[1][0]
    if "火锅" in judged:
        assert own.feedback and own.score < groups[0][0].score
    else:
        assert own == Match(**{**_fields(groups[0][0]), "account": "acct2"})


def _fields(m: Match) -> dict:
    return {f: getattr(m, f) for f in Match.__slots__}


def test_linked_is_answered_per_account_and_theme():
    food = ThemeConfig(name="美食", keywords=("火锅",))
    m = Matcher([("a", food), ("b", food), ("b", ThemeConfig(name="本地生活"))], VERTICALS)
    assert "food" in m.linked("b", "美食") and m.linked("a", "美食") == m.linked("b", "美食")
    assert m.linked("a", "本地生活") == [] and m.linked("c", "美食") == []
