"""The self-trained word model: learns from lexicon-marked history only, picks its thresholds
on the training titles, decides only where nothing else did, survives the store, explains."""

from __future__ import annotations

import math
from collections import Counter

from hotspot.analysis.keywords import Segmenter
from hotspot.planning.sensitivity import Sensitivity
from hotspot.planning.sensitivity_model import (
    SHARES,
    WordModel,
    held_out_scores,
    store_model,
    train,
)
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
    assert back.shares == model.shares
    assert back.lo == model.lo
    assert WordModel.from_store(Store(tmp_path / "empty.db")) is None


def test_words_are_cut_by_longest_match_over_the_vocabulary():
    model = WordModel()
    model.neg.update({"卡隆": 3, "卡隆河": 3, "前线": 3})
    model.n_neg = 3
    model._index()
    assert model.words("卡隆河前线卡隆") == ["卡隆河", "前线", "卡隆"]


def _model(examples: list[tuple[set[str], str | None]]) -> WordModel:
    model = WordModel()
    for words, cat in examples:
        if cat is None:
            model.neg.update(words)
            model.n_neg += 1
        else:
            model.pos.setdefault(cat, Counter()).update(words)
            model.n_pos[cat] = model.n_pos.get(cat, 0) + 1
    model._index()
    return model


def test_held_out_scores_are_the_scores_of_the_model_trained_without_the_title():
    war = [({"卡隆河", "前线"}, "military_conflict")] * 3 + [
        ({"卡隆河", "消息"}, "military_conflict")
    ]
    calm = [({"樱花", "消息"}, None)] * 5 + [({"樱花", "前线"}, None), ({"前线", "消息"}, None)]
    examples = war + calm
    model = _model(examples)
    held = held_out_scores(model, examples)
    for i, (words, _) in enumerate(examples):
        without = _model(examples[:i] + examples[i + 1 :])
        assert math.isclose(held[i][0], without.score(words), abs_tol=1e-9)
        shares = [without.share(w) for w in words if w in without.vocab]
        assert math.isclose(held[i][1], max(shares, default=0.0))
    # a positive's own words no longer vouch for it: held out it scores lower
    assert held[0][0] < model.score(examples[0][0])


def test_weak_lexicon_evidence_lets_the_model_decide_at_the_strict_threshold():
    model = WordModel(
        pos={"military_conflict": Counter({"卡隆河": 10})},
        neg=Counter({"樱花": 10}),
        n_pos={"military_conflict": 10},
        n_neg=10,
        thresholds={"normal": 5.0, "strict": 0.0},
    )
    assert 0.0 < model.score(["卡隆河"]) < 5.0
    gate = Sensitivity.load().with_learned({}, model)
    # 局势 alone is one weak term (0.5): too little for normal mode, but the model agrees
    v = gate.classify("卡隆河局势")
    assert v is not None and v.category == "military_conflict" and "model:卡隆河" in v.terms
    assert Sensitivity.load().classify("卡隆河局势") is None
    # no lexicon evidence at all: the model alone must clear the normal threshold
    assert gate.classify("卡隆河最新消息") is None
    assert gate.classify("卡隆河最新消息", mode="strict") is not None


def test_a_verdict_needs_a_word_with_a_sensitive_sense_of_its_own():
    model = WordModel(
        pos={"crime": Counter({"男子": 30, "卡隆河": 10})},
        neg=Counter({"男子": 20, "樱花": 10}),
        n_pos={"crime": 40},
        n_neg=40,
        thresholds={"normal": 0.0, "strict": 0.0},
        shares={"normal": 0.8, "strict": 0.0},
    )
    assert model.lo["男子"] > 0 and model.share("男子") == 0.6  # an actor, often beside crime
    gate = Sensitivity.load().with_learned({}, model)
    assert gate.classify("男子最新消息") is None  # normal: no word sure enough on its own
    assert gate.classify("男子最新消息", mode="strict") is not None
    v = gate.classify("卡隆河男子最新消息")
    assert v is not None and v.terms[0] == "model:卡隆河"


def test_training_picks_the_share_and_threshold_on_held_out_titles():
    model = train(history(), Sensitivity.load())
    assert set(model.shares) == set(model.thresholds)
    assert all(share in SHARES for share in model.shares.values())
    back = WordModel(model.pos, model.neg, model.n_pos, model.n_neg, model.thresholds, model.shares)
    assert back.verdict("卡隆河最新消息", "normal", {}) is not None


def test_held_out_scores_subtract_a_soft_label_by_its_weight():
    from hotspot.planning.sensitivity_model import _fit

    examples = [({"卡隆河", "前线"}, "military_conflict")] * 4 + [({"樱花", "消息"}, None)] * 6
    examples += [({"卡隆河", "消息"}, "military_conflict", 0.25)]
    model = _fit(examples)
    assert math.isclose(model.n_pos["military_conflict"], 4.25)
    assert math.isclose(model.n_neg, 6.75)
    held = model.held_out
    without = _fit(examples[:-1])
    assert math.isclose(held[-1][0], without.score(["卡隆河", "消息"]), abs_tol=1e-9)


def test_self_labels_weigh_by_the_local_held_out_precision():
    from hotspot.planning.sensitivity_model import _confidence, _precision_curve

    # 60 positives above 60 negatives: near the top a title is surely positive, near the
    # bottom surely not, and the cumulative share would have called the bottom 0.5
    held = [(float(100 - k), 0.0) for k in range(120)]
    labels = [1.0] * 60 + [0.0] * 60
    curve = _precision_curve(held, labels)
    assert _confidence(curve, 99.0) == 1.0
    assert _confidence(curve, -19.0) == 0.0
    assert 0.4 < _confidence(curve, 40.5) < 0.6


def test_self_training_keeps_the_lexicon_labels_and_adds_confident_ones():
    import hotspot.planning.sensitivity_model as sm

    gate = Sensitivity.load()
    docs = history() + [(SEG.tokens("卡隆河最新消息"), None, 10_000, "weibo")]
    plain = sm.SELF_ROUNDS
    try:
        sm.SELF_ROUNDS = 0
        first = train(docs, gate)
        sm.SELF_ROUNDS = 1
        second = train(docs, gate)
    finally:
        sm.SELF_ROUNDS = plain
    # the bare 卡隆河 title (no lexicon evidence: a negative) is one of the model's
    # confident verdicts, so it now counts (partly) as a positive
    assert second.n_pos["military_conflict"] > first.n_pos["military_conflict"]
    assert second.n_neg < first.n_neg
    assert math.isclose(
        second.n_pos["military_conflict"] + second.n_neg,
        first.n_pos["military_conflict"] + first.n_neg,
    )
