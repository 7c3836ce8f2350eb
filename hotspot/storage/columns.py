"""Small helpers shared by the store's modules: JSON text columns and chunked ``IN (...)``
lists (SQLite caps the number of bound parameters)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any


def to_json(value: Any) -> str:
    """Compact JSON for a TEXT column; Chinese stays readable."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def chunks(seq: list, n: int) -> Iterator[list]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def like_contains(text: str) -> str:
    """A ``LIKE ? ESCAPE '\\'`` pattern matching ``text`` literally anywhere (``%`` and ``_``
    typed by the operator are characters, not wildcards)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
