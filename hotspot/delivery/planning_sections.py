"""What the digest shows from the planning desk (hotspot.planning) for one account and
period: the sensitivity marks, the content angles of the top alerts, the calendar nodes
inside the account's lead time and the benchmark accounts' section.

``digest_planning(config, store, account, alerts, start, end)`` returns the keyword
arguments ``build_digest`` takes (``marks`` and ``extras``); the templates render them in
``templates/_planning.*.j2``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from hotspot.config import AccountConfig, Config
from hotspot.delivery.digest import TOP_EVENTS, weight
from hotspot.planning.benchmarks import summarise
from hotspot.planning.calendar import as_row, load_nodes, upcoming, within_lead
from hotspot.planning.desk import angles_for, mark_sensitive
from hotspot.storage.store import Store

CALENDAR_HORIZON = 60  # days looked ahead; what is shown is what is inside the lead time
ANGLE_NODE_HEAT = 3  # only nodes at least this hot lend their angles to alerts


def digest_planning(
    config: Config,
    store: Store,
    account: AccountConfig,
    alerts: Sequence[dict[str, Any]],
    start: int,
    end: int,
) -> dict[str, Any]:
    mark_sensitive(alerts, [account], store=store)
    marks = {a["id"]: a["sensitive"]["mark"] for a in alerts if a.get("sensitive")}
    today = dt.datetime.fromtimestamp(end, config.tz).date()
    occ = [
        o
        for o in upcoming(load_nodes(config.calendar, account.name), today, CALENDAR_HORIZON)
        if within_lead(o, today, account.calendar_lead)
    ]
    nodes = [(o.name, o.node.angles) for o in occ if o.node.heat >= ANGLE_NODE_HEAT]
    planning: dict[str, Any] = {
        "upcoming": [as_row(o, today, account.calendar_lead) for o in occ],
        "angles": _top_angles(store, account, alerts, marks, nodes),
        "benchmarks": None,
    }
    if account.benchmarks:
        posts = store.benchmark_posts(account.name, start, end)
        fine = [a for a in alerts if a["id"] not in marks]
        planning["benchmarks"] = summarise(
            [b.name for b in account.benchmarks], posts, fine, start, end
        )
    return {"marks": marks, "extras": {"planning": planning}}


def _top_angles(
    store: Store,
    account: AccountConfig,
    alerts: Sequence[Mapping[str, Any]],
    marks: Mapping[int, str],
    nodes: Sequence[tuple[str, Sequence[str]]],
) -> list[dict[str, Any]]:
    """Angles for the top alerts (one per event, by digest weight), never sensitive ones."""
    ranked = sorted(
        (a for a in alerts if a["id"] not in marks),
        key=lambda a: (
            -weight(float(a["score"]), a.get("event_heat") or a.get("max_heat")),
            a["id"],
        ),
    )
    out, events = [], set()
    for a in ranked:
        key = a.get("event_id") or ("a", a["id"])
        if key in events:
            continue
        events.add(key)
        full = store.alert(a["id"]) or a  # with the explanation (the linked verticals)
        angles = angles_for(full, account, nodes)
        if angles:
            out.append(
                {"alert_id": a["id"], "title": a["title"], "angles": [x.as_dict() for x in angles]}
            )
        if len(events) == TOP_EVENTS:
            break
    return out
