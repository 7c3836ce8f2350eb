"""click's own texts in the operator's language, and help laid out for Chinese text.

click 8 wraps its texts ("Usage:", "Options:", "Show this message and exit.", "No such
option", "Missing argument", "Invalid value for …") in ``gettext.gettext`` of the *global*
gettext domain, bound at import (``from gettext import gettext as _``), whose language comes
from the environment only. hotspot's language is chosen per run (``--lang`` > config >
``LANG``), so :func:`install` points those module-level ``_``/``ngettext`` names of click's
modules at :func:`hotspot.i18n._` / :func:`hotspot.i18n.ngettext`; click's msgids are
extracted from the installed click into hotspot's own catalog by ``scripts/i18n`` and
translated there (``tests/meta/test_i18n.py`` fails on a click text without translation, and
``tests/cli/test_click_texts.py`` on a click module still calling the stdlib). Only names
that *are* the stdlib functions are replaced, so a click that stops using gettext is left
alone. The alternatives were worse: ``gettext.textdomain`` + ``LANGUAGE`` in ``os.environ``
changes the environment of every child process, and a formatter alone reaches neither the
parser's errors nor the types' messages.

Type names ("integer range", "text", "path") are class attributes of click's types, shown as
metavars (``--limit INTEGER RANGE``) and inside errors (``'x' is not a valid integer range``):
:func:`install` makes them translated on read, so both follow the language too. Argument
metavars (``ALERT_ID``) are hotspot's own msgids (:class:`HotspotArgument`).

click measures text in code points, so a Chinese help line (two columns per character, no
spaces) is neither wrapped nor aligned right: :class:`WideFormatter` wraps and pads by display
width and may break between any two CJK characters (never before a closing mark like ``，``).
"""

from __future__ import annotations

import gettext as _stdlib_gettext
import importlib
import re
import sys
from collections.abc import Iterable, Iterator
from typing import Any

import click

from hotspot import i18n
from hotspot.cli.output import width
from hotspot.i18n import _l

#: Type names click shows (metavars upper-cased) as msgids, so they are extracted; the
#: translation happens on read (:class:`_TypeName`).
TYPE_NAMES = (
    _l("text"),
    _l("integer"),
    _l("float"),
    _l("integer range"),
    _l("float range"),
    _l("boolean"),
    _l("path"),
    _l("file"),
    _l("directory"),
    _l("filename"),
    _l("choice"),
    _l("datetime"),
    _l("uuid"),
)

#: Usage pieces click writes literally, and the one help extra it translates without a
#: literal (``_(extra["required"])``).
USAGE_PIECES = (_l("[OPTIONS]"), _l("COMMAND [ARGS]..."), _l("required"))

#: Argument metavars (the parameter name upper-cased) hotspot translates.
ARGUMENT_NAMES = (
    _l("ALERT_ID"),
    _l("EVENT_ID"),
    _l("FILES"),
    _l("DIRECTORY"),
    _l("TEXT"),
    _l("THEME"),
    _l("VERDICT"),
)

CLICK_MODULES = (
    "click.core",
    "click.decorators",
    "click.exceptions",
    "click.formatting",
    "click.parser",
    "click.types",
    "click.utils",
    "click.termui",
    "click.shell_completion",
    "click._termui_impl",
)


class _TypeName:
    """A data descriptor for ``ParamType.name``: stores the English name (class default or
    what ``__init__`` assigns, e.g. ``Path``'s "file"/"directory") and returns it translated."""

    def __init__(self, default: str):
        self.default = default

    def __get__(self, obj: Any, owner: Any = None) -> str:
        raw = self.default if obj is None else obj.__dict__.get("_hotspot_name", self.default)
        return i18n._(raw) if isinstance(raw, str) else raw

    def __set__(self, obj: Any, value: str) -> None:
        obj.__dict__["_hotspot_name"] = value


