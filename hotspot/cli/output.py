"""Render rows for the terminal (table), for programs (json) and for spreadsheets (csv).

Titles are untrusted: control characters are removed and the cells are padded by display
width (a CJK character takes two columns), so a hostile title cannot move the cursor or
break the table.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hotspot.display import local_time
from hotspot.i18n import _
from hotspot.ingest.normalize import clean_text


def when(ts: int | None, tz: ZoneInfo) -> str:
    return local_time(ts, tz)


def iso(ts: int | None, tz: ZoneInfo) -> str | None:
    return datetime.fromtimestamp(ts, tz).isoformat() if ts else None


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, limit: int) -> str:
    """``text`` padded to ``limit`` display columns (never cut)."""
    return text + " " * max(limit - width(text), 0)


def fit(text: str, limit: int) -> str:
    text = clean_text(str(text))
    if width(text) <= limit:
        return text + " " * (limit - width(text))
    out, w = "", 0
    for c in text:
        cw = 2 if unicodedata.east_asian_width(c) in "WF" else 1
        if w + cw > limit - 1:
            break
        out += c
        w += cw
    return out + "…" + " " * (limit - w - 1)


def table(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str, int]]) -> str:
    """``columns``: (key, header, max width). Cells are cleaned and fitted; lists are shown
    comma-separated."""
    if not rows:
        return _("(none)")
    columns = [(key, _(header), cap) for key, header, cap in columns]
    rows = [
        {k: ",".join(map(str, v)) if isinstance(v, (list, tuple)) else v for k, v in r.items()}
        for r in rows
    ]
    widths = []
    for key, header, cap in columns:  # a header is never cut (a translation may be longer)
        w = max([0] + [width(clean_text(str(r.get(key, "")))) for r in rows])
        widths.append(max(min(w, cap), width(header)))
    lines = ["  ".join(fit(h, w) for (_, h, _), w in zip(columns, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append(
            "  ".join(
                fit("" if r.get(k) is None else str(r.get(k)), w)
                for (k, _, _), w in zip(columns, widths)
            ).rstrip()
        )
    return "\n".join(lines)


def to_json(rows: Any) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2, default=str)


BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    """CSV that Excel on Chinese Windows opens correctly: UTF-8 with a BOM (without it Excel
    reads the bytes as GBK), always, so a file written by ``> alerts.csv`` just works; programs
    read it with ``encoding="utf-8-sig"``. Lists are comma-separated text (``weibo,baidu``), not
    JSON inside a cell; a nested table (rare) stays JSON."""
    if not rows:
        return ""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), extrasaction="ignore")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: _cell(v) for k, v in r.items()})
    return BOM + buf.getvalue()


def _cell(value: Any) -> Any:
    """Lists as comma-separated text; a string starting like a formula (``=``, ``+``, ``-``,
    ``@``, tab, CR) gets a leading ``'`` so a spreadsheet shows it as text (OWASP's advice);
    numbers stay numbers."""
    if isinstance(value, (list, tuple)):
        value = ",".join("" if v is None else str(v) for v in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
