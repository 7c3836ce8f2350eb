"""Content angles: every kind of cell, where it came from, and the limits."""

from __future__ import annotations

from hotspot.planning.angles import load_templates, propose, salient_terms


def test_salient_terms_lead_then_reason():
    assert salient_terms(["哪吒2", "票房", "破百亿"], ["电影", "票房"]) == ["哪吒2", "电影"]
    assert salient_terms(["网友", "哪吒"], ["哪吒2"]) == ["哪吒2"]  # generic and sub-terms skipped
    assert salient_terms([], []) == []


def test_propose_mixes_kinds_and_names_sources():
    cells = propose(
        ["哪吒2", "电影"],
        audience=["学生党", "上班族"],
        pillars=["平价"],
        verticals=["food"],
        templates=load_templates(),
        nodes=[("母亲节", ["情感", "礼品"])],
    )
    assert len(cells) == 9
    assert cells[0].text == "哪吒2 × 学生党 → 学生党眼中的哪吒2" and cells[0].source == "受众"
    assert [c.source for c in cells[:4]] == ["受众", "内容支柱", "领域模板:food", "节点:母亲节"]
    assert cells[3].hint == "母亲节借势哪吒2：情感"
    assert {"平替", "在家复刻"} <= {c.facet for c in cells}
    assert "电影 × 学生党 → 学生党眼中的电影" in [c.text for c in cells]
    assert len({(c.term, c.facet) for c in cells}) == 9  # no duplicate cell


def test_no_terms_no_angles_and_templates_shipped():
    assert propose([], audience=["学生党"]) == []
    t = load_templates()
    assert t["food"][:4] == ("平替", "在家复刻", "热量对比", "探店打卡")
    assert {"安全提醒", "育儿误区", "好物清单"} <= set(t["parenting"])


def test_salient_terms_take_the_titles_spelling_and_put_places_last():
    title = "四川男子用DeepSeek复刻哪吒2同款"
    assert salient_terms(["四川", "deepseek", "哪吒"], ["哪吒"], title=title) == [
        "DeepSeek",
        "哪吒2",
    ]
    assert salient_terms(["曝微信", "接入"], [], title="曝微信内测接入") == ["微信", "接入"]
