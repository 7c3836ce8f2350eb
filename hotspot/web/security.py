"""The workspace's security model: who may bind where, login, CSRF and response headers.

* ``check_bind``: loopback (127.0.0.0/8, ::1, localhost) needs nothing; any other address
  needs ``[web] password_env`` naming a non-empty environment variable, else the server
  refuses to start with a one-line ``ConfigError``.
* Login compares the shared team password with ``hmac.compare_digest`` (constant time) and
  marks the session; the session is Starlette's signed cookie, ``HttpOnly`` and
  ``SameSite=Strict``, signed with a key drawn at start-up (a restart logs everyone out).
* CSRF: each session holds a random token; every POST must send it back in the form field
  ``csrf`` (compared in constant time), else 403. ``SameSite=Strict`` is the second layer.
* Every response carries a CSP without inline script or style (``default-src 'none'``),
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` and
  ``X-Frame-Options: DENY``.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Mapping, MutableMapping
from typing import Any

from hotspot.errors import ConfigError
from hotspot.i18n import _

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def split_listen(listen: str) -> tuple[str, int]:
    """``"127.0.0.1:8765"`` -> ("127.0.0.1", 8765); ``"[::1]:8765"`` -> ("::1", 8765)."""
    host, sep, port = listen.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(
            _('--listen {value!r}: use HOST:PORT such as "127.0.0.1:8765"').format(value=listen)
        )
    return host, int(port)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, password_env: str | None, environ: Mapping[str, str]) -> str | None:
    """The password required to use the workspace on ``host`` (None on loopback without one).
    Raises ``ConfigError`` when a non-loopback address has no password configured."""
    password = environ.get(password_env) if password_env else None
    if password_env and not password:
        raise ConfigError(
            _(
                "[web] password_env: the environment variable {name} is empty or unset; "
                "export the team password in it before starting the workspace"
            ).format(name=password_env)
        )
    if not is_loopback(host) and not password:
        raise ConfigError(
            _(
                "refusing to listen on {host}: any address other than 127.0.0.1 needs "
                "[web] password_env (the environment variable holding the team password)"
            ).format(host=host)
        )
    return password


def password_ok(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def csrf_token(session: MutableMapping[str, Any]) -> str:
    token = session.get("csrf")
    if not isinstance(token, str) or len(token) < 20:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_ok(session: Mapping[str, Any], sent: object) -> bool:
    token = session.get("csrf")
    return (
        isinstance(token, str)
        and isinstance(sent, str)
        and hmac.compare_digest(token.encode(), sent.encode())
    )


def local_path(target: object, default: str = "/") -> str:
    """A redirect target limited to this site (``/today?...``), never ``//evil`` or a URL."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target


class SecurityHeaders:
    """ASGI middleware adding ``HEADERS`` to every HTTP response."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for k, v in HEADERS.items():
                    if k.encode() not in present:
                        headers.append((k.encode(), v.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
