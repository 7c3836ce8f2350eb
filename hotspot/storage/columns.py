"""Small helpers shared by the store's modules: JSON text columns, chunked ``IN (...)``
lists (SQLite caps the number of bound parameters), LIKE patterns and search bigrams, and
the join that finds one account's alerts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

#: One account's alerts (``WHERE s.account = ?``): its spans (``alert_spans``, migration
#: 0007), then the ids of each span. Every alert of a span is the span's account's and has
#: its time; ``a.account`` is checked all the same (free, and no span can then lend an alert
#: to another account).
ACCOUNT_ALERTS = (
    "alert_spans s JOIN alerts a ON a.id BETWEEN s.lo AND s.hi AND a.account = s.account"
)

#: ``json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)`` built once:
#: ``dumps`` with options builds a new encoder per call, half the cost of a live replay's
#: 143,000 trend columns
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)


def to_json(value: Any) -> str:
    """Compact JSON for a TEXT column; Chinese stays readable."""
    return _ENCODER.encode(value)


def chunks(seq: list, n: int) -> Iterator[list]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def bigrams(text: str) -> str:
    """Space-separated character bigrams of a title's match form, for substring search."""
    from hotspot.ingest.normalize import match_key

    key = match_key(text)
    if len(key) < 2:
        return key
    return " ".join(key[i : i + 2] for i in range(len(key) - 1))


def like_contains(text: str) -> str:
    """A ``LIKE ? ESCAPE '\\'`` pattern matching ``text`` literally anywhere (``%`` and ``_``
    typed by the operator are characters, not wildcards)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
