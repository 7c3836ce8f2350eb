"""Send email over SMTP (smtplib): build the multipart message, deliver it, wrap every failure.

``build_message`` makes a ``multipart/alternative`` (plain text first, HTML second) with a
UTF-8 subject (RFC 2047-encoded by ``email.policy.SMTP``, so a Chinese account name survives),
``Date``, ``From``, ``To`` and a ``Message-ID``. ``digest_message_id`` is deterministic per
(account, day): a digest resent after a crash carries the same id and clients show it once.

``send_mail`` speaks STARTTLS, implicit TLS (``ssl``) or plain (``none``), logs in when a
username is set (password from the environment variable named by ``password_env``) and turns
any smtplib/socket/TLS error into one ``DeliveryError`` line with advice for the operator.
``[smtp] timeout`` bounds the whole conversation (a watcher thread shuts the socket down when
it passes, or at once when the daemon stops). Once the server accepted DATA the message is
delivered, whatever it answers to QUIT; recipients refused with 4xx come back in ``Sent`` to
be retried, never reported as delivered; the server's ``SIZE`` is read and the message shrunk
(``fit``) or not sent when it cannot fit.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formataddr, formatdate, getaddresses, make_msgid

from hotspot.config import SmtpConfig
from hotspot.errors import DeliveryError
from hotspot.i18n import _

log = logging.getLogger(__name__)


def _domain(sender: str) -> str:
    return sender.rsplit("@", 1)[-1].strip("<> ") or "hotspot.local"


def digest_message_id(account: str, day: str, sender: str, nonce: str = "") -> str:
    """``<hotspot-digest.HASH.DAY@domain>``; ``nonce`` (a forced resend) makes it new."""
    h = hashlib.sha256(f"{account}\0{day}\0{nonce}".encode()).hexdigest()[:16]
    return f"<hotspot-digest.{h}.{day}@{_domain(sender)}>"


def build_message(
    *,
    sender: str,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str | None = None,
    message_id: str | None = None,
    sender_name: str = "hotspot",
) -> EmailMessage:
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["Subject"] = subject
    msg["From"] = formataddr((sender_name, sender)) if sender_name else sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = message_id or make_msgid(domain=_domain(sender))
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text, charset="utf-8")
    if html is not None:
        msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg


def check_login(smtp: SmtpConfig) -> None:
    """Connect, negotiate TLS and log in without sending anything (``hotspot doctor``)."""
    send_mail(smtp, None)


@dataclass(frozen=True, slots=True)
class Sent:
    """What the server did with a message it accepted: recipients it refused for now (4xx,
    worth retrying) and for good (5xx), each with the server's answer."""

    temporary: Mapping[str, str] = field(default_factory=dict)
    permanent: Mapping[str, str] = field(default_factory=dict)


Fit = Callable[[int], EmailMessage | None]


class _Deadline:
    """Closes the connection's socket when the total deadline passes or ``stop`` is set, so
    a server that trickles its greeting or never answers DATA cannot hold the caller."""

    def __init__(self, client: smtplib.SMTP, seconds: float, stop: threading.Event | None):
        self.client, self.expired, self._done = client, False, threading.Event()
        self._end = time.monotonic() + seconds
        self._stop = stop
        self._thread = threading.Thread(target=self._watch, daemon=True, name="smtp-deadline")
        self._thread.start()

    def _watch(self) -> None:
        while not self._done.wait(0.05):
            if time.monotonic() >= self._end or (self._stop is not None and self._stop.is_set()):
                self.expired = True
                sock = getattr(self.client, "sock", None)
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                    return
                # not connected yet: the connect timeout (bounded by the deadline) ends it

    def close(self) -> None:
        self._done.set()


