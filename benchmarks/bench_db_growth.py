"""Benchmark 6 — database growth.

Measured: the size (database file + WAL, after ``wal_checkpoint(TRUNCATE)``) of the database
that the replay benchmark's import produced (31 days, 4 platforms, 1 account x 12 themes);
run alone, this module does the import itself. SQLite's ``dbstat`` gives the bytes of each
table with its indexes (the FTS tables count with items), hence bytes per row.

Projected: one year of S = 10 sources x P = 50 items polled every 2 minutes, retention on
(R = 30 days at full resolution, older observations compacted to one per item per hour, see
hotspot/retention.py):

    obs_per_day   = S * P * 86400 / 120                      (one observation per item per poll)
    items_year    = S * new_items_per_source_day * 365       (turnover measured in the corpus)
    obs_kept      = obs_per_day * R + items_year * (365 - R) / 365 * hours_per_item
    size_year     = items_year * (B_item + alerts_per_item * B_alert + events_per_item * B_event)
                    + obs_kept * B_obs + S * 720 * R * B_poll

B_* are the measured bytes per row; new items per source-day, hours per item (distinct hours
an item was seen in) and alerts/events per item come from the same import. B_poll (a polls
row; the import records none) is taken as 60 bytes. Alerts scale with accounts x themes.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

S, P, INTERVAL, R = 10, 50, 120, 30
B_POLL = 60


def import_figures() -> dict:
    if "import" in c.STATE:
        return c.STATE["import"]
    import bench_replay

    with tempfile.TemporaryDirectory(prefix="hotspot-bench-growth-") as tmp:
        wall, db, _ = bench_replay.run_import(Path(tmp))
        c.STATE["import"] = {"wall": wall, **bench_replay.db_figures(db)}
    return c.STATE["import"]


def projection(f: dict) -> dict:
    n = f["counts"]
    bt = f["bytes_by_table"]

    def per(table: str, rows: int, *extra: str) -> float:
        return sum(bt.get(t, 0) for t in (table, *extra)) / rows if rows else 0.0

    b_item = per("items", n["items"])
    b_obs = per("observations", n["observations"])
    b_alert = per("alerts", n["alerts"])
    b_event = per("events", n["events"], "event_terms")
    days = max(f["span_s"] / 86400, 1.0)
    new_per_source_day = n["items"] / (max(f["sources"], 1) * days)
    hours_per_item = f["item_hours"] / n["items"] if n["items"] else 0.0
    alerts_per_item = n["alerts"] / n["items"] if n["items"] else 0.0
    events_per_item = n["events"] / n["items"] if n["items"] else 0.0
    obs_per_day = S * P * 86400 / INTERVAL
    items_year = S * new_per_source_day * 365
    obs_kept = obs_per_day * R + items_year * (365 - R) / 365 * hours_per_item
    size = (
        items_year * (b_item + alerts_per_item * b_alert + events_per_item * b_event)
        + obs_kept * b_obs
        + S * (86400 / INTERVAL) * R * B_POLL
    )
    no_retention = size - obs_kept * b_obs + obs_per_day * 365 * b_obs
    return {
        "b_item": b_item,
        "b_obs": b_obs,
        "b_alert": b_alert,
        "b_event": b_event,
        "days": days,
        "new_per_source_day": new_per_source_day,
        "hours_per_item": hours_per_item,
        "alerts_per_item": alerts_per_item,
        "events_per_item": events_per_item,
        "items_year": items_year,
        "obs_kept": obs_kept,
        "size": size,
        "no_retention": no_retention,
    }


def run() -> list[dict]:
    if not c.shared_available():
        return c.skipped("db growth")
    f = import_figures()
    p = projection(f)
    n = f["counts"]
    partial = " (PARTIAL import: timed out)" if f.get("partial") else ""
    print(
        f"db growth: import{partial}: {n['items']:,} items, {n['observations']:,} "
        f"observations, {n['events']:,} events, {n['alerts']:,} alerts over {p['days']:.1f} "
        f"days; {f['bytes'] / 1e6:.1f} MB after checkpoint "
        f"({f['bytes_before_checkpoint'] / 1e6:.1f} MB with WAL)"
    )
    print(
        f"db growth: bytes/row: item {p['b_item']:.0f} (with search grams and indexes), "
        f"observation {p['b_obs']:.0f}, alert {p['b_alert']:.0f}, event {p['b_event']:.0f} "
        f"(with terms)"
    )
    print(
        f"db growth: {p['new_per_source_day']:.0f} new items per source-day, "
        f"{p['hours_per_item']:.1f} hours per item, {p['alerts_per_item']:.2f} alerts and "
        f"{p['events_per_item']:.2f} events per item"
    )
    print(
        f"db growth: year = {p['items_year']:,.0f} items x ({p['b_item']:.0f} + "
        f"{p['alerts_per_item']:.2f} x {p['b_alert']:.0f} + {p['events_per_item']:.2f} x "
        f"{p['b_event']:.0f}) B + {p['obs_kept']:,.0f} observations kept x {p['b_obs']:.0f} B "
        f"+ polls = {p['size'] / 1e9:.2f} GB (without retention {p['no_retention'] / 1e9:.2f} "
        "GB)"
    )
    return [
        c.result(
            f"db size after the 31-day import{partial}",
            f["bytes"] / 1e6,
            "MB",
            f"{n['observations']:,} observations, {n['items']:,} items",
            None,
            "",
            None,
        ),
        c.result(
            "  bytes per observation / per item",
            p["b_obs"],
            "B/obs",
            f"{p['b_item']:.0f} B/item",
            None,
            "",
            None,
        ),
        c.result(
            "projected 1 year, 10 sources / 2 min, retention 30d",
            p["size"] / 1e9,
            "GB",
            f"no retention {p['no_retention'] / 1e9:.2f} GB",
            p["size"] / p["no_retention"],
            "",
            None,
        ),
    ]


if __name__ == "__main__":
    c.main(run)
