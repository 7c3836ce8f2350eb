"""Self-refreshing entities (issue 11): a new name becomes evidence for a vertical as soon as
independent sources show it beside that vertical's distinctive evidence, fades within days
when it goes quiet, and stays out when it is ambiguous, a fragment or one headline copied;
and a word only inside a work's title in 《》 counts as part of that name."""

from __future__ import annotations

from hotspot.analysis.keywords import Segmenter
from hotspot.analysis.learn import (
    ENTITY_HALF_LIFE_DAYS,
    Sighting,
    learn_entities,
    merge_entities,
    relearn,
)
from hotspot.analysis.lexicon import parse_lexicon
from hotspot.analysis.matcher import Document, Learned, Matcher
from hotspot.config import ThemeConfig
from hotspot.engine import load_learned
from hotspot.storage.store import Store

SEG = Segmenter()
FILM = parse_lexicon(
    "# vertical: film\n# title: 影视\n# names: 影视\n# categories: 剧集\n"
    "票房\n定档\n电视剧\n大结局\n杀青\n主演\n热播\t0.5\n收视\t0.5\n",
    "film.txt",
)
FOOD = parse_lexicon("# vertical: food\n# title: 美食\n# names: 美食\n火锅\n奶茶\n餐厅\n", "f.txt")
SPORT = parse_lexicon("# vertical: sport\n# title: 体育\n# names: 体育\n夺冠\n决赛\n", "s.txt")
HOUR = 3600
DAY = 86400


def sighting(title: str, platform: str, event: int, at: float, category=None) -> Sighting:
    tokens, persons = SEG.analyse(title)
    return Sighting(tokens, category, event, platform, at, title, persons)


def test_a_new_work_is_evidence_after_two_independent_sources_within_hours():
    story = [
        sighting("《漫长的季节》定档", "weibo", 1, 0),
        sighting("电视剧《漫长的季节》定档官宣", "baidu", 1, HOUR),
    ]
    learned = learn_entities(story, [FILM, FOOD], flag=SEG.word_flag)
    assert learned["v:film"]["漫长的季节"] >= 0.5  # two hours after the story broke
    # and the matcher uses it: the bare name now scores for a film theme
    theme = ThemeConfig(name="影视", keywords=("影视",))
    m = Matcher([("a", theme)], [FILM, FOOD], Learned(terms=learned))
    (match,) = m.match(Document(title_tokens=SEG.tokens("漫长的季节")))
    assert match.passed and match.evidence[0].via == "learned:film"


def test_one_source_or_one_copied_headline_is_not_enough():
    once = [sighting("《漫长的季节》定档", "weibo", 1, 0)]
    assert learn_entities(once, [FILM], flag=SEG.word_flag) == {}
    copied = [  # the same headline on two lists: one wording, one source
        sighting("《漫长的季节》定档", "weibo", 1, 0),
        sighting("《漫长的季节》定档", "baidu", 1, HOUR),
    ]
    assert learn_entities(copied, [FILM], flag=SEG.word_flag) == {}
    hashtags = [  # three hashtags of one story on one platform: one source
        sighting("《漫长的季节》定档", "weibo", 1, 0),
        sighting("《漫长的季节》主演", "weibo", 1, HOUR),
        sighting("《漫长的季节》杀青", "weibo", 1, 2 * HOUR),
    ]
    assert learn_entities(hashtags, [FILM], flag=SEG.word_flag) == {}


def test_an_entity_fades_when_it_goes_quiet():
    story = [
        sighting("《漫长的季节》定档", "weibo", 1, 0),
        sighting("电视剧《漫长的季节》定档官宣", "baidu", 1, HOUR),
    ]
    fresh = learn_entities(story, [FILM], flag=SEG.word_flag, now=HOUR)["v:film"]["漫长的季节"]
    later = learn_entities(
        story, [FILM], flag=SEG.word_flag, now=HOUR + ENTITY_HALF_LIFE_DAYS * DAY
    )
    assert abs(later["v:film"]["漫长的季节"] - fresh / 2) < 0.01
    gone = learn_entities(story, [FILM], flag=SEG.word_flag, now=HOUR + 30 * DAY)
    assert gone == {}


def test_a_name_seen_as_often_with_another_domain_is_ambiguous():
    story = [
        sighting("《漫长的季节》定档", "weibo", 1, 0),
        sighting("电视剧《漫长的季节》定档官宣", "baidu", 1, HOUR),
        sighting("《漫长的季节》决赛夺冠", "toutiao", 2, HOUR),
        sighting("《漫长的季节》队决赛", "zhihu", 3, HOUR),
        sighting("《漫长的季节》门票", "weibo", 4, HOUR),
    ]
    assert learn_entities(story, [FILM, SPORT], flag=SEG.word_flag) == {}