def send_mail(
    smtp: SmtpConfig,
    msg: EmailMessage | None,
    *,
    fit: Fit | None = None,
    stop: threading.Event | None = None,
    recipients: Sequence[str] | None = None,
) -> Sent:
    """Deliver ``msg`` within ``[smtp] timeout`` in total (the whole conversation, not each
    read); returns once the server accepted it, else raises DeliveryError. ``stop`` (the
    daemon's stop event) aborts the conversation at once. When the server announces a
    ``SIZE`` limit the message exceeds, ``fit(limit)`` is asked for a smaller one (a digest
    with fewer alerts per theme). ``recipients`` overrides the To: header (a retry for the
    recipients a server refused for now). With ``msg=None`` only connects and logs in."""
    where = f"smtp {smtp.host}:{smtp.port}"
    client: smtplib.SMTP = (
        smtplib.SMTP_SSL(timeout=smtp.timeout, context=ssl.create_default_context())
        if smtp.security == "ssl"
        else smtplib.SMTP(timeout=smtp.timeout)
    )
    deadline = _Deadline(client, smtp.timeout, stop)
    accepted = False
    try:
        try:
            client.connect(smtp.host, smtp.port)
            client.ehlo()
            if smtp.security == "starttls":
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if smtp.username:
                password = smtp.password()
                if password is None:
                    raise DeliveryError(
                        _(
                            "{where}: no password: set the environment variable {env} named by [smtp] "
                            "password_env"
                        ).format(where=where, env=smtp.password_env or "(password_env is not set)")
                    )
                client.login(smtp.username, password)
            if msg is None:
                return Sent()
            msg = _fit_size(client, msg, fit, where)
            to = list(recipients) if recipients is not None else _addresses(msg)
            refused = client.send_message(msg, to_addrs=to)
            accepted = True
        finally:
            _quit(client)  # still under the deadline: a server silent at QUIT cannot hold us
            deadline.close()
    except DeliveryError:
        raise
    except Exception as exc:
        if deadline.expired and not accepted:
            why = _("stopped") if stop is not None and stop.is_set() else _("timed out")
            raise DeliveryError(
                _(
                    "{where}: {why} after {timeout:g}s in total (the whole conversation); check "
                    "[smtp] host and port, or raise [smtp] timeout"
                ).format(where=where, why=why, timeout=smtp.timeout)
            ) from exc
        raise _explain(exc, smtp, where) from exc
    temporary = {a: _answer(r) for a, r in refused.items() if 400 <= r[0] < 500}
    permanent = {a: _answer(r) for a, r in refused.items() if a not in temporary}
    return Sent(temporary, permanent)


def _addresses(msg: EmailMessage) -> list[str]:
    return [a for _, a in getaddresses(msg.get_all("To", []))]


def _answer(r: tuple[int, bytes]) -> str:
    return f"{r[0]} {_text(r[1])}".strip()


def _quit(client: smtplib.SMTP) -> None:
    """End politely; what the server answers to QUIT (even 421) no longer matters: a message
    it accepted at DATA is delivered."""
    try:
        if getattr(client, "sock", None) is not None:
            client.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        client.close()


def _fit_size(client: smtplib.SMTP, msg: EmailMessage, fit: Fit | None, where: str) -> EmailMessage:
    limit = 0
    if client.has_extn("size"):
        with contextlib.suppress(ValueError):
            limit = int(client.esmtp_features.get("size", "0") or 0)
    if not limit:
        return msg
    size = len(msg.as_bytes())
    if size <= limit:
        return msg
    smaller = fit(limit) if fit is not None else None
    if smaller is None or len(smaller.as_bytes()) > limit:
        raise DeliveryError(
            _(
                "{where}: the message is {size} bytes and the server accepts at most {limit} "
                "(its SIZE); not sending it"
            ).format(where=where, size=size, limit=limit)
        )
    return smaller


def _explain(exc: BaseException, smtp: SmtpConfig, where: str) -> DeliveryError:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return DeliveryError(
            f"{where}: authentication failed ({exc.smtp_code}); check [smtp] "
            f"username and the ${smtp.password_env} variable"
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return DeliveryError(
            f"{where}: the server does not support this ({exc}); check [smtp] "
            "security (starttls/ssl/none)"
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return DeliveryError(
            f"{where}: every recipient was refused "
            f"({', '.join(f'{a}: {_answer(r)}' for a, r in exc.recipients.items())}); "
            "check digest_to / to"
        )
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPDataError) and exc.smtp_code in (
        552,
        523,
    ):
        return DeliveryError(
            f"{where}: the server refused the message as too large ({exc.smtp_code} "
            f"{_text(exc.smtp_error)})"
        )
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return DeliveryError(
            f"{where}: sender {exc.sender} refused ({exc.smtp_code}); check [smtp] from"
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return DeliveryError(f"{where}: server said {exc.smtp_code} {_text(exc.smtp_error)}")
    if isinstance(exc, ssl.SSLError):
        return DeliveryError(
            f"{where}: TLS failed ({exc.reason or exc}); check [smtp] security "
            "and port (465 = ssl, 587 = starttls)"
        )
    if isinstance(exc, TimeoutError):
        return DeliveryError(
            f"{where}: timed out after {smtp.timeout:g}s; check [smtp] host "
            "and port, or raise [smtp] timeout"
        )
    return DeliveryError(
        f"{where}: cannot deliver: {type(exc).__name__}: {exc}; check "
        "[smtp] host and port and that the server is up"
    )


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
