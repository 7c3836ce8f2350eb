"""Fill empty msgstr entries of the zh-CN catalog from a Python dict file (msgid -> msgstr;
plural msgids as tuples -> tuple of forms). A convenience for translating many strings at
once: ``python scripts/i18n_fill.py translations.py`` then ``scripts/i18n``. Existing
translations are kept unless --overwrite."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parents[1] / "hotspot/locale/zh_CN/LC_MESSAGES/hotspot.po"


def main(argv: list[str]) -> int:
    table = runpy.run_path(argv[0])["ZH"]
    overwrite = "--overwrite" in argv
    with open(PO, "rb") as f:
        cat = read_po(f, locale="zh_CN")
    filled = 0
    for msg in cat:
        if not msg.id or msg.id not in table:
            continue
        have = msg.string if isinstance(msg.string, tuple) else (msg.string,)
        if all(have) and not overwrite:
            continue
        msg.string = table[msg.id]
        filled += 1
    with open(PO, "wb") as f:
        write_po(f, cat, width=100, omit_header=False)
    missing = [
        m.id
        for m in cat
        if m.id and not all(m.string if isinstance(m.string, tuple) else (m.string,))
    ]
    print(f"filled {filled}; still untranslated {len(missing)}")
    for m in missing:
        print("  ", repr(m))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
