"""Instant-push formatting and rules, per notifier type. Pure: no I/O, the clock is passed in.

    rule_matches(notifier, alert)          accounts / themes / min_score / only_rising
    in_quiet_hours(notifier, local_time)   quiet hours, which may wrap midnight
    rule_allows(notifier, alert, now_local) both: may this alert go out now?
    format_push(notifier, alerts, secret=, now_ms=) -> list[Push]

A ``Push`` is one HTTP request body (plus query parameters for DingTalk's signature), the
account it is for and the alert ids it carries, so a failed request reschedules exactly those
alerts. One message carries one account's alerts and names the account and its themes; a chat
message holds what fits the platform's limit, then "… and N more" with the command that lists
the rest (they are in the digest too), so a burst becomes one message per account. Nothing
exceeds a limit: an over-long title is trimmed with "…" rather than rejected.

    type       body                                          limit (what we keep under)
    wecom      {"msgtype": "markdown", "markdown": {...}}    content 4096 bytes UTF-8
    dingtalk   {"msgtype": "markdown", ...} + ?timestamp&sign  text 18000 bytes
    feishu     {"msg_type": "post", ...} [+ timestamp, sign] body 18000 bytes
    slack      {"text": ...} (mrkdwn)                         3000 characters
    webhook    {"alerts": [...]} or the sandboxed Jinja2 ``template`` rendering JSON
    email      {"subject": ..., "text": ...} (sent by the mailer)

Titles come from the internet: in Markdown flavours the syntax characters are escaped (and
``<``/``>`` made full-width, WeCom interprets a few HTML tags); in Slack ``& < >`` become
entities; Feishu ``post`` elements are plain strings. Source alerts (a source went down or
recovered) are shaped like alerts with ``kind = "source"`` and pass every rule but quiet hours.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

from jinja2.sandbox import ImmutableSandboxedEnvironment

from hotspot import display
from hotspot.config import NotifierConfig
from hotspot.errors import DeliveryError
from hotspot.i18n import _, ngettext

WECOM_BYTES = 4096
DINGTALK_BYTES = 18000
FEISHU_BYTES = 18000
SLACK_CHARS = 3000
WEBHOOK_BATCH = 20
EMAIL_BATCH = 50
TITLE_MAX = 200


@dataclass(frozen=True, slots=True)
class Push:
    body: Mapping[str, Any]
    alert_ids: tuple[int, ...]
    query: Mapping[str, str] = field(default_factory=dict)
    account: str = ""  # the one account whose alerts this message carries ("" = source alerts)


# -- rules --------------------------------------------------------------------------------
def rule_matches(n: NotifierConfig, alert: Mapping[str, Any]) -> bool:
    if alert.get("kind") == "source":
        return True
    if n.accounts and alert.get("account") not in n.accounts:
        return False
    if n.themes and alert.get("theme") not in n.themes:
        return False
    if float(alert.get("score") or 0) < n.min_score:
        return False
    if not n.only_rising:
        return True
    chance = alert.get("rising_chance")
    if n.min_chance is not None and chance is not None:
        return float(chance) >= n.min_chance  # the learned estimate crossed the bar
    return bool(alert.get("rising"))


def in_quiet_hours(n: NotifierConfig, t: dt.time | dt.datetime) -> bool:
    if n.quiet_hours is None:
        return False
    if isinstance(t, dt.datetime):
        t = t.time()
    start, end = n.quiet_hours
    if start == end:
        return False
    if start < end:
        return start <= t < end
    return t >= start or t < end  # wraps midnight, e.g. 23:00-07:30


def rule_allows(n: NotifierConfig, alert: Mapping[str, Any], now_local: dt.datetime) -> bool:
    """True when the alert matches the rule and it is not quiet time (quiet: it waits)."""
    return rule_matches(n, alert) and not in_quiet_hours(n, now_local)


# -- escaping -----------------------------------------------------------------------------
#: WeCom's and DingTalk's markdown subsets (headings ``#``, ``**bold**``/``*italic*``,
#: ``[text](url)``, `` `code` ``, ``> quote``, ``<font>``; DingTalk also ``![img]`` and lists)
#: document no backslash escapes, and a backslash shows literally. So a title's syntax
#: characters become their full-width forms, which read the same and are never syntax.
_MD_SWAP = str.maketrans(
    {"*": "＊", "_": "＿", "[": "［", "]": "］", "`": "｀", "#": "＃", "<": "＜", ">": "＞"}
)


def md_escape(text: str) -> str:
    return " ".join(str(text).split()).translate(_MD_SWAP)


def slack_escape(text: str) -> str:
    return (
        " ".join(str(text).split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    )


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _trim_bytes(text: str, limit: int) -> str:
    raw = text.encode()
    if len(raw) <= limit:
        return text
    return raw[: limit - 3].decode(errors="ignore") + "…"


# -- signatures ---------------------------------------------------------------------------
def feishu_sign(timestamp: int, secret: str) -> str:
    """Feishu: HMAC-SHA256 keyed with ``timestamp + "\\n" + secret`` over an empty message."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def dingtalk_sign(timestamp_ms: int, secret: str) -> str:
    """DingTalk: HMAC-SHA256 keyed with the secret over ``timestamp + "\\n" + secret``,
    base64, then URL-encoded."""
    mac = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return quote_plus(base64.b64encode(mac.digest()).decode())