def test_weak_evidence_alone_does_not_back_a_name():
    """热播 and 收视 are weak film words (0.5): together they make a film title (0.64), but a
    name beside them only is not vouched for."""
    story = [
        sighting("《漫长的季节》热播收视", "weibo", 1, 0),
        sighting("热播剧《漫长的季节》收视", "baidu", 1, HOUR),
    ]
    assert learn_entities(story, [FILM], flag=SEG.word_flag) == {}
    tagged = [  # the platform's own category tag is distinctive evidence
        sighting("《漫长的季节》热播", "weibo", 1, 0, category="剧集"),
        sighting("热播剧《漫长的季节》", "weibo", 2, HOUR, category="剧集"),
    ]
    assert "漫长的季节" in learn_entities(tagged, [FILM], flag=SEG.word_flag)["v:film"]


def test_a_known_name_with_a_verb_stuck_to_it_is_not_a_new_name():
    lex = parse_lexicon("# vertical: film\n# title: 影视\n定档\n杀青\n关晓彤\n", "film2.txt")
    fused = [
        Sighting(
            ["曝关晓彤", "新剧", "定档"], None, 1, "weibo", 0, "曝关晓彤新剧定档", ["曝关晓彤"]
        ),
        Sighting(["曝关晓彤", "杀青"], None, 2, "baidu", 0, "曝关晓彤杀青", ["曝关晓彤"]),
    ]
    assert learn_entities(fused, [lex], flag=SEG.word_flag) == {}


def test_relearn_stores_entities_in_their_own_scope_and_load_learned_folds_them(tmp_path):
    store = Store(tmp_path / "h.db")
    store.conn.execute(
        "INSERT INTO items (id, platform, source, title, first_seen, last_seen, tokens, event_id) "
        "VALUES ('a', 'weibo', 'weibo', '《漫长的季节》定档', 1, 1, ?, 1), "
        "('b', 'baidu', 'baidu', '电视剧《漫长的季节》定档官宣', 2, 2, ?, 1)",
        (
            " ".join(SEG.tokens("《漫长的季节》定档")),
            " ".join(SEG.tokens("电视剧《漫长的季节》定档官宣")),
        ),
    )
    learned = relearn(store, [FILM], flag=SEG.word_flag)
    assert "漫长的季节" in learned.terms["v:film"]
    assert "漫长的季节" in store.learned_terms()["e:film"]
    assert "漫长的季节" in load_learned(store).terms["v:film"]


def test_merge_keeps_the_larger_weight():
    base = Learned(terms={"v:film": {"难哄": 0.6}})
    merged = merge_entities(base, {"e:film": {"难哄": 0.3, "光渊": 0.5}})
    assert merged.terms["v:film"] == {"难哄": 0.6, "光渊": 0.5}
    assert merge_entities(base, {}) is base


def test_a_word_only_inside_a_works_title_counts_as_part_of_the_name():
    theme = ThemeConfig(name="美食", keywords=("美食",))
    m = Matcher([("a", theme)], [FOOD, FILM])

    def score(title: str) -> float:
        got = m.match(Document(title_tokens=SEG.tokens(title), title=title), all_scores=True)
        return next(x.score for x in got if x.theme == "美食")

    assert score("如何评价《火锅艺术家》") < 0.5  # a film's name, not a hot pot
    assert score("如何评价火锅艺术家") >= 0.5  # without 《》 it is the word itself
    assert score("《火锅艺术家》主演爱吃火锅") >= 0.5  # and outside the title it counts
    film = ThemeConfig(name="影视", keywords=("影视",))
    whole = Matcher([("a", film)], [FILM], Learned(terms={"v:film": {"漫长的季节": 0.6}}))
    (hit,) = whole.match(
        Document(title_tokens=SEG.tokens("《漫长的季节》"), title="《漫长的季节》")
    )
    assert hit.score >= 0.5  # the whole name in 《》 counts in full


def test_a_piece_of_a_longer_known_name_is_not_a_new_name():
    lex = parse_lexicon("# vertical: film\n# title: 影视\n定档\n杀青\n章若楠\n", "film3.txt")
    pieces = [
        sighting("若楠新剧定档", "weibo", 1, 0),
        sighting("若楠杀青", "baidu", 2, HOUR),
    ]
    assert learn_entities(pieces, [lex], flag=SEG.word_flag) == {}
    # the same sightings with a vertical that does not know 章若楠: a name like any other
    assert "若楠" in learn_entities(pieces, [FILM], flag=SEG.word_flag)["v:film"]
