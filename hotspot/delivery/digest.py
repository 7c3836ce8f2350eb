"""Build and render the daily digest of one account. Pure: data in, data out, no I/O.

    due_digests(accounts, now, tz, last_sent)   which (account, day) digests are due now
    build_digest(account, alerts, source_alerts, start, end, tz) -> Digest
    render(digest) -> (subject, html, text)      Jinja2: templates/digest.html.j2 / .txt.j2

Ranking. Each alert weighs ``score × (1 + log10(max(heat, 1)))``, heat being the event's heat
(summed over platforms) or else the item's peak heat. The log scale keeps a 10-million-heat
Weibo topic from burying a strong match with 50 thousand heat, and an item without any heat
(RSS, some lists) still ranks by its match score alone (factor 1). Themes are ordered by
their best alert, alerts within a theme by weight.

Period and due rule. A digest holds the account's alerts raised since the previously sent
digest (by alert id: ``Store.digest_bounds``), up to the moment it is sent, whatever day label
it carries; so every alert is in exactly one sent digest across early or late sends, missed
days and restarts. The day label is the local date of the ``digest_at`` that has most recently
passed; if the account has no *sent* digest for that day or a later one, it is due — but only
for a period hotspot actually covered: without any sent digest, collecting (daemon start, poll
or import, or the oldest alert) must have begun before that ``digest_at``.

Size. Each theme shows its top ``THEME_CAPS[0]`` alerts, then "… and N more: hotspot alerts
list …"; ``jobs`` re-renders with smaller caps until the message fits the budget.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from hotspot import display, i18n
from hotspot.analysis.trends import sparkline
from hotspot.config import AccountConfig
from hotspot.i18n import _, _l, ngettext

TEMPLATES = Path(__file__).resolve().parent / "templates"
DAY = 86400
TOP_EVENTS = 3
#: Alerts shown per theme, largest first; the mail is re-rendered with the next smaller cap
#: until it fits the size budget (see ``jobs.MAIL_BUDGET`` and the server's SIZE).
THEME_CAPS = (20, 10, 5, 3, 1)


@dataclass(frozen=True, slots=True)
class DueDigest:
    account: AccountConfig
    day: str  # local date, YYYY-MM-DD
    period_start: int
    period_end: int


@dataclass(frozen=True, slots=True)
class Entry:
    alert_id: int
    title: str
    url: str | None
    theme: str
    platforms: tuple[str, ...]
    best_rank: int | None
    heat: int | None
    state: str
    spark: str
    terms: tuple[str, ...]
    first_seen: str
    score: float
    weight: float
    event_id: int | None
    outlook: str = ""  # the rising detector's "预计 20 分钟内进前十，概率 78%"


@dataclass(frozen=True, slots=True)
class Group:
    theme: str
    entries: tuple[Entry, ...]
    total: int = 0  # alerts of the theme in the period (entries may show only the top ones)
    more_command: str = ""  # the command that lists them all

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.entries))


@dataclass(frozen=True, slots=True)
class Unhealthy:
    source: str
    since: str
    until: str | None  # None: still failing at the end of the period
    message: str


@dataclass(frozen=True, slots=True)
class Digest:
    account: str
    day: str
    period_start: str
    period_end: str
    timezone: str
    groups: tuple[Group, ...] = ()
    top: tuple[Entry, ...] = ()
    unhealthy: tuple[Unhealthy, ...] = ()
    count: int = 0
    extras: Mapping[str, Any] = field(default_factory=dict)
    # the planning desk's sections (templates/_planning.*.j2): sensitive alerts, kept out
    # of the theme sections; upcoming calendar nodes; benchmark accounts; angles per alert
    sensitive: tuple[Entry, ...] = ()
    marks: Mapping[int, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.count == 0


def weight(score: float, heat: int | None) -> float:
    return score * (1 + math.log10(max(heat or 0, 1)))


def local_day(day: str | dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    d = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return dt.datetime.combine(d, at, tzinfo=tz)


def due_digests(
    accounts: Sequence[AccountConfig],
    now: float | dt.datetime,
    tz: ZoneInfo,
    last_sent_by_account: Mapping[str, Mapping[str, Any]],
    coverage: Mapping[str, int | None] | None = None,
) -> list[DueDigest]:
    """Digests due at ``now``. ``last_sent_by_account`` maps an account to its latest sent
    digest row (``day``, ``period_end``); ``coverage`` to when collecting for it began
    (``Store.coverage_start``). Without a sent digest, a day is due only when collecting
    began before that day's ``digest_at``: a brand-new daemon mails nothing for yesterday."""
    ts = now.timestamp() if isinstance(now, dt.datetime) else float(now)
    local_now = dt.datetime.fromtimestamp(ts, tz)
    out = []
    for acc in accounts:
        if acc.digest_at is None or not acc.digest_to:
            continue
        at = local_day(local_now.date(), acc.digest_at, tz)
        if at.timestamp() > ts:
            at = local_day(local_now.date() - dt.timedelta(days=1), acc.digest_at, tz)
        day = at.date().isoformat()
        last = last_sent_by_account.get(acc.name)
        if last and str(last["day"]) >= day:
            continue
        began = (coverage or {}).get(acc.name)
        if last is None and (began is None or began >= at.timestamp()):
            continue  # nothing was collected before this digest_at
        start = int(last["period_end"]) if last else int(began or 0)
        out.append(DueDigest(acc, day, start, int(ts)))
    return out