# -- one alert as text --------------------------------------------------------------------
def _facts(a: Mapping[str, Any]) -> str:
    bits = []
    if a.get("sensitive"):
        bits.append(a["sensitive"]["mark"])
    platforms = a.get("platforms") or ([a["platform"]] if a.get("platform") else [])
    if platforms:
        bits.append("/".join(platforms))
    if a.get("best_rank"):
        bits.append(_("best #{rank}").format(rank=a["best_rank"]))
    heat = a.get("event_heat") or a.get("max_heat")
    if heat:
        bits.append(_("heat {heat}").format(heat=display.heat(heat)))
    if a.get("rising"):
        bits.append(_("rising"))
    outlook = estimate_text(a)
    if outlook:
        bits.append(outlook)
    bits.append(_("score {score}").format(score=f"{float(a.get('score') or 0):.2f}"))
    if a.get("terms"):
        bits.append(", ".join(a["terms"][:5]))
    return " · ".join(bits)


def estimate_text(a: Mapping[str, Any]) -> str:
    """ "rising again" (zh-CN "再度升温") for a follow-up push and the detector's outlook
    ("top ten expected within 20 minutes, chance 78%", zh-CN "预计 20 分钟内进前十，概率 78%"),
    when the event has one. ``follow_up_why`` is stored text from the engine (Chinese)."""
    again = outlook = ""
    if a.get("follow_up"):
        why = a.get("follow_up_why")
        again = _("rising again ({why})").format(why=why) if why else _("rising again")
    chance, eta = a.get("rising_chance"), a.get("rising_eta")
    if chance is not None and (a.get("rising") or a.get("follow_up")):
        pct = f"{float(chance):.0%}"
        if eta:
            outlook = _("top ten expected within {minutes} minutes, chance {chance}").format(
                minutes=eta_minutes(eta), chance=pct
            )
        else:
            outlook = _("chance of the top ten {chance}").format(chance=pct)
    if again and outlook:
        return _("{follow_up}, {outlook}").format(follow_up=again, outlook=outlook)
    return again or outlook


