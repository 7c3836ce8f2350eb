"""Wording robustness of the matcher: the eval's twelve domains worded by another operator
(``benchmarks/wording/themes_alt.toml``: other names, other keywords, written without the
labels) against the eval's own wording, both through ``hotspot eval``.

The labels of ../shared/eval are mapped to the other names by position (theme i of one file is
the domain of theme i of the other) into a temporary file; nothing of ../shared is copied into
the repository. Cold (no history) by default; ``--history`` first imports ../shared/corpus into
a temporary database, as the README's "Matcher quality" figures do.

Figure:     micro-F1 and macro-F1 of each wording, and the drop.
Target:     the other wording loses at most 3 points of micro-F1 (issue 11).

    python benchmarks/measure_wording.py [--history]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

ALT = c.BENCH_DIR / "wording" / "themes_alt.toml"
EVAL = c.SHARED / "eval"


def _names(path: Path) -> list[str]:
    with path.open("rb") as f:
        return [t["name"] for t in tomllib.load(f)["themes"]]


def _eval(config: Path, themes: Path, labels: Path) -> tuple[float, float]:
    out = subprocess.run(
        [
            c.PY,
            "-m",
            "hotspot",
            "--config",
            str(config),
            "eval",
            "--themes",
            str(themes),
            "--items",
            str(EVAL / "items.jsonl"),
            "--labels",
            str(labels),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = {r["theme"]: r for r in json.loads(out)["themes"]}
    return rows["(micro)"]["F1"], rows["(macro F1)"]["F1"]


def run(history: bool = False) -> list[dict]:
    if not (EVAL / "labels.jsonl").exists():
        return c.skipped("wording")
    own, alt = _names(c.THEMES_FILE), _names(ALT)
    if len(own) != len(alt):
        raise SystemExit(f"{ALT}: {len(alt)} themes, the eval has {len(own)}")
    rename = dict(zip(own, alt))
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        labels_alt = d / "labels_alt.jsonl"
        with (
            (EVAL / "labels.jsonl").open(encoding="utf-8") as src,
            labels_alt.open("w", encoding="utf-8") as dst,
        ):
            for line in src:
                row = json.loads(line)
                row["labels"] = [rename.get(x, x) for x in row["labels"]]
                dst.write(json.dumps(row, ensure_ascii=False) + "\n")
        config = d / "hotspot.toml"
        config.write_text(f'[hotspot]\ndatabase = "{d / "h.db"}"\n', encoding="utf-8")
        if history:
            subprocess.run(
                [c.PY, "-m", "hotspot", "--config", str(config), "import", *c.corpus_files()],
                capture_output=True,
                check=True,
            )
        mode = "history" if history else "cold"
        m0, M0 = _eval(config, c.THEMES_FILE, EVAL / "labels.jsonl")
        m1, M1 = _eval(config, ALT, labels_alt)
    drop = (m0 - m1) * 100
    return [
        c.result(f"wording ({mode}): eval's own wording micro-F1", m0, "", f"macro {M0:.3f}"),
        c.result(f"wording ({mode}): other wording micro-F1", m1, "", f"macro {M1:.3f}"),
        c.result(
            f"wording ({mode}): micro-F1 lost to the other wording",
            drop,
            "points",
            target="<= 3 points",
            passed=drop <= 3.0,
        ),
    ]


if __name__ == "__main__":
    for r in run(history="--history" in sys.argv):
        print(r)