def next_label(
    account: AccountConfig, now: float, tz: ZoneInfo, last: Mapping[str, Any] | None
) -> str:
    """The day label of the digest that goes out next: the day of the latest passed
    ``digest_at`` unless that day was already sent, else the day of the coming one."""
    local_now = dt.datetime.fromtimestamp(now, tz)
    at = account.digest_at or dt.time(0, 0)
    day = local_now.date() if local_now.time() >= at else local_now.date() - dt.timedelta(days=1)
    if last and str(last["day"]) >= day.isoformat():
        day = dt.date.fromisoformat(str(last["day"])) + dt.timedelta(days=1)
    return day.isoformat()


def build_digest(
    account: str,
    alerts_rows: Sequence[Mapping[str, Any]],
    source_alerts: Sequence[Mapping[str, Any]],
    period_start: int,
    period_end: int,
    tz: ZoneInfo,
    day: str | None = None,
    *,
    marks: Mapping[int, str] | None = None,
    extras: Mapping[str, Any] | None = None,
) -> Digest:
    """``marks``: alert id -> the sensitivity mark; those alerts go to ``sensitive``, not
    to the theme sections or the top."""
    marks = marks or {}
    everything = [_entry(r, tz) for r in alerts_rows]
    entries = [e for e in everything if e.alert_id not in marks]
    sensitive = sorted(
        (e for e in everything if e.alert_id in marks), key=lambda e: (-e.weight, e.alert_id)
    )
    by_theme: dict[str, list[Entry]] = {}
    for e in entries:
        by_theme.setdefault(e.theme, []).append(e)
    since = _since(period_end - period_start)
    groups = [
        Group(
            theme,
            tuple(sorted(es, key=lambda e: (-e.weight, e.alert_id))),
            len(es),
            f"hotspot alerts list --account {_arg(account)} --theme {_arg(theme)} "
            f"--since {since} --limit {max(len(es), 50)}",
        )
        for theme, es in by_theme.items()
    ]
    groups.sort(key=lambda g: (-g.entries[0].weight, g.theme))
    top: list[Entry] = []
    seen_events: set[Any] = set()
    for e in sorted(entries, key=lambda e: (-e.weight, e.alert_id)):
        key = e.event_id if e.event_id is not None else ("a", e.alert_id)
        if key not in seen_events:
            seen_events.add(key)
            top.append(e)
        if len(top) == TOP_EVENTS:
            break
    end_local = dt.datetime.fromtimestamp(period_end, tz)
    return Digest(
        account=account,
        day=day or end_local.date().isoformat(),
        period_start=_fmt(period_start, tz, "%Y-%m-%d %H:%M"),
        period_end=_fmt(period_end, tz, "%Y-%m-%d %H:%M"),
        timezone=tz.key,
        groups=tuple(groups),
        top=tuple(top),
        unhealthy=tuple(_unhealthy(source_alerts, tz)),
        count=len(everything),
        extras=dict(extras or {}),
        sensitive=tuple(sensitive),
        marks=dict(marks),
    )


def capped(d: Digest, per_theme: int) -> Digest:
    """The digest with at most ``per_theme`` alerts shown per theme (the top ones by rank);
    each group still says how many it has and which command lists them all."""
    groups = tuple(
        Group(g.theme, g.entries[:per_theme], g.total or len(g.entries), g.more_command)
        for g in d.groups
    )
    # everything else as it is: a field left out here (the sensitive section was) would
    # drop alerts from the mail
    return dataclasses.replace(d, groups=groups)


def _since(seconds: int) -> str:
    hours = max(1, math.ceil(seconds / 3600))
    return f"{hours}h" if hours <= 72 else f"{math.ceil(hours / 24)}d"