def eta_minutes(m: float) -> int:
    """Minutes an operator reads: 5-minute steps under an hour, then 10s."""
    step = 5 if m < 60 else 10
    return int(max(step, -(-int(m) // step) * step))


def _md_block(a: Mapping[str, Any]) -> str:
    title = md_escape(_trim(a["title"], TITLE_MAX))
    if a.get("kind") == "source":
        return _("**source** {title}").format(title=title)
    url = a.get("url") or ""
    head = f"[{title}]({url.replace(')', '%29')})" if _http(url) else title
    return f"**{md_escape(a['theme'])}** {head}\n> {md_escape(_facts(a))}"


def _slack_block(a: Mapping[str, Any]) -> str:
    title = slack_escape(_trim(a["title"], TITLE_MAX))
    if a.get("kind") == "source":
        return f":warning: {title}"
    url = a.get("url") or ""
    head = f"<{url.replace('|', '%7C').replace('>', '%3E')}|{title}>" if _http(url) else title
    return f"*{slack_escape(a['theme'])}* {head}\n{slack_escape(_facts(a))}"


def _plain_block(a: Mapping[str, Any]) -> str:
    title = " ".join(str(a["title"]).split())
    if a.get("kind") == "source":
        return f"[source] {title}"
    return f"[{a['theme']}] {title}\n  {_facts(a)}" + (f"\n  {a['url']}" if a.get("url") else "")


def _http(url: Any) -> bool:
    return isinstance(url, str) and url.lower().startswith(("http://", "https://"))


def _bytes(s: str) -> int:
    return len(s.encode())


# -- per type -----------------------------------------------------------------------------
def _by_account(alerts: Sequence[Mapping[str, Any]]) -> list[tuple[str, list[Mapping[str, Any]]]]:
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for al in alerts:
        key = "" if al.get("kind") == "source" else str(al.get("account") or "")
        groups.setdefault(key, []).append(al)
    return list(groups.items())


def _headline(account: str, alerts: Sequence[Mapping[str, Any]]) -> str:
    if not account:
        return _("hotspot · source health ({n})").format(n=len(alerts))
    themes = sorted({str(a.get("theme") or "") for a in alerts} - {""})
    n = len(alerts)
    return ngettext(
        "hotspot · {account} · {n} new alert ({themes})",
        "hotspot · {account} · {n} new alerts ({themes})",
        n,
    ).format(account=account, n=n, themes=", ".join(themes))


def _more_line(account: str, rest: int) -> str:
    if not account:
        return _("… and {n} more source messages: hotspot sources status").format(n=rest)
    return _(
        "… and {n} more for {account}: hotspot alerts list --account {account} --since 1h"
    ).format(n=rest, account=account)


def _one_message(
    blocks: Sequence[str],
    header: str,
    more: Callable[[int], str],
    size: Callable[[str], int],
    limit: int,
) -> str:
    """As many blocks as fit under ``limit`` after ``header``, then the "and N more" line."""
    text, shown = header, 0
    for i, block in enumerate(blocks):
        tail = "\n\n" + more(len(blocks) - i - 1) if i < len(blocks) - 1 else ""
        if size(header + block) > limit - 200 and shown == 0:
            block = _trim_bytes(block, limit - size(header) - 220)
        candidate = text + ("\n\n" if shown else "") + block
        if size(candidate + tail) > limit:
            break
        text, shown = candidate, shown + 1
    if shown < len(blocks):
        text += "\n\n" + more(len(blocks) - shown)
    return text


def format_push(
    n: NotifierConfig,
    alerts: Sequence[Mapping[str, Any]],
    *,
    secret: str | None = None,
    now_ms: int | None = None,
) -> list[Push]:
    """The messages that deliver ``alerts`` through notifier ``n``: one message per account
    (source alerts in one of their own), naming the account and its themes. A chat message
    shows the alerts that fit its platform's limit, then "… and N more" with the command
    that lists them; a webhook or email message carries up to its batch size."""
    out: list[Push] = []
    for account, group in _by_account(alerts):
        out += _format_account(n, account, group, secret, now_ms)
    return out


def _format_account(
    n: NotifierConfig,
    account: str,
    alerts: Sequence[Mapping[str, Any]],
    secret: str | None,
    now_ms: int | None,
) -> list[Push]:
    ids = tuple(a["id"] for a in alerts)
    headline = _headline(account, alerts)
    more = lambda rest: _more_line(account, rest)  # noqa: E731
    if n.type in ("wecom", "dingtalk"):
        header = f"**{md_escape(headline)}**\n\n"
        limit = WECOM_BYTES if n.type == "wecom" else DINGTALK_BYTES
        text = _one_message(
            [_md_block(a) for a in alerts], header, lambda r: md_escape(more(r)), _bytes, limit
        )
        if n.type == "wecom":
            return [
                Push({"msgtype": "markdown", "markdown": {"content": text}}, ids, account=account)
            ]
        query = {}
        if secret:
            ts = now_ms if now_ms is not None else 0
            query = {"timestamp": str(ts), "sign": dingtalk_sign(ts, secret)}
        title = _trim(headline, 60)
        return [
            Push(
                {"msgtype": "markdown", "markdown": {"title": title, "text": text}},
                ids,
                query,
                account,
            )
        ]
    if n.type == "slack":
        header = f"*{slack_escape(headline)}*\n\n"
        text = _one_message(
            [_slack_block(a) for a in alerts],
            header,
            lambda r: slack_escape(more(r)),
            len,
            SLACK_CHARS,
        )
        return [Push({"text": text}, ids, account=account)]
    if n.type == "feishu":
        return [_feishu(alerts, headline, more, secret, now_ms, account)]
    if n.type == "email":
        out = []
        for i in range(0, len(alerts), EMAIL_BATCH):
            chunk = alerts[i : i + EMAIL_BATCH]
            first = " ".join(str(chunk[0]["title"]).split())
            who = f"{account}: " if account else ""
            subject = _trim(
                f"[hotspot] {who}{first}" + (f" (+{len(chunk) - 1})" if len(chunk) > 1 else ""), 120
            )
            text = headline + "\n\n" + "\n\n".join(_plain_block(a) for a in chunk) + "\n"
            out.append(
                Push(
                    {"subject": subject, "text": text},
                    tuple(a["id"] for a in chunk),
                    account=account,
                )
            )
        return out
    if n.type == "webhook":
        out = []
        for i in range(0, len(alerts), WEBHOOK_BATCH):
            chunk = alerts[i : i + WEBHOOK_BATCH]
            out.append(
                Push(
                    _webhook_body(n, chunk, account), tuple(a["id"] for a in chunk), account=account
                )
            )
        return out
    raise DeliveryError(
        _("notifier {name!r}: unknown type {type!r}").format(name=n.name, type=n.type)
    )


def _feishu(
    alerts: Sequence[Mapping[str, Any]],
    headline: str,
    more: Callable[[int], str],
    secret: str | None,
    now_ms: int | None,
    account: str,
) -> Push:
    def paragraphs(a: Mapping[str, Any]) -> list[list[dict[str, str]]]:
        title = _trim(" ".join(str(a["title"]).split()), TITLE_MAX)
        if a.get("kind") == "source":
            return [[{"tag": "text", "text": f"⚠ {title}"}]]
        head: list[dict[str, str]] = [{"tag": "text", "text": f"[{a['theme']}] "}]
        head.append(
            {"tag": "a", "text": title, "href": a["url"]}
            if _http(a.get("url"))
            else {"tag": "text", "text": title}
        )
        return [head, [{"tag": "text", "text": _facts(a)}]]

    def body(content: list) -> dict[str, Any]:
        b: dict[str, Any] = {
            "msg_type": "post",
            "content": {"post": {"zh_cn": {"title": headline, "content": content}}},
        }
        if secret:
            ts = (now_ms if now_ms is not None else 0) // 1000
            b["timestamp"] = str(ts)
            b["sign"] = feishu_sign(ts, secret)
        return b

    def size(b: dict) -> int:
        return len(json.dumps(b, ensure_ascii=False).encode())

    content: list = []
    for i, a in enumerate(alerts):
        paras = paragraphs(a)
        rest = len(alerts) - i - 1
        tail = [[{"tag": "text", "text": more(rest)}]] if rest else []
        if content and size(body(content + paras + tail)) > FEISHU_BYTES:
            content.append([{"tag": "text", "text": more(len(alerts) - i)}])
            break
        content += paras
    return Push(body(content), tuple(a["id"] for a in alerts), account=account)


_sandbox = ImmutableSandboxedEnvironment(autoescape=False)


def _public(a: Mapping[str, Any]) -> dict[str, Any]:
    keys = (
        "id",
        "kind",
        "account",
        "theme",
        "title",
        "url",
        "score",
        "terms",
        "platforms",
        "best_rank",
        "event_heat",
        "state",
        "rising",
        "rising_chance",
        "rising_eta",
        "follow_up",
        "created_at",
        "event_id",
        "sensitive",
    )
    return {k: a.get(k) for k in keys}


def _webhook_body(n: NotifierConfig, alerts: Sequence[Mapping[str, Any]], account: str) -> Any:
    items = [_public(a) for a in alerts]
    if not n.template:
        return {"source": "hotspot", "account": account or None, "alerts": items}
    try:
        rendered = _sandbox.from_string(n.template).render(
            alerts=items, count=len(items), account=account
        )
        return json.loads(rendered)
    except json.JSONDecodeError as exc:
        raise DeliveryError(
            _(
                "notifier {name!r}: template did not render valid JSON ({exc}); use the tojson "
                "filter for values, e.g. {{{{ a.title|tojson }}}}"
            ).format(name=n.name, exc=exc)
        ) from None
    except Exception as exc:  # TemplateError, SecurityError: the operator's template is wrong
        raise DeliveryError(
            _(
                "notifier {name!r}: template failed: {error_type}: {exc}; fix [[notifiers]] template"
            ).format(name=n.name, error_type=type(exc).__name__, exc=exc)
        ) from None
