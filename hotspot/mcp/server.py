"""The MCP tools: read alerts, an event with its curve, rising events, search, sources, the
calendar; explain a title; and one write, feedback on an alert.

Each tool opens its own read connection (WAL: safe while the daemon writes) and returns
compact JSON (no indentation) with the same fields as the CLI's ``--format json``. Bad input
(an unknown account, alert or verdict) comes back as a tool error with the same one-line
message the CLI prints. ``explain_title`` loads jieba and the matching engine on first use
only. ``upcoming_calendar`` answers from the planning desk's marketing calendar
(``hotspot.planning.calendar``), the same rows as ``hotspot calendar --format json``.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from hotspot import __version__
from hotspot.config import Config
from hotspot.durations import parse_duration
from hotspot.errors import HotspotError, InputError
from hotspot.i18n import _
from hotspot.storage.store import Store
from hotspot.web import views

INSTRUCTIONS = (
    "hotspot watches Chinese hot lists (Weibo, Baidu, Zhihu, Toutiao, Bilibili, Douyin, RSS) "
    "and alerts each operator account about the stories that fit its themes, saying why. "
    "Use list_alerts for what fits an account now, get_event for a story's rank/heat curve "
    "across platforms, explain_title to see why a title would (not) match, and mark_alert "
    "to record the operator's verdict (useful / irrelevant / chased)."
)


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _since(value: str | None, now: float) -> int | None:
    if not value:
        return None
    try:
        return int(now - parse_duration(value))
    except ValueError as exc:
        raise InputError(_("since: {exc}").format(exc=exc)) from None


def _guarded(fn: Callable[..., str]) -> Callable[..., str]:
    """hotspot's one-line errors reach the assistant as tool errors (the text included)."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> str:
        try:
            return fn(*args, **kwargs)
        except HotspotError as exc:
            raise ToolError(str(exc)) from None

    return run