def _arg(value: str) -> str:
    """A shell word: quoted when it holds anything but letters, digits and ``-_.``."""
    return value if value and all(c.isalnum() or c in "-_." for c in value) else shlex.quote(value)


def _entry(r: Mapping[str, Any], tz: ZoneInfo) -> Entry:
    heat = r.get("event_heat") or r.get("max_heat")
    trend = r.get("trend") or {}
    ranks = [x for x in trend.get("ranks", []) if x is not None] if trend else []
    best = r.get("event_best_rank") or r.get("best_rank")
    first = r.get("event_first_seen") or r.get("first_seen") or r.get("created_at")
    return Entry(
        alert_id=r["id"],
        title=r["title"],
        url=r.get("url"),
        theme=r["theme"],
        platforms=tuple(r.get("platforms") or ([r["platform"]] if r.get("platform") else [])),
        best_rank=best,
        heat=heat,
        state=r.get("state") or "new",
        spark=sparkline(ranks[-24:], invert=True) if len(ranks) >= 2 else "",
        terms=tuple(r.get("terms") or ()),
        first_seen=_fmt(first, tz, "%m-%d %H:%M"),
        score=float(r["score"]),
        weight=weight(float(r["score"]), heat),
        event_id=r.get("event_id"),
        outlook=_outlook(trend, r.get("state")),
    )


def _outlook(trend: Mapping[str, Any], state: str | None) -> str:
    est = trend.get("estimate") if trend else None
    if not est or state != "rising" or est.get("chance") is None:
        return ""
    from hotspot.delivery.notifiers import estimate_text

    return estimate_text(
        {"rising": True, "rising_chance": est["chance"], "rising_eta": est.get("eta_minutes")}
    )


def _unhealthy(rows: Sequence[Mapping[str, Any]], tz: ZoneInfo) -> list[Unhealthy]:
    out: dict[str, Unhealthy] = {}
    for r in sorted(rows, key=lambda r: (r["at"], r.get("id") or 0)):
        src = r["source"]
        if r["kind"] == "down":
            out[src] = Unhealthy(src, _fmt(r["at"], tz, "%m-%d %H:%M"), None, r["message"])
        elif r["kind"] == "recovered" and src in out and out[src].until is None:
            u = out[src]
            out[src] = Unhealthy(src, u.since, _fmt(r["at"], tz, "%m-%d %H:%M"), u.message)
    return list(out.values())


def _fmt(ts: int | None, tz: ZoneInfo, pattern: str) -> str:
    return dt.datetime.fromtimestamp(ts, tz).strftime(pattern) if ts else ""


# -- rendering ------------------------------------------------------------------------------
_html_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_text_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=False,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


_heat = display.heat


def _safe_url(url: str | None) -> str | None:
    """Only http(s) links: a ``javascript:`` url from a feed must not become a link."""
    return url if url and url.lower().startswith(("http://", "https://")) else None


for _env in (_html_env, _text_env):
    i18n.install_jinja(_env)
    _env.filters["heat"] = _heat
    _env.filters["safe_url"] = _safe_url

STATE_NAMES = {
    "new": _l("new"),
    "rising": _l("rising"),
    "peaking": _l("peaking"),
    "fading": _l("fading"),
    "gone": _l("off the list"),
}


class _StateLabels(dict):
    """State -> label in the active language (looked up when the template renders)."""

    def get(self, key, default=None):
        return _(STATE_NAMES[key]) if key in STATE_NAMES else default


STATE_LABEL = _StateLabels(STATE_NAMES)
STATE_COLOR = {
    "new": "#2563eb",
    "rising": "#dc2626",
    "peaking": "#d97706",
    "fading": "#6b7280",
    "gone": "#9ca3af",
}


def subject(d: Digest) -> str:
    if d.empty:
        return _("[hotspot] {account} · {day} · nothing matched").format(
            account=d.account, day=d.day
        )
    return ngettext(
        "[hotspot] {account} · {day} · {n} alert",
        "[hotspot] {account} · {day} · {n} alerts",
        d.count,
    ).format(account=d.account, day=d.day, n=d.count)


def render(d: Digest) -> tuple[str, str, str]:
    """(subject, html, text) of a digest."""
    subj = subject(d)
    ctx = {"d": d, "subject": subj, "state_label": STATE_LABEL, "state_color": STATE_COLOR}
    html = _html_env.get_template("digest.html.j2").render(ctx)
    text = _text_env.get_template("digest.txt.j2").render(ctx)
    return subj, html, text
