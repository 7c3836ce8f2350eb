"""Send one formatted push: an HTTP POST (httpx, short timeout) or, for ``email``, a mail.

A request fails (``DeliveryError``, one line naming the notifier) on a network error, a
non-2xx status, or a 2xx whose JSON body carries a platform error code (WeCom and DingTalk
answer ``{"errcode": 93000, ...}``, Feishu ``{"code": 19021, ...}`` with status 200).
Secrets for signed webhooks come from the environment variable named by ``secret_env``.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import urlencode

import httpx

from hotspot.config import NotifierConfig, SmtpConfig
from hotspot.delivery.notifiers import Push
from hotspot.errors import DeliveryError

log = logging.getLogger(__name__)
TIMEOUT = 5.0


def notifier_secret(n: NotifierConfig) -> str | None:
    if not n.secret_env:
        return None
    value = os.environ.get(n.secret_env)
    if not value:
        raise DeliveryError(
            f"notifier {n.name!r}: the environment variable {n.secret_env} "
            "(secret_env) is not set; set it to the bot's signing secret"
        )
    return value


def send_push(
    n: NotifierConfig, push: Push, *, client: httpx.Client, smtp: SmtpConfig | None = None
) -> None:
    if n.type == "email":
        from hotspot.delivery.mailer import build_message, send_mail

        if smtp is None:
            raise DeliveryError(f"notifier {n.name!r}: type email needs an [smtp] section")
        msg = build_message(
            sender=smtp.sender, to=n.to, subject=push.body["subject"], text=push.body["text"]
        )
        send_mail(smtp, msg)
        return
    url = n.url or ""
    if push.query:
        url += ("&" if "?" in url else "?") + urlencode(push.query, safe="%")
    where = f"notifier {n.name!r} ({n.type})"
    try:
        resp = client.post(url, json=push.body, timeout=TIMEOUT)
    except httpx.TimeoutException as exc:
        raise DeliveryError(
            f"{where}: timed out after {TIMEOUT:g}s posting to {_host(n.url)}; will retry"
        ) from exc
    except httpx.HTTPError as exc:
        raise DeliveryError(
            f"{where}: cannot reach {_host(n.url)}: {type(exc).__name__}: {exc}; check the url"
        ) from exc
    if not 200 <= resp.status_code < 300:
        raise DeliveryError(
            f"{where}: {_host(n.url)} answered HTTP {resp.status_code} "
            f"{resp.text[:200]!r}; will retry"
        )
    try:
        data = resp.json()
    except ValueError:
        return
    if isinstance(data, dict):
        code = data.get("errcode", data.get("code", data.get("StatusCode", 0)))
        if code not in (0, None, "0"):
            reason = data.get("errmsg") or data.get("msg") or data.get("StatusMessage") or ""
            raise DeliveryError(
                f"{where}: the platform refused the message: code {code} "
                f"{reason!r}; check the url and the secret ({n.secret_env or '-'})"
            )


def _host(url: str | None) -> str:
    return httpx.URL(url).host if url else "?"
