"""The workspace's Starlette application: routes, templates and the per-request store.

``create_app(config, password=..., clock=...)`` builds the ASGI app. Every request opens its
own read connection (WAL: safe while the daemon writes; ``migrate=False``, the server migrated
once at start-up) and closes it afterwards; feedback is one short write transaction through
``Store.record_feedback(origin="web")``, the same records as ``hotspot alerts mark``. All
database work runs in Starlette's thread pool. Feedback is a plain HTML form (no JavaScript):
POST, then a 303 back to the page it came from, where an irrelevant alert is gone.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from hotspot.cli.output import to_csv
from hotspot.config import Config
from hotspot.errors import InputError
from hotspot.storage.store import Store
from hotspot.storage.store_feedback import VERDICTS
from hotspot.web import security, views
from hotspot.web.chart import event_chart, heat_label, sparkline

log = logging.getLogger("hotspot.web")
HERE = Path(__file__).resolve().parent
COOKIE = "hotspot_session"


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["heat"] = lambda v: heat_label(v) if v else "-"
    env.globals["VERDICT_LABEL"] = views.VERDICT_LABEL
    env.globals["VERDICTS"] = VERDICTS
    env.globals["sparkline"] = sparkline
    return env


class Workspace:
    """The state the routes share: config, password, clock and templates."""

    def __init__(self, config: Config, password: str | None, clock: Callable[[], float]):
        self.config = config
        self.password = password
        self.clock = clock
        self.templates = _env()

    def store(self) -> Store:
        return Store(self.config.database, migrate=False)

    def read(self, fn: Callable[[Store], Any]) -> Any:
        store = self.store()
        try:
            return fn(store)
        finally:
            store.close()

    def render(self, request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        ctx.setdefault("refresh", None)
        html = self.templates.get_template(name).render(
            request_path=request.url.path,
            query=request.url.query,
            csrf=security.csrf_token(request.session),
            login_required=self.password is not None,
            **ctx,
        )
        return HTMLResponse(html, status_code=status)

    def authed(self, request: Request) -> bool:
        return self.password is None or request.session.get("auth") is True


def _param(request: Request, name: str, allowed: Any = None, default: str = "") -> str:
    value = request.query_params.get(name, default).strip()[:200]
    if allowed is not None and value not in allowed:
        return default
    return value


def create_app(
    config: Config, *, password: str | None = None, clock: Callable[[], float] = time.time
) -> Starlette:
    ws = Workspace(config, password, clock)
    accounts = [a.name for a in config.accounts]
    themes = sorted({t.name for a in config.accounts for t in a.themes})

    def guard(request: Request) -> Response | None:
        if ws.authed(request):
            return None
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)

    def today_filters(request: Request) -> dict[str, str]:
        default_account = accounts[0] if accounts else ""
        account = request.query_params.get("account", default_account).strip()
        if account not in accounts:
            account = ""
        return {
            "account": account,
            "theme": _param(request, "theme"),
            "platform": _param(request, "platform"),
            "state": _param(request, "state", ("", *views.STATES)),
            "window": _param(request, "window", views.WINDOWS, "24h"),
        }

    async def index(request: Request) -> Response:
        return RedirectResponse("/today", status_code=303)

    async def today(request: Request) -> Response:
        if (r := guard(request)) is not None:
            return r
        f = today_filters(request)
        now = ws.clock()
        data = await run_in_threadpool(ws.read, lambda s: views.today(s, config, now, **f))
        platforms = sorted(
            {p for row in data["rows"] for p in row["platforms"]} | {f["platform"]} - {""}
        )
        return ws.render(
            request,
            "today.html.j2",
            f=f,
            data=data,
            accounts=accounts,
            themes=themes,
            platforms=platforms,
            states=views.STATES,
            state_label=views.STATE_LABEL,
            windows=views.WINDOW_LABEL,
            refresh=int(config.web.refresh) or None,
            csv_query=urlencode(f),
        )

    async def today_csv(request: Request) -> Response:
        if (r := guard(request)) is not None:
            return r
        f = today_filters(request)
        now = ws.clock()
        data = await run_in_threadpool(ws.read, lambda s: views.today(s, config, now, **f))
        rows = [views.alert_row(e["row"], config.tz) for g in data["groups"] for e in g["entries"]]
        body = "\ufeff" + to_csv(rows)  # the BOM lets Excel read the UTF-8 Chinese text
        name = f"hotspot-{f['account'] or 'all'}-{f['window']}.csv"
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f"attachment; filename*=UTF-8''{_quote(name)}"},
        )

    async def event(request: Request) -> Response:
        if (r := guard(request)) is not None:
            return r
        event_id = request.path_params["event_id"]
        now = ws.clock()
        data = await run_in_threadpool(
            ws.read, lambda s: views.event_page(s, config, event_id, now)
        )
        if data is None:
            return ws.render(
                request, "error.html.j2", 404, message=f"没有编号为 {event_id} 的事件。"
            )
        return ws.render(
            request,
            "event.html.j2",
            d=data,
            chart=event_chart(data["observations"], config.tz),
            back=security.local_path(request.query_params.get("back"), "/today"),
        )

    async def alert(request: Request) -> Response:
        if (r := guard(request)) is not None:
            return r
        alert_id = request.path_params["alert_id"]
        row = await run_in_threadpool(ws.read, lambda s: s.alert(alert_id))
        if row is None:
            return ws.render(
                request, "error.html.j2", 404, message=f"没有编号为 {alert_id} 的提醒。"
            )
        return RedirectResponse(f"/event/{row['event_id']}#alert-{alert_id}", status_code=303)

    async def rising(request: Request) -> Response:
        if (r := guard(request)) is not None:
            return r
        window = _param(request, "window", views.WINDOWS, "6h")
        state = _param(request, "state", views.STATES, "rising")
        platform = _param(request, "platform")
        now = ws.clock()
        rows = await run_in_threadpool(
            ws.read,
            lambda s: views.rising(s, config, now, window=window, platform=platform, state=state),
        )
        return ws.render(
            request,
            "rising.html.j2",
            rows=rows,
            f={"window": window, "state": state, "platform": platform},
            windows=views.WINDOW_LABEL,
            states=views.STATES,
            state_label=views.STATE_LABEL,
            refresh=int(config.web.refresh) or None,
        )

    async def search(request: Request) -> Response:
        if (r := guard(request)) is not None:
            return r
        q = _param(request, "q")
        now = ws.clock()
        rows = await run_in_threadpool(ws.read, lambda s: views.search(s, config, now, q))
        return ws.render(request, "search.html.j2", q=q, rows=rows)

    async def sources(request: Request) -> Response:
        if (r := guard(request)) is not None:
            return r
        now = ws.clock()
        rows = await run_in_threadpool(ws.read, lambda s: views.source_rows(config, s))
        for row in rows:
            row["last_success_ago"] = views.ago(row["_last_success"], now)
            row["next_poll_local"] = views.local(row["_next_poll"], config.tz)
        return ws.render(request, "sources.html.j2", rows=rows)

    async def calendar(request: Request) -> Response:
        """The coming marketing-calendar nodes (the planning desk's calendar), per account."""
        if (r := guard(request)) is not None:
            return r
        import datetime as dt

        from hotspot.planning.calendar import as_row, load_nodes, upcoming

        account = _param(request, "account", accounts, "")
        acc = config.account(account) if account else None
        lead = acc.calendar_lead if acc else 7 * 86400.0
        today = dt.datetime.fromtimestamp(ws.clock(), config.tz).date()
        nodes = load_nodes(config.calendar, acc.name if acc else None)
        rows = [as_row(o, today, lead) for o in upcoming(nodes, today, 60)]
        return ws.render(request, "calendar.html.j2", rows=rows, accounts=accounts, account=account)

    async def feedback(request: Request) -> Response:
        form = await request.form()
        if not security.csrf_ok(request.session, form.get("csrf")):
            return ws.render(
                request,
                "error.html.j2",
                403,
                message="请求缺少有效的 CSRF 令牌（页面可能已过期），请刷新页面后重试。",
            )
        if (r := guard(request)) is not None:
            return r
        alert_id = request.path_params["alert_id"]
        verdict = str(form.get("verdict") or "")

        def write(store: Store) -> dict[str, Any]:
            with store.transaction():
                return store.record_feedback(alert_id, verdict, origin="web")

        try:
            row = await run_in_threadpool(ws.read, write)
        except InputError as exc:
            return ws.render(request, "error.html.j2", 400, message=str(exc))
        log.info("alert %s marked %s via the workspace", alert_id, row["verdict"])
        back = security.local_path(form.get("next"), "/today")
        return RedirectResponse(back, status_code=303)

    async def login(request: Request) -> Response:
        target = security.local_path(request.query_params.get("next"), "/today")
        if request.method == "GET":
            return ws.render(request, "login.html.j2", next=target, failed=False)
        form = await request.form()
        if not security.csrf_ok(request.session, form.get("csrf")):
            return ws.render(
                request,
                "error.html.j2",
                403,
                message="请求缺少有效的 CSRF 令牌，请刷新页面后重试。",
            )
        target = security.local_path(form.get("next"), "/today")
        given = str(form.get("password") or "")
        if ws.password is None or security.password_ok(given, ws.password):
            request.session.clear()
            request.session["auth"] = True
            security.csrf_token(request.session)
            return RedirectResponse(target, status_code=303)
        log.warning(
            "workspace: a wrong password from %s", request.client.host if request.client else "?"
        )
        return ws.render(request, "login.html.j2", 401, next=target, failed=True)

    async def logout(request: Request) -> Response:
        form = await request.form()
        if not security.csrf_ok(request.session, form.get("csrf")):
            return ws.render(
                request,
                "error.html.j2",
                403,
                message="请求缺少有效的 CSRF 令牌，请刷新页面后重试。",
            )
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    routes = [
        Route("/", index),
        Route("/today", today),
        Route("/today.csv", today_csv),
        Route("/event/{event_id:int}", event),
        Route("/alert/{alert_id:int}", alert),
        Route("/rising", rising),
        Route("/search", search),
        Route("/sources", sources),
        Route("/calendar", calendar),
        Route("/alerts/{alert_id:int}/feedback", feedback, methods=["POST"]),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [
        Middleware(security.SecurityHeaders),
        Middleware(
            SessionMiddleware,
            secret_key=secrets.token_urlsafe(32),
            session_cookie=COOKIE,
            same_site="strict",
            https_only=False,
            max_age=12 * 3600,
        ),
    ]
    return Starlette(routes=routes, middleware=middleware)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