def _subclasses(cls: type) -> Iterator[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def click_modules() -> list[Any]:
    """click's modules that may call gettext (imported here, so the lazy ones count too)."""
    mods = []
    for name in CLICK_MODULES:
        try:
            mods.append(importlib.import_module(name))
        except ImportError:  # pragma: no cover - a click without that module
            continue
    mods += [m for n, m in list(sys.modules.items()) if n.startswith("click.") and m not in mods]
    return mods


def install() -> None:
    """Route click's texts through hotspot's catalog (idempotent)."""
    for mod in click_modules():
        if getattr(mod, "_", None) is _stdlib_gettext.gettext:
            mod._ = i18n._
        if getattr(mod, "ngettext", None) is _stdlib_gettext.ngettext:
            mod.ngettext = i18n.ngettext
    for cls in [click.ParamType, *_subclasses(click.ParamType)]:
        own = cls.__dict__.get("name")
        if isinstance(own, str):
            setattr(cls, "name", _TypeName(own))  # noqa: B010 (mypy: type has no name)
        elif cls is click.ParamType and own is None:  # Path, File: name set in __init__
            setattr(cls, "name", _TypeName(""))  # noqa: B010


def tidy(message: str) -> str:
    """click assembles some messages from pieces with English punctuation
    (``Missing argument 'X'.``, ``No such option 'x'. Did you mean…``): in Chinese, a
    sentence ends with ``。`` and no space follows it."""
    if i18n.current() != "zh-CN":
        return message
    message = re.sub(r"(?<=['\u4e00-\u9fff])\.(?=\s|$)", "。", message)
    return re.sub(r"([。？！])\s+", r"\1", message)


class HotspotArgument(click.Argument):
    """An argument whose metavar (``ALERT_ID``) is shown in the active language."""

    def _name(self) -> str:
        return i18n._(self.name.upper()) if self.name else ""

    @property
    def human_readable_name(self) -> str:
        return self.metavar if self.metavar is not None else self._name()

    def get_error_hint(self, ctx: click.Context | None) -> str:
        # its name (``'标记'``), not a choice metavar like ``'{useful|irrelevant|chased}'``
        return f"'{self.metavar if self.metavar is not None else self._name()}'"

    def make_metavar(self, ctx: click.Context) -> str:
        if self.metavar is not None or self.type.get_metavar(param=self, ctx=ctx):
            return super().make_metavar(ctx)
        var = self._name()
        if not self.required:
            var = f"[{var}]"
        if self.nargs != 1:
            var += "..."
        return var


# Closing marks never start a line, opening marks never end one (the common 禁则).
CLOSING = set("，。、；：？！）》」』】〕…,.;:?!)]%")
OPENING = set("（《「『【〔([")
TOKEN = re.compile(r"\s+|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+|\S")


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    pending_open = ""
    for tok in TOKEN.findall(text):
        if tok.isspace():
            if pending_open:
                out.append(pending_open)
                pending_open = ""
            out.append(" ")
        elif tok in OPENING:
            pending_open += tok
        elif tok in CLOSING and out and not out[-1].isspace():
            out[-1] += tok
        else:
            out.append(pending_open + tok)
            pending_open = ""
    if pending_open:
        out.append(pending_open)
    return out


def wrap(text: str, limit: int) -> list[str]:
    """Greedy fill to ``limit`` display columns: breaks at spaces and between CJK
    characters; a word longer than the line stays whole."""
    lines: list[str] = []
    line, w, space = "", 0, False
    for tok in _tokens(text):
        if tok == " ":
            space = bool(line)
            continue
        sep = " " if space else ""
        tw = width(tok)
        if line and w + len(sep) + tw > limit:
            lines.append(line)
            line, w = tok, tw
        else:
            line, w = line + sep + tok, w + len(sep) + tw
        space = False
    if line:
        lines.append(line)
    return lines


def _join(lines: Iterable[str]) -> str:
    """Lines of one paragraph as one text: a space between words, none between CJK."""
    out = ""
    for line in lines:
        line = line.strip()
        if out and line and not (width(out[-1]) == 2 and width(line[0]) == 2):
            out += " "
        out += line
    return out


def _paragraphs(text: str) -> Iterator[tuple[int, bool, list[str]]]:
    """(indent, raw, lines) per paragraph; a paragraph starting with ``\\b`` is not rewrapped
    (click's convention)."""
    block: list[str] = []
    for line in text.expandtabs().splitlines() + [""]:
        if line.strip():
            block.append(line)
            continue
        if block:
            indent = len(block[0]) - len(block[0].lstrip())
            if block[0].strip() == "\b":
                yield indent, True, block[1:]
            else:
                yield indent, False, block
        block = []


def fill(text: str, limit: int, indent: str = "") -> str:
    out = []
    for extra, raw, lines in _paragraphs(text):
        pad = indent + " " * extra
        if raw:
            out.append("\n".join(indent + line for line in lines))
        else:
            out.append("\n".join(pad + x for x in wrap(_join(lines), max(limit - len(pad), 10))))
    return "\n\n".join(out)


class WideFormatter(click.HelpFormatter):
    """click's help formatter measuring display width (CJK = two columns)."""

    def write_text(self, text: str) -> None:
        self.write(fill(text, self.width, " " * self.current_indent))
        self.write("\n")

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        first_col = min(max((width(a) for a, _b in rows), default=0), col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            text_width = max(self.width - first_col - self.current_indent, 10)
            lines = fill(second, text_width).splitlines() or [""]
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


class HotspotContext(click.Context):
    formatter_class = WideFormatter


SENTENCE_END = re.compile(r"(?<=[。！？])|(?<=[.!?])\s")


def first_sentence(text: str) -> str:
    """Up to the first sentence end (``。`` or ``. ``), as click's short help does."""
    m = SENTENCE_END.search(text)
    return text[: m.start()].strip() if m else text


def shorten(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` display columns with ``…`` (CJK counts two)."""
    if width(text) <= limit:
        return text
    out, w = "", 0
    for c in text:
        if w + width(c) > limit - 1:
            break
        out, w = out + c, w + width(c)
    return out.rstrip() + "…"
