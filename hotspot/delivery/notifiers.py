"""Instant-push formatting and rules, per notifier type. Pure: no I/O, the clock is passed in.

    rule_matches(notifier, alert)          accounts / themes / min_score / only_rising
    in_quiet_hours(notifier, local_time)   quiet hours, which may wrap midnight
    rule_allows(notifier, alert, now_local) both: may this alert go out now?
    format_push(notifier, alerts, secret=, now_ms=) -> list[Push]

A ``Push`` is one HTTP request body (plus query parameters for DingTalk's signature) and the
alert ids it carries, so a failed request reschedules exactly those alerts. Alerts are packed
greedily into as few requests as each platform allows and never exceed its limit: an
over-long title is trimmed with "…" rather than letting the platform reject the message.

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
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

from jinja2.sandbox import ImmutableSandboxedEnvironment

from hotspot import display
from hotspot.config import NotifierConfig
from hotspot.errors import DeliveryError
from hotspot.i18n import _

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
_MD = re.compile(r"([\\`*_\[\]()#~|!])")


def md_escape(text: str) -> str:
    text = " ".join(str(text).split())
    return _MD.sub(r"\\\1", text).replace("<", "＜").replace(">", "＞")


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


def _pack(
    blocks: Sequence[tuple[int, str]], header: str, sep: str, size: Callable[[str], int], limit: int
) -> list[tuple[str, tuple[int, ...]]]:
    """Greedy: as many blocks per message as fit under ``limit`` (measured by ``size``)."""
    out: list[tuple[str, tuple[int, ...]]] = []
    text, ids = header, list[int]()
    for aid, block in blocks:
        if size(header + block) > limit:  # one block alone is too big: trim it
            room = limit - size(header) - 8
            block = _trim_bytes(block, room) if size is _bytes else _trim(block, room)
        if not ids:
            text, ids = header + block, [aid]
        elif size(text + sep + block) > limit:
            out.append((text, tuple(ids)))
            text, ids = header + block, [aid]
        else:
            text, ids = text + sep + block, ids + [aid]
    if ids:
        out.append((text, tuple(ids)))
    return out


def _bytes(s: str) -> int:
    return len(s.encode())


# -- per type -----------------------------------------------------------------------------
def format_push(
    n: NotifierConfig,
    alerts: Sequence[Mapping[str, Any]],
    *,
    secret: str | None = None,
    now_ms: int | None = None,
) -> list[Push]:
    """The requests that deliver ``alerts`` through notifier ``n`` (in order)."""
    if not alerts:
        return []
    header = f"hotspot · {len(alerts)} new alert{'s' if len(alerts) != 1 else ''}\n\n"
    if n.type == "wecom":
        packs = _pack([(a["id"], _md_block(a)) for a in alerts], "", "\n\n", _bytes, WECOM_BYTES)
        return [Push({"msgtype": "markdown", "markdown": {"content": t}}, ids) for t, ids in packs]
    if n.type == "dingtalk":
        packs = _pack(
            [(a["id"], _md_block(a)) for a in alerts],
            "#### hotspot\n\n",
            "\n\n",
            _bytes,
            DINGTALK_BYTES,
        )
        query = {}
        if secret:
            ts = now_ms if now_ms is not None else 0
            query = {"timestamp": str(ts), "sign": dingtalk_sign(ts, secret)}
        return [
            Push({"msgtype": "markdown", "markdown": {"title": "hotspot", "text": t}}, ids, query)
            for t, ids in packs
        ]
    if n.type == "slack":
        packs = _pack([(a["id"], _slack_block(a)) for a in alerts], "", "\n\n", len, SLACK_CHARS)
        return [Push({"text": t}, ids) for t, ids in packs]
    if n.type == "feishu":
        return _feishu(alerts, secret, now_ms)
    if n.type == "email":
        out = []
        for i in range(0, len(alerts), EMAIL_BATCH):
            chunk = alerts[i : i + EMAIL_BATCH]
            first = " ".join(str(chunk[0]["title"]).split())
            subject = _trim(
                f"[hotspot] {first}" + (f" (+{len(chunk) - 1})" if len(chunk) > 1 else ""), 120
            )
            out.append(
                Push(
                    {
                        "subject": subject,
                        "text": header + "\n\n".join(_plain_block(a) for a in chunk) + "\n",
                    },
                    tuple(a["id"] for a in chunk),
                )
            )
        return out
    if n.type == "webhook":
        out = []
        for i in range(0, len(alerts), WEBHOOK_BATCH):
            chunk = alerts[i : i + WEBHOOK_BATCH]
            out.append(Push(_webhook_body(n, chunk), tuple(a["id"] for a in chunk)))
        return out
    raise DeliveryError(f"notifier {n.name!r}: unknown type {n.type!r}")


def _feishu(
    alerts: Sequence[Mapping[str, Any]], secret: str | None, now_ms: int | None
) -> list[Push]:
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

    def body(content: list, ids: Sequence[int]) -> dict[str, Any]:
        b: dict[str, Any] = {
            "msg_type": "post",
            "content": {
                "post": {
                    "zh_cn": {
                        "title": f"hotspot · {len(ids)} alert{'s' if len(ids) != 1 else ''}",
                        "content": content,
                    }
                }
            },
        }
        if secret:
            ts = (now_ms if now_ms is not None else 0) // 1000
            b["timestamp"] = str(ts)
            b["sign"] = feishu_sign(ts, secret)
        return b

    def size(b: dict) -> int:
        return len(json.dumps(b, ensure_ascii=False).encode())

    out: list[Push] = []
    content: list = []
    ids: list[int] = []
    for a in alerts:
        paras = paragraphs(a)
        if ids and size(body(content + paras, ids + [a["id"]])) > FEISHU_BYTES:
            out.append(Push(body(content, ids), tuple(ids)))
            content, ids = [], []
        content, ids = content + paras, ids + [a["id"]]
    if ids:
        out.append(Push(body(content, ids), tuple(ids)))
    return out


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


def _webhook_body(n: NotifierConfig, alerts: Sequence[Mapping[str, Any]]) -> Any:
    items = [_public(a) for a in alerts]
    if not n.template:
        return {"source": "hotspot", "alerts": items}
    try:
        rendered = _sandbox.from_string(n.template).render(alerts=items, count=len(items))
        return json.loads(rendered)
    except json.JSONDecodeError as exc:
        raise DeliveryError(
            f"notifier {n.name!r}: template did not render valid JSON ({exc});"
            " use the tojson filter for values, e.g. {{ a.title|tojson }}"
        ) from None
    except Exception as exc:  # TemplateError, SecurityError: the operator's template is wrong
        raise DeliveryError(
            f"notifier {n.name!r}: template failed: {type(exc).__name__}: "
            f"{exc}; fix [[notifiers]] template"
        ) from None
