"""The operator's language: gettext catalogs (built with Babel) for everything hotspot says.

zh-CN is the default language, English the alternative. English text is the msgid; the
zh-CN translation lives in ``hotspot/locale/zh_CN/LC_MESSAGES/hotspot.po`` and its compiled
``hotspot.mo`` ships in the package.

Which language (first that applies): ``--lang`` > ``[hotspot] language`` in the config >
``LC_ALL`` / ``LC_MESSAGES`` / ``LANG`` (``zh*`` -> zh-CN; ``en*``, ``C`` and ``POSIX`` ->
English; anything else is ignored) > zh-CN. The CLI decides once per run and calls
:func:`activate`; library code that is never activated speaks English (the msgids), which is
what unit tests of lower stages see.

How to wrap a string (every developer, every stage)
---------------------------------------------------
* Import: ``from hotspot.i18n import _, ngettext, _l``.
* Whole sentences in one literal, placeholders by name, formatted AFTER translation::

      click.echo(_("no alert with id {id}; see 'hotspot alerts list'").format(id=alert_id))
      ngettext("{n} alert", "{n} alerts", n).format(n=n)

  Never build sentences from pieces (``_("no") + " " + _("alerts")``) and never put an
  f-string inside ``_()``: the extractor needs the literal, the translator the whole sentence.
* Text evaluated at import time (click ``help=``, module-level constants, column headers):
  mark it with ``_l("...")``. ``_l`` returns the msgid unchanged; it is translated when shown
  (the CLI's command/option classes translate help at render time, so ``--lang`` applies;
  for your own constants call ``_(CONSTANT)`` where you print it). Command docstrings are the
  command's help: they are extracted too (see :func:`extract_python_and_help`) and
  translated at render time, so write them in English as usual.
* Jinja2 templates (``hotspot/delivery/templates``): the environment has the ``i18n``
  extension installed by :func:`install_jinja`; write ``{{ _("first seen") }}`` or
  ``{% trans n=count %}{{ n }} alert{% pluralize %}{{ n }} alerts{% endtrans %}``
  (new-style gettext: ``{{ _("best #{rank}", rank=r) }}`` formats with ``%(rank)s``-style
  names, so in templates write ``%(rank)s`` placeholders).
* Exception messages are user-facing: ``raise XError(_("...").format(...))``
  (``tests/meta/test_error_texts.py`` fails on a literal message that is not wrapped).
* click's own texts (usage, option errors, type names) go through this catalog too:
  ``hotspot/cli/clicktext.py``; ``scripts/i18n`` extracts them from the installed click.
* Log messages are for developers and stay English (do not wrap ``log.info``).
* After adding strings: ``scripts/i18n`` (extract -> update the .po -> compile the .mo),
  translate the new empty ``msgstr`` entries in the .po, run ``scripts/i18n`` again.
  ``tests/meta/test_i18n.py`` fails while a string has no zh-CN translation or the .mo is
  older than the .po.
"""

from __future__ import annotations

import ast
import gettext as _gettext
import inspect
import os
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

DOMAIN = "hotspot"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"

_active: _gettext.NullTranslations = _gettext.NullTranslations()
_language = "en"


def normalize(value: str | None) -> str | None:
    """``zh_CN.UTF-8``, ``zh-cn``, ``zh`` -> ``zh-CN``; ``en_US``, ``C``, ``POSIX`` -> ``en``;
    anything else -> None."""
    if not value:
        return None
    v = value.strip().split(".")[0].split("@")[0].replace("_", "-").lower()
    if v.startswith("zh") or v == "cn":
        return "zh-CN"
    if v.startswith("en") or v in ("c", "posix"):
        return "en"
    return None


def from_environment(environ: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if env.get(var):
            return normalize(env[var])
    return None


def config_language(path: Path | None) -> str | None:
    """The ``[hotspot] language`` of a config file, read leniently (errors in the file are the
    loader's to report, in the language chosen without it)."""
    if path is None:
        return None
    try:
        raw = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
        value = raw.get("hotspot", {}).get("language")
    except (OSError, ValueError, AttributeError):
        return None
    return normalize(value) if isinstance(value, str) else None


def resolve(
    cli: str | None = None,
    config: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The language to use, by the precedence documented above."""
    return normalize(cli) or normalize(config) or from_environment(environ) or DEFAULT_LANGUAGE


def translations(language: str) -> _gettext.NullTranslations:
    if language == "en":
        return _gettext.NullTranslations()
    return _gettext.translation(
        DOMAIN, LOCALE_DIR, languages=[language.replace("-", "_")], fallback=True
    )


def language_of(tr: _gettext.NullTranslations) -> str:
    """The language a translations object (from :func:`translations`) speaks: the catalog's
    own ``Language`` header; the msgids (a bare ``NullTranslations``) are English."""
    return normalize(tr.info().get("language")) or "en"


def activate(language: str) -> None:
    """Make ``language`` (``zh-CN`` or ``en``) the language of this process."""
    global _active, _language
    lang = normalize(language) or DEFAULT_LANGUAGE
    _active, _language = translations(lang), lang


def current() -> str:
    return _language


def _(message: str) -> str:
    """Translate ``message`` into the active language."""
    return _active.gettext(message) if message else message


def gettext(message: str) -> str:
    return _(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _active.ngettext(singular, plural, n)


def _l(message: str) -> str:
    """Mark text that is translated later, when shown (click help, constants)."""
    return message


def install_jinja(env: Any) -> None:
    """Give a Jinja2 environment the ``i18n`` extension bound to the active language."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext=gettext, ngettext=ngettext, newstyle=True)


def help_text(text: str | None) -> str | None:
    """Click help (a docstring or ``_l`` text) in the active language."""
    if not text:
        return text
    body, sep, rest = inspect.cleandoc(text).partition("\f")
    return _(body) + sep + rest


COMMAND_DECORATORS = {"command", "group"}


def _is_source_plugin(node: ast.ClassDef) -> bool:
    """A class with ``type = "<name>"`` in its body: a source plugin."""
    return any(
        isinstance(st, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "type" for t in st.targets)
        and isinstance(st.value, ast.Constant)
        and isinstance(st.value.value, str)
        for st in node.body
    )


def extract_python_and_help(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[Any, ...]]:
    """Babel extractor (``babel.cfg``): Babel's python extraction plus the docstrings of click
    commands (``@x.command``/``@x.group``), which are their help texts, as click shows them
    (cleaned, cut at ``\\f``), and the first docstring line of source plugins."""
    from babel.messages.extract import extract_python

    source = fileobj.read()
    fileobj.seek(0)
    yield from extract_python(fileobj, keywords, comment_tags, options)
    tree = ast.parse(source.decode("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and _is_source_plugin(node):
            doc = ast.get_docstring(node, clean=True)
            if doc:  # a source plugin's description, shown by `hotspot sources list`
                yield node.lineno, "", doc.strip().splitlines()[0], []
            continue
        if not isinstance(node, ast.FunctionDef):
            continue
        for dec in node.decorator_list:
            target = dec.func if isinstance(dec, ast.Call) else dec
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            if name in COMMAND_DECORATORS:
                doc = ast.get_docstring(node, clean=True)
                if doc:
                    yield node.lineno, "", doc.partition("\f")[0], []
                break
