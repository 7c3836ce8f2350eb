""" "Ads never raise alerts" holds for every source: whatever plugin flagged the ad (Weibo's
is_ad, Douyin's 商 label, an aggregator's ``ads: true``), and for an ad that is also pinned."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hotspot.sources.douyin import DouyinSource
from hotspot.sources.jsonlist import JsonListSource
from hotspot.sources.weibo import WeiboHotSearch

from hotspot.config.model import ThemeConfig
from hotspot.engine import Engine
from hotspot.ingest.source import Source
from hotspot.models import Fetched
from hotspot.storage.store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures"
AT = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
PINNED_AD = (
    b'{"code":200,"data":[{"id":"x","title":"\xe7\x8c\xab\xe7\xb2\xae\xe7\xbd\xae\xe9\xa1\xb6'
    b'\xe6\x8e\xa8\xe5\xb9\xbf","isTop":true,"ads":true}]}'  # 猫粮置顶推广: pinned and an ad
)


def parse(source: Source, body: bytes) -> Fetched:
    return Fetched(source=source.name, url="http://127.0.0.1/x", content=body, encoding="utf-8")


def test_no_source_alerts_an_ad(tmp_path):
    theme = ThemeConfig(name="宠物与汽车", keywords=("猫", "新车", "新品"), min_score=0.1)
    engine = Engine(Store(tmp_path / "h.db"), [("acct", theme)], verticals=[])
    cases = [
        (JsonListSource("agg", url="http://x"), (FIXTURES / "jsonlist/dailyhot_ads_pinned.json")),
        (WeiboHotSearch("weibo"), FIXTURES / "weibo/pc_ajax_hotsearch.json"),
        (DouyinSource("douyin"), FIXTURES / "douyin/hot_list.json"),
    ]
    ads = 0
    for source, path in cases:
        items = source.parse(parse(source, path.read_bytes()))
        ads += sum(i.is_ad for i in items)
        engine.ingest(source.name, source.platform, items, AT)
    pinned_ad = JsonListSource("agg2", url="http://x")
    items = pinned_ad.parse(parse(pinned_ad, PINNED_AD))
    assert items[0].is_ad and items[0].pinned
    engine.ingest("agg2", "agg2", items, AT)
    rows = engine.store.execute(
        "SELECT i.title, i.is_ad FROM alerts a JOIN items i ON i.id = a.item_id"
    ).fetchall()
    alerted = {r[0] for r in rows}
    assert ads >= 4  # the fixtures do hold ads, each matching the theme
    assert "猫咖开业排长队" in alerted  # ordinary rows matching the theme do alert
    assert not [r for r in rows if r[1]], f"ads alerted: {alerted}"
    for ad_title in (
        "猫粮新品限时五折",
        "宠物医院开业",
        "某品牌新车上市",
        "某品牌新品",
        "猫粮置顶推广",
    ):
        assert ad_title not in alerted
