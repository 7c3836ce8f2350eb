"""Every string an operator reads has a zh-CN translation, and the shipped .mo is the current
.po compiled (``scripts/i18n``). Extraction is Babel's, with the project's ``babel.cfg``."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest

pytest.importorskip("babel")
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "hotspot/locale/zh_CN/LC_MESSAGES/hotspot.po"
MO = PO.with_suffix(".mo")


def extracted() -> set[str]:
    with open(ROOT / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    out: set[str] = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        # a plural entry is keyed by its singular in the catalog
        out.add(message if isinstance(message, str) else message[0])
    # click's own texts are shown through our catalog too (hotspot/cli/clicktext.py)
    import click

    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(Path(click.__file__).parent)
    ):
        out.add(message if isinstance(message, str) else message[0])
    return out


def catalog():
    with open(PO, "rb") as f:
        return read_po(f, locale="zh_CN")


def test_every_user_facing_string_has_a_zh_cn_translation():
    found = extracted()
    assert len(found) > 40, "extraction found almost nothing: babel.cfg broken?"
    cat = catalog()
    missing = sorted(m for m in found if m not in cat)
    assert not missing, "not in the .po (run scripts/i18n): " + "; ".join(missing[:20])
    untranslated = []
    for m in found:
        s = cat[m].string
        strings = s if isinstance(s, tuple) else (s,)
        if not all(strings):
            untranslated.append(m)
    assert not untranslated, "no zh-CN translation: " + "; ".join(sorted(untranslated)[:20])


def test_placeholders_survive_translation():
    import re

    names = re.compile(r"\{(\w*)[^}]*\}|%\((\w+)\)s")
    for msg in catalog():
        if not msg.id:
            continue
        ids = msg.id if isinstance(msg.id, tuple) else (msg.id,)
        strs = msg.string if isinstance(msg.string, tuple) else (msg.string,)
        want = {m for i in ids for m in names.findall(i)}
        for s in strs:
            assert {m for m in names.findall(s)} <= want | {("n", "")}, (msg.id, s)
            assert {m for m in names.findall(s)} >= {m for m in names.findall(ids[-1])}, (
                msg.id,
                s,
            )


def test_the_mo_is_compiled_from_the_current_po():
    with open(MO, "rb") as f:
        mo = gettext.GNUTranslations(f)
    for msg in catalog():
        if not msg.id:
            continue
        if isinstance(msg.id, tuple):
            for n, s in enumerate(msg.string):
                assert mo.ngettext(msg.id[0], msg.id[1], n + 1) == s
        else:
            assert mo.gettext(msg.id) == msg.string, f"stale .mo (run scripts/i18n): {msg.id!r}"


def test_every_click_help_text_is_in_the_catalog():
    """Catches help that was never wrapped (a plain ``help="..."``): walk the real CLI."""
    import inspect

    import click

    from hotspot.cli import cli

    cat = catalog()
    missing = []

    def walk(cmd: click.Command, path: str) -> None:
        texts = [cmd.help] + [getattr(p, "help", None) for p in cmd.params]
        for text in texts:
            if text and text not in ("Show this message and exit.", "Show the version and exit."):
                msgid = inspect.cleandoc(text).partition("\f")[0]
                if msgid not in cat or not cat[msgid].string:
                    missing.append(f"{path}: {msgid}")
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(cli, "hotspot")
    assert not missing, "help without a zh-CN translation: " + "; ".join(missing)
