"""Send one formatted push: an HTTP POST (httpx, async) or, for ``email``, a mail.

Every POST has a total deadline (``PUSH_DEADLINE``: connect, send and answer together) and
reads at most ``REPLY_BYTES`` of the reply (streamed, then the connection is dropped), so a
trickling or endless reply can neither hold the round nor fill memory.

What a failure means decides whether it is retried (``hotspot.delivery.jobs``):

* ``DeliveryError`` — certainly not delivered: the URL is malformed, the connection was
  refused or timed out before anything was sent, DNS failed, the server answered an error
  status, or a 2xx whose JSON body carries a platform error code (WeCom and DingTalk answer
  ``{"errcode": 93000, ...}``, Feishu ``{"code": 19021, ...}`` with status 200). Retried.
* ``PushUnconfirmed`` — the request was sent (its headers went out, as httpx's trace says)
  but no complete answer came in time, or the connection broke after sending: the receiver
  may have processed it. Never resent.

Secrets for signed webhooks come from the environment variable named by ``secret_env``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from typing import Any
from urllib.parse import urlencode

import httpx

from hotspot.config import NotifierConfig, SmtpConfig
from hotspot.delivery.notifiers import Push
from hotspot.errors import DeliveryError
from hotspot.i18n import _

log = logging.getLogger(__name__)
PUSH_DEADLINE = 10.0
REPLY_BYTES = 4096


class PushUnconfirmed(DeliveryError):
    """The request went out but its answer did not come: it may have arrived."""


def notifier_secret(n: NotifierConfig) -> str | None:
    if not n.secret_env:
        return None
    value = os.environ.get(n.secret_env)
    if not value:
        raise DeliveryError(
            _(
                "notifier {name!r}: the environment variable {secret_env} (secret_env) is not "
                "set; set it to the bot's signing secret"
            ).format(name=n.name, secret_env=n.secret_env)
        )
    return value


async def send_push(
    n: NotifierConfig,
    push: Push,
    *,
    client: httpx.AsyncClient,
    smtp: SmtpConfig | None = None,
    stop: threading.Event | None = None,
    deadline: float = PUSH_DEADLINE,
) -> None:
    if n.type == "email":
        from hotspot.delivery.mailer import build_message, send_mail

        if smtp is None:
            raise DeliveryError(
                _("notifier {name!r}: type email needs an [smtp] section").format(name=n.name)
            )
        msg = build_message(
            sender=smtp.sender, to=n.to, subject=push.body["subject"], text=push.body["text"]
        )
        await asyncio.to_thread(send_mail, smtp, msg, stop=stop)
        return
    where = f"notifier {n.name!r} ({n.type})"
    url = n.url or ""
    if push.query:
        url += ("&" if "?" in url else "?") + urlencode(push.query, safe="%")
    try:
        target = httpx.URL(url)
        if target.scheme not in ("http", "https") or not target.host:
            raise httpx.InvalidURL(_("not an http(s) URL with a host"))
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise DeliveryError(
            _("{where}: the url is malformed ({exc}); fix [[notifiers]] url").format(
                where=where, exc=exc
            )
        ) from None
    host = target.host
    sent = False

    async def trace(event: str, info: dict[str, Any]) -> None:
        nonlocal sent
        if event.endswith("send_request_headers.started"):
            sent = True

    try:
        async with asyncio.timeout(deadline):
            async with client.stream(
                "POST",
                target,
                json=push.body,
                headers={"Accept-Encoding": "identity"},
                extensions={"trace": trace},
            ) as resp:
                body = bytearray()
                async for chunk in resp.aiter_raw():
                    body += chunk
                    if len(body) >= REPLY_BYTES:
                        break
                status = resp.status_code
    except TimeoutError:
        if sent:
            raise PushUnconfirmed(
                _(
                    "{where}: sent to {host} but no answer within {deadline:g}s; it may have "
                    "arrived, so it is not resent"
                ).format(where=where, host=host, deadline=deadline)
            ) from None
        raise DeliveryError(
            _("{where}: could not connect to {host} within {deadline:g}s").format(
                where=where, host=host, deadline=deadline
            )
        ) from None
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise DeliveryError(
            _("{where}: cannot reach {host}: {error_type}: {exc}").format(
                where=where, host=host, error_type=type(exc).__name__, exc=exc
            )
        ) from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise DeliveryError(
            _("{where}: the url is malformed ({exc}); fix [[notifiers]] url").format(
                where=where, exc=exc
            )
        ) from None
    except httpx.HTTPError as exc:
        if sent:
            raise PushUnconfirmed(
                _(
                    "{where}: the connection to {host} broke after the request was sent ({error_type}); "
                    "it may have arrived, so it is not resent"
                ).format(where=where, host=host, error_type=type(exc).__name__)
            ) from None
        raise DeliveryError(
            _("{where}: cannot reach {host}: {error_type}: {exc}").format(
                where=where, host=host, error_type=type(exc).__name__, exc=exc
            )
        ) from None
    if not 200 <= status < 300:
        raise DeliveryError(
            _("{where}: {host} answered HTTP {status} {body!r}").format(
                where=where,
                host=host,
                status=status,
                body=bytes(body[:200]).decode(errors="replace"),
            )
        )
    try:
        data = json.loads(bytes(body))
    except ValueError:
        return
    if isinstance(data, dict):
        code = data.get("errcode", data.get("code", data.get("StatusCode", 0)))
        if code not in (0, None, "0"):
            reason = data.get("errmsg") or data.get("msg") or data.get("StatusMessage") or ""
            raise DeliveryError(
                _(
                    "{where}: the platform refused the message: code {code} {reason!r}; check the "
                    "url and the secret ({secret_env})"
                ).format(where=where, code=code, reason=reason, secret_env=n.secret_env or "-")
            )
