"""Bounded decoding of ``Content-Encoding`` bodies: a compression bomb cannot outgrow the cap.

httpx decodes a chunk at a time and only then lets the caller count it, so a 1.7 KB brotli
body that expands to 1 GB is fully materialised before any size check. Here the raw bytes are
decoded incrementally with an output bound (``zlib``'s ``max_length``, brotli's
``output_buffer_limit``), so at most ``cap + 1`` decoded bytes ever exist at once.

Decisions: ``gzip``, ``x-gzip``, ``deflate`` (zlib-wrapped or raw) and ``br`` are decoded;
``identity`` is ignored; a stacked encoding (``gzip, gzip``) or an unknown one is refused:
no platform sends either, and a stack multiplies the expansion ratio.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import brotli

from hotspot.i18n import _

ACCEPT_ENCODING = "gzip, deflate, br"


class DecodeRefused(Exception):
    """The encoding is unknown or stacked; the message says which."""


class DecodedTooLarge(Exception):
    """The decoded body grew beyond the cap."""


def encodings(header: str | None) -> list[str]:
    """The non-identity codings of a ``Content-Encoding`` header, in the order applied."""
    names = [p.strip().lower() for p in (header or "").split(",")]
    return [n for n in names if n and n != "identity"]


class BoundedDecoder:
    """Feed raw chunks with ``feed``; ``finish`` at the end. Raises ``DecodedTooLarge`` as
    soon as the decoded total passes ``cap``, ``DecodeRefused`` for what it will not decode,
    ``ValueError`` for a corrupt stream."""

    def __init__(self, header: str | None, cap: int):
        codings = encodings(header)
        if len(codings) > 1:
            raise DecodeRefused(
                _("stacked Content-Encoding {header!r} refused").format(header=header)
            )
        self.cap = cap
        self.total = 0
        self.out: list[bytes] = []
        self._step: Callable[[bytes], None]
        coding = codings[0] if codings else None
        if coding is None:
            self._step = self._keep
        elif coding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
            self._step = self._zlib_step
        elif coding == "deflate":
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS)
            self._raw_tried = False
            self._step = self._zlib_step
        elif coding == "br":
            self._br = brotli.Decompressor()
            self._step = self._br_step
        else:
            raise DecodeRefused(_("unsupported Content-Encoding {header!r}").format(header=header))
        self._coding = coding

    def feed(self, data: bytes) -> None:
        if data:
            self._step(data)

    def finish(self) -> bytes:
        return b"".join(self.out)

    # -- one step per coding -------------------------------------------------------------
    def _add(self, piece: bytes) -> None:
        if not piece:
            return
        self.total += len(piece)
        if self.total > self.cap:
            self.out.clear()
            raise DecodedTooLarge(self.total)
        self.out.append(piece)

    def _keep(self, data: bytes) -> None:
        self._add(data)

    def _zlib_step(self, data: bytes) -> None:
        try:
            while data:
                piece = self._zlib.decompress(data, self.cap - self.total + 1)
                self._add(piece)
                data = self._zlib.unconsumed_tail
                if self._zlib.eof:
                    return  # trailing garbage / further gzip members are ignored
        except zlib.error as exc:
            if self._coding == "deflate" and not self._raw_tried and self.total == 0:
                self._raw_tried = True  # some servers send raw deflate without the zlib header
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                self._zlib_step(data)
                return
            raise ValueError(
                _("corrupt {coding} body: {exc}").format(coding=self._coding, exc=exc)
            ) from None

    def _br_step(self, data: bytes) -> None:
        try:
            piece = self._br.process(data, output_buffer_limit=self.cap - self.total + 1)
            self._add(piece)
            while not self._br.can_accept_more_data():
                piece = self._br.process(b"", output_buffer_limit=self.cap - self.total + 1)
                if not piece:
                    break
                self._add(piece)
        except brotli.error as exc:
            raise ValueError(_("corrupt br body: {exc}").format(exc=exc)) from None
