"""Server-rendered SVG charts: an event's rank and heat curves per platform, and sparklines.

Pure functions, no JavaScript: time runs left to right, rank is drawn on the left axis
inverted (#1 at the top, solid lines), heat on a second axis on the right (dashed lines, in
万/亿), one colour per platform. Every text in the SVG is escaped; colours are presentation
attributes (the page's CSP forbids inline styles).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

PALETTE = ("#dc2626", "#2563eb", "#059669", "#d97706", "#7c3aed", "#db2777", "#0891b2", "#4b5563")
W, H = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 44, 60, 26, 58


def heat_label(value: float | None) -> str:
    """Heat as operators read it: 1.2亿, 356.0万, 8000."""
    if not value:
        return "0"
    if value >= 100_000_000:
        return f"{value / 100_000_000:.1f}亿"
    if value >= 10_000:
        return f"{value / 10_000:.1f}万"
    return str(int(value))


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        return [lo]
    step = (hi - lo) / (n - 1)
    return [lo + i * step for i in range(n)]


def event_chart(observations: Sequence[Mapping[str, Any]], tz: ZoneInfo) -> Markup:
    """One SVG with every platform's rank (left, inverted) and heat (right) over time.

    ``observations``: rows with ``platform``, ``observed_at``, ``rank``, ``heat`` (sorted by
    time, as ``Store.event_observations`` returns them)."""
    series: dict[str, list[Mapping[str, Any]]] = {}
    for o in observations:
        series.setdefault(str(o["platform"]), []).append(o)
    if not series:
        return Markup('<p class="muted">还没有排名记录。</p>')
    times = [int(o["observed_at"]) for o in observations]
    t0, t1 = min(times), max(times)
    if t1 == t0:
        t0, t1 = t0 - 300, t1 + 300
    ranks = [o["rank"] for o in observations if o["rank"] is not None]
    heats = [o["heat"] for o in observations if o["heat"] is not None]
    max_rank = max(10, max(ranks, default=10))
    max_heat = max(heats, default=0) or 1
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def x(t: int) -> float:
        return LEFT + (t - t0) / (t1 - t0) * pw

    def y_rank(r: float) -> float:
        return TOP + (r - 1) / max(max_rank - 1, 1) * ph

    def y_heat(h: float) -> float:
        return TOP + ph - h / max_heat * ph

    out = [
        f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" xmlns="http://www.w3.org/2000/svg"'
        ' aria-label="排名与热度曲线">',
        f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="#fff" stroke="#e5e7eb"/>',
    ]
    for r in sorted({1, *[round(v) for v in _ticks(1, max_rank)]}):
        yy = y_rank(r)
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + pw}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#f1f5f9"/>'
            f'<text x="{LEFT - 6}" y="{yy + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#475569">#{r}</text>'
        )
    for h in _ticks(0, max_heat) if heats else []:
        yy = y_heat(h)
        out.append(
            f'<text x="{LEFT + pw + 6}" y="{yy + 4:.1f}" font-size="11" fill="#475569">'
            f"{escape(heat_label(h))}</text>"
        )
    span = t1 - t0
    pattern = "%m-%d %H:%M" if span > 86400 else "%H:%M" if span > 600 else "%H:%M:%S"
    for t in _ticks(t0, t1):
        label = dt.datetime.fromtimestamp(t, tz).strftime(pattern)
        out.append(
            f'<text x="{x(int(t)):.1f}" y="{TOP + ph + 16}" text-anchor="middle" font-size="11" '
            f'fill="#475569">{label}</text>'
        )
    out.append(
        f'<text x="{LEFT - 38}" y="{TOP - 12}" font-size="10" fill="#64748b">排名 ↑</text>'
        + (
            f'<text x="{LEFT + pw + 6}" y="{TOP - 12}" font-size="10" fill="#64748b">热度</text>'
            if heats
            else ""
        )
    )
    legend_y = TOP + ph + 34
    for i, (platform, rows) in enumerate(series.items()):
        color = PALETTE[i % len(PALETTE)]
        for segment in _segments(rows, "rank"):
            pts = " ".join(
                f"{x(int(o['observed_at'])):.1f},{y_rank(o['rank']):.1f}" for o in segment
            )
            if len(segment) == 1:
                cx, cy = pts.split(",")
                out.append(f'<circle class="rank" cx="{cx}" cy="{cy}" r="3" fill="{color}"/>')
            else:
                out.append(
                    f'<polyline class="rank" points="{pts}" fill="none" stroke="{color}" '
                    'stroke-width="2"/>'
                )
        for segment in _segments(rows, "heat"):
            pts = " ".join(
                f"{x(int(o['observed_at'])):.1f},{y_heat(o['heat']):.1f}" for o in segment
            )
            if len(segment) > 1:
                out.append(
                    f'<polyline class="heat" points="{pts}" fill="none" stroke="{color}" '
                    'stroke-width="1.5" stroke-dasharray="5 4" opacity="0.8"/>'
                )
        lx = LEFT + (i % 4) * 165
        ly = legend_y + (i // 4) * 14
        out.append(
            f'<line x1="{lx}" x2="{lx + 18}" y1="{ly}" y2="{ly}" stroke="{color}" '
            f'stroke-width="2"/><text x="{lx + 22}" y="{ly + 4}" font-size="11" '
            f'fill="#1f2937">{escape(platform)}（实线排名 · 虚线热度）</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))


def _segments(rows: Sequence[Mapping[str, Any]], key: str) -> list[list[Mapping[str, Any]]]:
    """Runs of consecutive rows that have ``key`` (a missing value breaks the line)."""
    out: list[list[Mapping[str, Any]]] = [[]]
    for o in rows:
        if o[key] is None:
            if out[-1]:
                out.append([])
        else:
            out[-1].append(o)
    return [s for s in out if s]


def sparkline(ranks: Sequence[int | None], width: int = 96, height: int = 22) -> Markup:
    """A small inverted rank line (higher = better) for lists."""
    values = [r for r in ranks if r is not None]
    if len(values) < 2:
        return Markup("")
    lo, hi = min(values), max(values)
    span = max(hi - lo, 1)
    step = width / (len(values) - 1)
    pts = " ".join(
        f"{i * step:.1f},{2 + (v - lo) / span * (height - 4):.1f}" for i, v in enumerate(values)
    )
    return Markup(
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-hidden="true"><polyline points="{pts}" '
        'fill="none" stroke="#dc2626" stroke-width="1.5"/></svg>'
    )
