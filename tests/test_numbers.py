"""Heat figures: zero is every platform's placeholder for "no figure", stored as unknown."""

from __future__ import annotations

from datetime import UTC, datetime

from hotspot.ingest.normalize import normalize
from hotspot.models import RawItem
from hotspot.numbers import parse_heat, split_category


def test_zero_heat_in_any_form_is_unknown():
    for value in (0, 0.0, "0", "0万", " 0 ", "0 热度"):
        assert parse_heat(value) is None, value
    assert split_category("剧集 0") == ("剧集", None)
    assert parse_heat("1") == 1
    assert parse_heat(12000) == 12000


def test_normalize_stores_a_zero_heat_as_unknown():
    at = datetime(2025, 1, 1, tzinfo=UTC)
    hotspot = normalize(
        RawItem(title="实时上升词", heat=0), source="d", platform="d", observed_at=at
    )
    assert hotspot is not None and hotspot.heat is None
