"""Which character encoding a response body is in, decided once for every source.

``decode(content, declared)`` returns a ``Decoded``: the text, the encoding used and how it
was chosen. ``Fetched.text()`` (JSON and HTML plugins) and the RSS plugin (which hands the
chosen charset to feedparser) both go through it, so every source reads bytes the same way.

The order, first match wins:

1. **header**: the charset the HTTP ``Content-Type`` declared, if the body decodes in it.
2. **bom**: a UTF-8/UTF-16 byte-order mark.
3. **declaration**: the document's own ``<?xml ... encoding="..."?>`` or ``<meta charset>``
   (first 2 KB), if the body decodes in it. A declared charset the bytes do not fit (a server
   saying utf-8 about a GBK page) is passed over, not obeyed into mojibake.
4. **utf-8**: the body is valid UTF-8 (JSON APIs, most feeds).
5. **damaged-utf-8**: mostly UTF-8 with a few broken sequences (a truncated character), read
   as UTF-8 with U+FFFD for the broken bytes rather than guessed into another encoding (UTF-8
   Chinese bytes often "decode" as GB18030 mojibake, so this comes before detection).
6. **detected**: charset-normalizer's best guess, for GB2312/GBK, Big5, EUC-KR, EUC-JP,
   Shift_JIS, KOI8-R... bodies that declare nothing. Short CJK text is ambiguous (the same bytes
   are valid GBK, Big5 and EUC-KR): with fewer than 64 non-ASCII bytes, or when GB18030 reads
   the body as cleanly as the detector's best guess, GB18030 wins, because the sites hotspot
   watches are Chinese. Longer Korean, Japanese or Russian text is told apart reliably.
7. **undecodable**: nothing fits; UTF-8 with replacement characters. ``Decoded.reliable`` is
   False, and a plugin that must not guess (RSS) reports it as an error naming the encoding.

GB2312 and GBK are read as GB18030, their superset (pages labelled gb2312 routinely use GBK
characters).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass

DECLARATION_SCAN = 2048
DETECT_BYTES = 256 * 1024  # enough for any detector; bounds the work on large bodies
SHORT_SAMPLE = 64  # fewer non-ASCII bytes than this: detectors guess at random among CJK codecs
TIE = 0.01  # chaos scores this close are a tie, which GB18030 wins
DAMAGED_RATIO = 10  # at least 10 valid non-ASCII characters per broken sequence is "damaged"
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030"}
_LABEL = re.compile(r"[a-z0-9._:\-]{1,40}")
_XML_DECL = re.compile(
    rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:\-]{1,40})["']"""
)
_META = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9._:\-]{1,40})""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True, slots=True)
class Decoded:
    """A body's text and how its encoding was decided (see the module docstring)."""

    text: str
    encoding: str  # a Python codec name
    how: str  # header, bom, declaration, utf-8, detected, damaged-utf-8, undecodable
    declared: str | None = None  # what the header or the document claimed, if anything

    @property
    def reliable(self) -> bool:
        """Whether the text is what the publisher wrote (no guess left unresolved)."""
        return self.how not in ("damaged-utf-8", "undecodable")


def codec_name(label: str | None) -> str | None:
    """The Python codec for a charset label (``GB2312`` -> ``gb18030``), None if unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if not _LABEL.fullmatch(label):
        return None
    label = _SUPERSETS.get(label, label)
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    # bytes-to-bytes "codecs" (base64, rot13...) are no character encodings
    return info.name if getattr(info, "_is_text_encoding", True) else None


def header_charset(headers: Mapping[str, str]) -> str | None:
    """The ``charset`` parameter of a ``Content-Type`` header, if any."""
    for key, value in headers.items():
        if str(key).lower() == "content-type":
            for part in str(value).split(";")[1:]:
                name, _, label = part.partition("=")
                if name.strip().lower() == "charset" and label.strip().strip("\"'"):
                    return label.strip().strip("\"'")
    return None


def document_declaration(content: bytes) -> str | None:
    """The charset label a document declares about itself (XML declaration or meta tag)."""
    head = content[:DECLARATION_SCAN]
    for bom, _ in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    m = _XML_DECL.match(head) or _META.search(head)
    return m.group(1).decode("ascii") if m else None


def decode(content: bytes, declared: str | None = None) -> Decoded:
    """Decode a body; see the module docstring for the order of evidence."""
    header = codec_name(declared)
    if header:
        text = _strict(content, header)
        if text is not None:
            return Decoded(text, header, "header", declared)
    for bom, enc in _BOMS:
        if content.startswith(bom):
            return Decoded(content[len(bom) :].decode(enc, "replace"), enc, "bom", declared)
    label = document_declaration(content)
    own = codec_name(label)
    claimed = declared or label
    if own and own != header:
        text = _strict(content, own)
        if text is not None:
            return Decoded(text, own, "declaration", claimed)
    text = _strict(content, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8", "utf-8", claimed)
    lenient = content.decode("utf-8", "replace")
    if _mostly_utf8(lenient):  # before detection: UTF-8 bytes often "decode" as GB18030
        return Decoded(lenient, "utf-8", "damaged-utf-8", claimed)
    detected = detect(content)
    if detected:
        text = _strict(content, detected)
        if text is not None:
            return Decoded(text, detected, "detected", claimed)
    return Decoded(lenient, header or own or "utf-8", "undecodable", claimed)


def detect(content: bytes) -> str | None:
    """charset-normalizer's guess for a body that declares nothing, GB18030 on a tie."""
    from charset_normalizer import from_bytes  # imported on first need: most bodies are UTF-8

    sample = content[:DETECT_BYTES]
    gb_fits = _strict(content, "gb18030") is not None
    if gb_fits and sum(1 for b in sample if b > 127) < SHORT_SAMPLE:
        return "gb18030"  # too little text for any detector to tell GBK from EUC-KR or Big5
    matches = list(from_bytes(sample))
    if not matches:
        return "gb18030" if gb_fits else None
    best = min(m.chaos for m in matches)
    chinese = list(from_bytes(sample, cp_isolation=["gb18030"])) if gb_fits else []
    if chinese and chinese[0].chaos <= best + TIE:
        return "gb18030"
    ascii_compatible = b"\x00" not in sample[:256]  # markup/JSON in UTF-16 has NULs
    for match in sorted(matches, key=lambda m: m.chaos):
        name = codec_name(match.encoding)
        if name and not (ascii_compatible and name.startswith(("utf-16", "utf-32"))):
            return name
    return None


def _strict(content: bytes, encoding: str) -> str | None:
    try:
        return content.decode(encoding)
    except (UnicodeError, LookupError, ValueError):  # punycode & co raise plain UnicodeError
        return None


def _mostly_utf8(text: str) -> bool:
    """UTF-8 with a few broken sequences, not another encoding read as UTF-8 (which breaks on
    nearly every non-ASCII byte)."""
    broken = text.count("\ufffd")
    valid = sum(1 for ch in text if ord(ch) > 127) - broken
    return broken > 0 and valid >= DAMAGED_RATIO * broken
