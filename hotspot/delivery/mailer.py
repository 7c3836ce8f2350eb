"""Send email over SMTP (smtplib): build the multipart message, deliver it, wrap every failure.

``build_message`` makes a ``multipart/alternative`` (plain text first, HTML second) with a
UTF-8 subject (RFC 2047-encoded by ``email.policy.SMTP``, so a Chinese account name survives),
``Date``, ``From``, ``To`` and a ``Message-ID``. ``digest_message_id`` is deterministic per
(account, day): a digest resent after a crash carries the same id and clients show it once.

``send_mail`` speaks STARTTLS, implicit TLS (``ssl``) or plain (``none``), logs in when a
username is set (password from the environment variable named by ``password_env``) and turns
any smtplib/socket/TLS error into one ``DeliveryError`` line with advice for the operator.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formataddr, formatdate, make_msgid

from hotspot.config import SmtpConfig
from hotspot.errors import DeliveryError

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


def send_mail(smtp: SmtpConfig, msg: EmailMessage | None) -> None:
    """Deliver ``msg``; returns once the server accepted it, else raises DeliveryError.
    With ``msg=None`` only connects and logs in."""
    where = f"smtp {smtp.host}:{smtp.port}"
    try:
        if smtp.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=smtp.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        with client:
            client.ehlo()
            if smtp.security == "starttls":
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if smtp.username:
                password = smtp.password()
                if password is None:
                    raise DeliveryError(
                        f"{where}: no password: set the environment variable "
                        f"{smtp.password_env or '(password_env is not set)'} "
                        "named by [smtp] password_env"
                    )
                client.login(smtp.username, password)
            refused = client.send_message(msg) if msg is not None else {}
        if refused:
            log.warning("%s: some recipients were refused: %s", where, ", ".join(refused))
    except DeliveryError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(
            f"{where}: authentication failed ({exc.smtp_code}); check [smtp] "
            f"username and the ${smtp.password_env} variable"
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(
            f"{where}: the server does not support this ({exc}); check [smtp] "
            "security (starttls/ssl/none)"
        ) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(
            f"{where}: every recipient was refused "
            f"({', '.join(exc.recipients)}); check digest_to / to"
        ) from exc
    except smtplib.SMTPSenderRefused as exc:
        raise DeliveryError(
            f"{where}: sender {exc.sender} refused ({exc.smtp_code}); check [smtp] from"
        ) from exc
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(
            f"{where}: server said {exc.smtp_code} {_text(exc.smtp_error)}; will retry"
        ) from exc
    except ssl.SSLError as exc:
        raise DeliveryError(
            f"{where}: TLS failed ({exc.reason or exc}); check [smtp] security "
            "and port (465 = ssl, 587 = starttls)"
        ) from exc
    except TimeoutError as exc:
        raise DeliveryError(
            f"{where}: timed out after {smtp.timeout:g}s; check [smtp] host "
            "and port, or raise [smtp] timeout"
        ) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(
            f"{where}: cannot deliver: {type(exc).__name__}: {exc}; check "
            "[smtp] host and port and that the server is up"
        ) from exc


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
