"""Remote text made safe for a terminal, a log line, a push or a mail.

Servers control error texts, titles and summaries. ``one_line`` removes what could act on an
operator's terminal or reorder what they read: C0/C1 control characters (ESC starts OSC
window-title, colour and clear-screen sequences), DEL, bidi embeddings/overrides/isolates
(U+202A–202E, U+2066–2069, U+200E/200F, U+061C), zero-width and other invisible format
characters; line breaks and tabs become spaces, so one remote string stays one line.
"""

from __future__ import annotations

import re

UNSAFE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e"
    r"\u2060-\u206f\ufeff\ufff9-\ufffb]"
)
_BREAKS = re.compile(r"[\t\n\r]+")


def one_line(text: str) -> str:
    """``text`` without control/bidi/invisible characters, line breaks turned into spaces."""
    return UNSAFE.sub("", _BREAKS.sub(" ", text))


def lines(text: str) -> str:
    """Like ``one_line`` but keeps line breaks (a multi-line message, a traceback)."""
    return "\n".join(one_line(part) for part in text.split("\n"))