def build_server(config_path: Path, config: Config, clock=time.time) -> MCPServer:
    tz = config.tz
    server = MCPServer("hotspot", version=__version__, instructions=INSTRUCTIONS)

    def read(fn):
        store = Store(config.database, migrate=False)
        try:
            return fn(store)
        finally:
            store.close()

    Store(config.database).close()  # migrate once (or refuse a foreign database) up front

    @server.tool()
    @_guarded
    def list_alerts(
        account: str | None = None,
        theme: str | None = None,
        since: str = "24h",
        limit: int = 50,
        include_irrelevant: bool = False,
    ) -> str:
        """Alerts (hotspots that matched an account's theme), newest first, as JSON: id,
        account, theme, score, title, url, platforms, rank, best_rank, heat, state, terms,
        verdict, created_at, sensitive (null, or {category, label, terms} for a story not
        to ride for marketing: 慎借势). ``since`` is a duration such as 2h, 24h, 7d. Alerts marked
        irrelevant are left out unless include_irrelevant."""
        if account and config.account(account) is None:
            raise InputError(
                _("no account named {account!r} in {path}").format(
                    account=account, path=config.path
                )
            )

        def marked(s: Any) -> list[dict[str, Any]]:
            rows = s.alerts(
                account=account,
                theme=theme,
                since=_since(since, clock()),
                limit=max(1, min(limit, 500)),
                include_irrelevant=include_irrelevant,
            )
            views.mark_alerts(s, config, rows)  # the 慎借势 mark, as in the digest
            return rows

        return _dump([views.alert_row(r, tz) for r in read(marked)])

    @server.tool()
    @_guarded
    def get_event(event_id: int) -> str:
        """One story across platforms as JSON: the event, its appearances (one per platform
        item) and every observation (observed_at, rank, heat per platform: the curve)."""
        e = read(lambda s: views.event_data(s, event_id))
        if e is None:
            raise InputError(
                _("no event with id {event_id}; see list_alerts or rising_now").format(
                    event_id=event_id
                )
            )
        return _dump(e)

    @server.tool()
    @_guarded
    def rising_now(
        since: str = "6h", state: str = "rising", platform: str | None = None, limit: int = 30
    ) -> str:
        """Events moving now (state new/rising/peaking/fading/gone), with velocity in ranks
        per hour and the recent ranks, as JSON."""
        if state not in views.STATES:
            raise InputError(_("state: use one of {states}").format(states=", ".join(views.STATES)))
        rows = read(
            lambda s: s.events(
                since=_since(since, clock()),
                platform=platform,
                state=state,
                limit=max(1, min(limit, 200)),
            )
        )
        return _dump([views.trend_row(r, tz) for r in rows])

    @server.tool()
    @_guarded
    def search_history(
        query: str, platform: str | None = None, since: str | None = None, limit: int = 50
    ) -> str:
        """Stored hotspots whose title contains ``query`` (the same index as
        ``hotspot hotspots list --search``), most recently seen first, as JSON."""
        if not query.strip():
            raise InputError(_("query: give some text to search for"))
        rows = read(
            lambda s: s.hotspots(
                search=query.strip(),
                platform=platform,
                since=_since(since, clock()),
                limit=max(1, min(limit, 500)),
            )
        )
        return _dump([views.hotspot_row(r, tz) for r in rows])

    @server.tool()
    @_guarded
    def sources_status() -> str:
        """Health of each configured source: last success, failures, last error, next poll."""
        rows = read(lambda s: views.source_rows(config, s))
        return _dump([{k: v for k, v in r.items() if not k.startswith("_")} for r in rows])

    @server.tool()
    @_guarded
    def explain_title(
        title: str,
        account: str | None = None,
        summary: str | None = None,
        category: str | None = None,
        platform: str | None = None,
    ) -> str:
        """How a title scores against each theme (of one account, or all), and why: the
        matched evidence terms, the threshold, any exclusion. Same engine as
        ``hotspot themes explain``."""
        from hotspot.analysis.lexicon import load_verticals
        from hotspot.engine import Engine, theme_pairs

        pairs = [(a, t) for a, t in theme_pairs(config) if not account or a == account]
        if account and not pairs:
            raise InputError(
                _("no account named {account!r} with themes in {path}").format(
                    account=account, path=config.path
                )
            )
        store = Store(config.database, migrate=False)
        try:
            engine = Engine(store, pairs, load_verticals(config.lexicons))
            doc = engine.document(title, summary, category, platform)
            matches = sorted(engine.matcher.match(doc, all_scores=True), key=lambda m: -m.score)
        finally:
            store.close()
        return _dump(
            {
                "tokens": list(doc.title_tokens),
                "matches": [
                    {
                        "account": m.account,
                        "theme": m.theme,
                        "passed": m.passed,
                        "terms": m.terms,
                        **m.explanation(),
                    }
                    for m in matches
                ],
            }
        )

    @server.tool()
    @_guarded
    def upcoming_calendar(days: int = 14, account: str | None = None) -> str:
        """Upcoming marketing-calendar nodes (festivals, solar terms, shopping days, public
        holidays, the account's own nodes): the rows of `hotspot calendar --format json`."""
        import datetime as dt

        from hotspot.planning.calendar import as_row, load_nodes, upcoming

        acc = config.account(account) if account else None
        if account and acc is None:
            raise InputError(
                _("no account named {account!r} in {path}").format(
                    account=account, path=config.path
                )
            )
        if not 1 <= days <= 3660:
            raise InputError(_("days must be between 1 and 3660"))
        lead = acc.calendar_lead if acc else 7 * 86400.0
        today = dt.datetime.fromtimestamp(clock(), tz).date()
        nodes = load_nodes(config.calendar, acc.name if acc else None)
        return _dump({"nodes": [as_row(o, today, lead) for o in upcoming(nodes, today, days)]})

    @server.tool()
    @_guarded
    def mark_alert(alert_id: int, verdict: str, term: str | None = None) -> str:
        """Record the operator's verdict on an alert: useful, irrelevant (it leaves the
        lists) or chased (written about); optionally the evidence ``term`` it is about. The
        same record as ``hotspot alerts mark``; every mark is kept."""

        def write(store: Store) -> dict[str, Any]:
            with store.transaction():
                return store.record_feedback(alert_id, verdict, term=term, origin="mcp")

        row = read(write)
        row["at"] = views.iso(row["at"], tz)
        return _dump(row)

    return server
