"""The sensitivity gate's mechanisms: context terms, phrase patterns, metaphor and work-title
guards, event context, and terms learned from history under the matcher's guardrails."""

from __future__ import annotations

import pytest

from hotspot.analysis.keywords import Segmenter
from hotspot.engine import Engine
from hotspot.models import RawItem
from hotspot.planning.desk import classifier_for, mark_sensitive
from hotspot.planning.sensitivity import Sensitivity
from hotspot.planning.sensitivity_learn import learn_sensitive, relearn_sensitive, stored_learned
from hotspot.storage.store import Store


@pytest.fixture(scope="module")
def gate() -> Sensitivity:
    return Sensitivity.load()


def test_actors_alone_are_not_a_dispute_but_count_beside_a_grievance(gate):
    assert gate.classify("女子和网友在景区偶遇") is None
    assert gate.classify("女子和网友在景区偶遇", mode="strict") is None  # no real evidence
    v = gate.classify("游客质疑景区乱象")
    assert v is not None and v.category == "social_conflict"
    assert {"质疑", "游客", "景区"} <= set(v.terms)


@pytest.mark.parametrize(
    ("title", "category", "shown"),
    [
        ("货车与客车相撞致5人死亡", "disaster", "相撞"),
        ("某地一男子被刑拘", "crime", "被刑拘"),
        ("广东发生山火", "disaster", "发生山火"),
        ("教师被辱骂后维权", "social_conflict", "维权"),
    ],
)
def test_phrase_patterns_name_the_phrase(gate, title, category, shown):
    v = gate.classify(title)
    assert v is not None and v.category == category and shown in v.terms


@pytest.mark.parametrize(
    "title",
    ["这段舞台笑死我了", "新歌杀疯了", "演唱会现场炸裂", "《战争与和平》新版定档", "奶茶店爆单了"],
)
def test_metaphors_and_work_titles_are_not_sensitive(gate, title):
    assert gate.classify(title, mode="strict") is None


def test_the_other_categories_add_half_their_evidence(gate):
    # one weak term of disaster (暴雨) and one of crime (警方): 0.5 + 0.25
    v = gate.classify("暴雨中警方出动", mode="strict")
    assert v is not None and v.score == 0.75 and "暴雨" in v.terms
    assert gate.classify("暴雨中警方出动") is None
    v = gate.classify("暴雨中警方出动 转移群众")  # 暴雨 + 转移 = 1.0, + 0.25 for 警方
    assert v is not None and v.category == "disaster" and v.score == 1.25


def test_event_context_decides_for_a_bare_title(gate):
    bare = "当事人回复了"
    assert gate.classify(bare) is None
    v = gate.classify(bare, siblings=["高速连环撞致3人遇难", "高速多车相撞"])
    assert v is not None and v.category == "disaster"
    assert all(t.startswith("event:") for t in v.terms)
    # a minority of sensitive siblings is not enough; off stays off
    assert gate.classify(bare, siblings=["高速连环撞致3人遇难", "春季出游", "晚霞"]) is None
    # one of two is a tie, not a majority
    assert gate.classify(bare, siblings=["高速连环撞致3人遇难", "春季出游"]) is None
    assert gate.classify(bare, mode="off", siblings=["高速连环撞致3人遇难"]) is None


def _history() -> list[tuple[list[str], str | None, int, str]]:
    seg = Segmenter()
    docs = []
    # a new place name that keeps appearing with disaster evidence: several events, platforms
    for i, t in enumerate(
        ["塔曼吉发生地震", "塔曼吉洪水", "塔曼吉山体滑坡", "塔曼吉余震不断", "塔曼吉灾区救援"]
    ):
        docs.append((seg.tokens(t), None, i, "weibo" if i % 2 else "baidu"))
    # a word seen once with a disaster but mostly in ordinary titles: not distinctive
    for i, t in enumerate(["周末去公园", "公园里的樱花", "公园夜跑", "公园发生地震", "公园野餐"]):
        docs.append((seg.tokens(t), None, 100 + i, "weibo"))
    # one story told many times by one list: not vocabulary
    docs += [(seg.tokens("库玛拉矿难"), None, 200, "weibo")] * 6
    return docs


def test_learned_terms_need_events_platforms_and_distinctiveness(gate):
    learned = learn_sensitive(_history(), gate)
    assert "塔曼吉" in learned.get("disaster", {})
    flat = {t for terms in learned.values() for t in terms}
    assert "公园" not in flat and "库玛拉" not in flat
    assert not flat & gate.known_terms  # the lexicon's own terms are not relearned


def test_learned_terms_are_stored_explained_and_used(tmp_path, gate):
    store = Store(tmp_path / "h.db")
    engine = Engine(store, [], verticals=[])
    from datetime import UTC, datetime, timedelta

    at = datetime(2025, 3, 1, tzinfo=UTC)
    titles = ["塔曼吉发生地震", "塔曼吉洪水", "塔曼吉山体滑坡", "塔曼吉余震不断", "塔曼吉灾区救援"]
    for i, t in enumerate(titles):
        for platform in ("weibo", "baidu"):
            engine.ingest(platform, platform, [RawItem(title=t, rank=1)], at + timedelta(days=i))
    with store.transaction():
        relearn_sensitive(store, gate)
    assert "塔曼吉" in stored_learned(store).get("disaster", {})
    # strict: the learned word alone marks it, explained; normal: it needs other evidence
    learned_gate = classifier_for(store)
    v = learned_gate.classify("塔曼吉最新消息", mode="strict")
    assert v is not None and "learned:塔曼吉" in v.terms
    assert learned_gate.classify("塔曼吉最新消息") is None
    assert gate.classify("塔曼吉最新消息", mode="strict") is None
    rows = [{"title": "塔曼吉最新消息", "account": "a", "event_id": None}]
    from hotspot.config import AccountConfig

    mark_sensitive(rows, [AccountConfig(name="a", sensitivity="strict")], store=store)
    assert rows[0]["sensitive"]["terms"] == ["learned:塔曼吉"]


@pytest.mark.parametrize(
    ("title", "category"),
    [
        ("男孩体检查出肺癌", "death"),  # a cancer named beside who has it
        ("某县一学校发生校园欺凌", "crime"),
        ("跨国毒枭落网", "crime"),
        ("业主质疑物业不作为", "social_conflict"),
        ("流感高发 儿科门诊排长队", "health_scare"),  # care settings count beside a scare
        ("克宫回应停火提议", "military_conflict"),
        ("某市学校乱收费？官方通报", "social_conflict"),
        ("美俄外长会谈达成共识", "politics"),
        ("警方破获一起涉赌案件", "crime"),
        ("某校老师当众掌掴学生", "social_conflict"),
        ("货车刹车失灵冲下坡道", "disaster"),
    ],
)
def test_lexicon_terms_from_the_definitions(gate, title, category):
    v = gate.classify(title)
    assert v is not None and v.category == category


@pytest.mark.parametrize(
    "title",
    [
        "九成肠癌由肠息肉发展而来",  # health advice: a cancer without a person
        "男女都可以接种HPV疫苗",  # vaccination and care settings alone are not a scare
        "医生提醒门诊患者带好病历",
        "没抢到票也来场外支持刀郎",  # 刀郎 holds 持刀
        "护士用留置针给病人输液",  # 留置针 holds 留置
        "中欧基金发布年度报告",  # 中欧 (a fund's name) is no diplomacy
        "这个行业或将被AI颠覆",  # 颠覆 is a war word only in 颠覆政权
        "疑似新款手机谍照曝光",
    ],
)
def test_lexicon_titles_stay_unmarked(gate, title):
    assert gate.classify(title) is None
