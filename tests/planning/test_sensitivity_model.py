"""The self-trained word model: learns from lexicon-marked history only, picks its thresholds
on the training titles, decides only where nothing else did, survives the store, explains."""

from __future__ import annotations

from hotspot.analysis.keywords import Segmenter
from hotspot.planning.sensitivity import Sensitivity
from hotspot.planning.sensitivity_model import WordModel, store_model, train
from hotspot.storage.store import Store

SEG = Segmenter()


def history() -> list[tuple[list[str], None, int, str]]:
    """A made-up front: 卡隆河 keeps appearing with war terms, 樱花 with nothing sensitive."""
    war = [
        "卡隆河前线交火",
        "卡隆河爆发激烈战事",
        "卡隆河空袭不断",
        "卡隆河停火谈判破裂",
        "卡隆河难民涌入",
    ]
    war += [f"卡隆河{w}第{n}天" for w in ("交火", "炮击", "空袭", "停火") for n in range(2, 16)]
    places = ("武汉", "杭州", "南京", "青岛", "苏州", "无锡", "厦门", "昆明")
    calm = [f"{p}樱花开了{n}成" for p in places for n in range(1, 31)]
    calm += [f"{p}春日樱花节" for p in ("上海", "北京", "成都", "西安", "重庆", "长沙")]
    docs = [(SEG.tokens(t), None, i, "weibo") for i, t in enumerate(war + calm)]
    return docs


def test_model_learns_what_the_lexicon_does_not_say():
    gate = Sensitivity.load()
    model = train(history(), gate)
    assert set(model.thresholds) == {"normal", "strict"}
    assert model.thresholds["strict"] <= model.thresholds["normal"]
    assert model.lo["卡隆河"] > 0 > model.lo["樱花"]
    assert not set(model.lo) & gate.known_terms  # lexicon terms are not features
    with_model = gate.with_learned({}, model)
    v = with_model.classify("卡隆河最新消息")
    assert v is not None and v.category == "military_conflict"
    assert v.terms == ("model:卡隆河",)
    assert with_model.classify("樱花最新消息") is None
    # fiction is never decided by the model; the lexicon's own verdict stays first
    assert with_model.classify("卡隆河最新消息", category="电影") is None
    assert with_model.classify("卡隆河地震").terms == ("地震",)


def test_model_round_trips_through_the_store(tmp_path):
    model = train(history(), Sensitivity.load())
    store = Store(tmp_path / "h.db")
    with store.transaction():
        store_model(store, model)
    back = WordModel.from_store(store)
    assert back is not None
    assert back.thresholds == model.thresholds
    assert back.lo == model.lo
    assert WordModel.from_store(Store(tmp_path / "empty.db")) is None


def test_words_are_cut_by_longest_match_over_the_vocabulary():
    model = WordModel()
    model.neg.update({"卡隆": 3, "卡隆河": 3, "前线": 3})
    model.n_neg = 3
    model._index()
    assert model.words("卡隆河前线卡隆") == ["卡隆河", "前线", "卡隆"]
